// Integration tier: ProvisionLock runs flock(1) as a child process (CONVENTIONS.md habit 9).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadWorkerConfig } from '../../../apps/dc-worker/src/config/worker-config';
import { LockTimeoutError, ProvisionLock } from '../../../apps/dc-worker/src/lock/provision-lock';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function lockFor(file: string, timeoutSec: string): ProvisionLock {
  return new ProvisionLock(
    loadWorkerConfig({ INTERNAL_API_KEY: 'k', PROVISION_LOCK_FILE: file, PROVISION_LOCK_TIMEOUT_SEC: timeoutSec }),
  );
}

/** What any other process on the DC sees: can it take the lock right now? */
const freeForOthers = (file: string) => spawnSync('flock', ['--nonblock', file, 'true']).status === 0;

describe('ProvisionLock (real flock(2), DOMAIN.md §9 step 3)', () => {
  it('is held against other processes until released', async () => {
    const file = path.join(dir, 'provision.lock');
    const held = await lockFor(file, '1').acquire();
    expect(freeForOthers(file)).toBe(false);
    await held.release();
    expect(freeForOthers(file)).toBe(true);
    await held.release(); // idempotent
  });

  it('times out with LOCK_TIMEOUT while another holder keeps it', async () => {
    const file = path.join(dir, 'provision.lock');
    const first = await lockFor(file, '1').acquire();
    const started = Date.now();
    const err = await lockFor(file, '0.3')
      .acquire()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).code).toBe('LOCK_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await first.release();
    const second = await lockFor(file, '0.3').acquire();
    await second.release();
  });

  it('reports a missing flock binary clearly', async () => {
    const lock = new ProvisionLock(
      loadWorkerConfig({
        INTERNAL_API_KEY: 'k',
        PROVISION_LOCK_FILE: path.join(dir, 'l'),
        FLOCK_COMMAND: '/nonexistent/flock',
      }),
    );
    await expect(lock.acquire()).rejects.toThrow(/cannot take the provision lock .*\/l: /);
  });
});
