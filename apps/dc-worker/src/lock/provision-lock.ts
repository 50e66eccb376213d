import { promises as fs } from 'node:fs';

import { Inject, Injectable } from '@nestjs/common';

import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { withFd3 } from '../import/import-runner';

/** The lock was not ours within PROVISION_LOCK_TIMEOUT_SEC (DOMAIN.md §9 step 3). */
export class LockTimeoutError extends Error {
  readonly code = 'LOCK_TIMEOUT';
}

/**
 * A held lock. `fd` is the locked open file description: a child spawned with it in its stdio
 * (ImportRunner) holds the lock too, until it exits. `release()` is idempotent.
 */
export interface HeldLock {
  readonly fd: number;
  release(): Promise<void>;
}

/** flock's exit code when --wait ran out (we pick it so it cannot be confused with a real error). */
const CONFLICT_EXIT = 75;

/**
 * A real flock(2) on PROVISION_LOCK_FILE, shared with anything else on the DC that uses
 * `flock` on the same file (DOMAIN.md §9 step 3). Node has no flock, so the worker opens the file
 * itself and lets `flock --exclusive --wait S 3` lock that very open file description (passed as
 * fd 3), the `exec 9>file; flock 9` idiom: the lock then belongs to the description, not to the
 * flock process, and lasts until every fd sharing it is closed. The import is spawned with the
 * same description, so a worker SIGKILLed mid-import loses its fd but the orphaned
 * `linuxmuster-import-devices` keeps the lock until it exits: a restarted worker waits for it
 * instead of running a second import beside it.
 */
@Injectable()
export class ProvisionLock {
  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {}

  async acquire(): Promise<HeldLock> {
    const { execa } = await import('execa');
    const waitSec = String(this.config.provisionLockTimeoutSec);
    const file = this.config.provisionLockFile;
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'a');
    } catch (err) {
      throw new Error(`cannot take the provision lock ${file}: ${(err as Error).message}`);
    }
    const result = await execa(
      this.config.flockCommand,
      ['--exclusive', '--wait', waitSec, '--conflict-exit-code', String(CONFLICT_EXIT), '3'],
      { stdio: withFd3(handle.fd), reject: false },
    );
    if (result.exitCode !== 0) {
      await handle.close();
      if (result.exitCode === CONFLICT_EXIT) {
        throw new LockTimeoutError(`provision lock ${file} is held by another process (waited ${waitSec} s)`);
      }
      throw new Error(`cannot take the provision lock ${file}: ${String(result.stderr || result.shortMessage).trim()}`);
    }
    let released = false;
    return {
      fd: handle.fd,
      release: async () => {
        if (released) return;
        released = true;
        await handle.close();
      },
    };
  }
}
