#!/usr/bin/env node
'use strict';
// Entry of the `devices-csv` CLI (package.json "bin"): runs the compiled app from dist/.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'apps', 'devices-csv', 'src', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`devices-csv: ${main} is missing; run \`npm run build\` first\n`);
  process.exit(2);
}
require(main).main(process.argv.slice(2));
