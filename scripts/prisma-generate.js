#!/usr/bin/env node
// `prisma generate` without the schema engine: the generator needs no engine, but the CLI
// checks that PRISMA_SCHEMA_ENGINE_BINARY points at an existing file when the engine cannot be
// downloaded (offline build machines; docs/DEVELOPMENT.md). Any existing file will do; we hand it the node binary.
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const cli = join(__dirname, '..', 'node_modules', 'prisma', 'build', 'index.js');
// quiet on success (it runs before every build and test run); everything is shown on failure
const result = spawnSync(process.execPath, [cli, 'generate'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
if (result.status !== 0) {
  process.stdout.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  process.exit(result.status ?? 1);
}
