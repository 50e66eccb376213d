#!/usr/bin/env node
// CI check "the built apps start with node" (issue 2): runs dist/apps/api and dist/apps/dc-worker
// as plain `node` processes — which proves the path aliases resolve at run time, not only in the
// editor — waits until each is up, then stops them with SIGTERM and expects a clean exit.
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { ensureDatabase, migrate } = require('./db-migrate');

const ROOT = join(__dirname, '..');
const DATABASE_URL = process.env.CI_SMOKE_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/linbo_ci_smoke';
const REDIS_URL = process.env.CI_SMOKE_REDIS_URL ?? 'redis://127.0.0.1:6379/7';
const KEY = 'ci-smoke-internal-key-0123456789';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function start(name, script, env) {
  const child = spawn(process.execPath, [join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.output = '';
  child.stdout.on('data', (d) => (child.output += d));
  child.stderr.on('data', (d) => (child.output += d));
  child.name = name;
  return child;
}

async function until(what, fn, ms, child) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`${child.name} exited early (${child.exitCode}):\n${child.output}`);
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}:\n${child.output}`);
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve(code ?? signal);
    });
    child.kill('SIGTERM');
  });
}

async function main() {
  await ensureDatabase(DATABASE_URL);
  await migrate(DATABASE_URL, () => undefined);
  const port = await freePort();
  const api = start('API', 'dist/apps/api/src/main.js', {
    NODE_ENV: 'development',
    PORT: String(port),
    DATABASE_URL,
    REDIS_URL,
    INTERNAL_API_KEY: KEY,
    LOG_LEVEL: 'warn',
  });
  const dir = mkdtempSync(join(tmpdir(), 'ci-smoke-'));
  let worker;
  try {
    await until(
      'GET /api/v1/health/ready',
      async () => (await fetch(`http://127.0.0.1:${port}/api/v1/health/ready`)).ok,
      30_000,
      api,
    );
    console.log(`API: ready on port ${port}`);

    const school = join(dir, 'etc', 'linuxmuster', 'sophomorix', 'default-school');
    mkdirSync(school, { recursive: true });
    writeFileSync(join(school, 'devices.csv'), '# empty\n');
    const bin = join(ROOT, 'test', 'fake-dc', 'bin');
    worker = start('DC worker', 'dist/apps/dc-worker/src/main.js', {
      FAKE_DC_ROOT: dir,
      REDIS_URL,
      API_URL: `http://127.0.0.1:${port}/api/v1`,
      INTERNAL_API_KEY: KEY,
      CONSUMER_NAME: 'ci-smoke',
      DEVICES_CSV_MASTER: join(school, 'devices.csv'),
      IMPORT_SCRIPT: join(bin, 'linuxmuster-import-devices'),
      SAMBA_TOOL: join(bin, 'samba-tool'),
      MACCT_REPAIR_SCRIPT: join(bin, 'repair_macct.py'),
      PROVISION_LOCK_FILE: join(dir, 'provision.lock'),
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
    });
    await until('the worker to start reading', async () => /worker started/.test(worker.output), 30_000, worker);
    console.log('DC worker: started');
  } finally {
    const codes = await Promise.all([worker ? stop(worker) : 0, stop(api)]);
    rmSync(dir, { recursive: true, force: true });
    console.log(`stopped: worker ${codes[0]}, API ${codes[1]}`);
    stopCodes = codes;
  }
  // Nest ends with the signal itself after SIGTERM with shutdown hooks; 0/143 are fine too
  for (const c of stopCodes)
    if (![0, 143, 'SIGTERM'].includes(c)) throw new Error(`unclean exit: ${stopCodes.join(', ')}`);
}
let stopCodes = [];

main().catch((err) => {
  console.error(`ci-start-apps: ${err.message}`);
  process.exit(1);
});
