#!/usr/bin/env node
'use strict';
// fake DC tool for tests (see test/fake-dc/README.md); the logic lives in ../lib/repair-macct.js
require('../lib/repair-macct')
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      // a broken setup (FakeDcError) needs its message, anything else the stack
      process.stderr.write(`fake-dc: ${err && err.name === 'FakeDcError' ? err.message : (err && err.stack) || err}\n`);
      process.exitCode = 3;
    },
  );
