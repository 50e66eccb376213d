// The README's main job: `npm run demo` provisions sample hosts end to end (issue 5). Runs the real
// command (build, migrate, API + worker + fake DC as separate processes) with `--exit`, on its own
// database and Redis index so it cannot disturb the other e2e files.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { pgUrl, REDIS_DB, redisUrl } from '../setup/services';

const ROOT = resolve(__dirname, '..', '..');

jest.setTimeout(300_000);

it('npm run demo -- --exit provisions every sample host through one REST + import flow and says where everything is', () => {
  const run = spawnSync('npm', ['run', 'demo', '--silent', '--', '--exit'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 280_000,
    env: {
      ...process.env,
      DATABASE_URL: pgUrl('linbo_test_demo'),
      REDIS_URL: redisUrl(REDIS_DB.demo),
      PORT: '0',
      DEMO_HOSTS: '12',
      DEMO_IMPORT_HOSTS: '6',
    },
  });
  const out = `${run.stdout}\n${run.stderr}`;
  expect({ status: run.status, tail: out.slice(-1500) }).toMatchObject({ status: 0 });
  expect(out).toMatch(/hosts synced:\s+18\b/);
  expect(out).toMatch(/hosts failed:\s+0\b/);
  const imports = Number(/import runs:\s+(\d+)/.exec(out)?.[1]);
  expect(imports).toBeGreaterThanOrEqual(1);
  expect(imports).toBeLessThan(18); // batched, not one import per host
  // the console is served on the API's origin (issue 12); the demo checked GET / before saying so
  expect(out).toMatch(/Web console:\s+http:\/\/127\.0\.0\.1:\d+\/\s/);
  expect(out).toMatch(/OpenAPI UI:\s+http:\/\/127\.0\.0\.1:\d+\/api\/docs/);
  expect(out).toMatch(/WebSocket:\s+ws:\/\/127\.0\.0\.1:\d+\/ws\?token=/);

  // the files it names are real: the master keeps the hand-written lines and holds the new hosts
  const master = /devices\.csv:\s+(\S+)/.exec(out)?.[1] ?? '';
  expect(existsSync(master)).toBe(true);
  const text = readFileSync(master, 'utf8');
  expect(text).toContain('server;server;nopxe;00:50:56:00:00:01;10.0.0.1;;;;server;;0;;;;main server\n');
  expect(text.split('\n').filter((l) => /^r10\d;r10\d-(pc|nb)\d\d;/.test(l))).toHaveLength(18);
  expect(existsSync(join(master, '..', 'linbo-docker.devices.csv'))).toBe(true);
});

it('without a reachable PostgreSQL/Redis the demo says how to start them and exits 1', () => {
  const run = spawnSync('npm', ['run', 'demo', '--silent', '--', '--exit'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/linbo_demo',
      REDIS_URL: 'redis://127.0.0.1:1/5',
    },
  });
  expect(run.status).toBe(1);
  expect(run.stdout).toMatch(/PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:1\/linbo_demo is not reachable/);
  expect(run.stdout).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1\/5 is not reachable/);
  expect(run.stdout).toContain('docker compose up -d postgres redis');
});
