import { Inject, Injectable } from '@nestjs/common';
import type { ResultPromise } from 'execa';
import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';

/** The lock was not ours within PROVISION_LOCK_TIMEOUT_SEC (DOMAIN.md §9 step 3). */
export class LockTimeoutError extends Error {
  readonly code = 'LOCK_TIMEOUT';
}

/** A held lock; `release()` is idempotent. */
export interface HeldLock {
  release(): Promise<void>;
}

/** flock's exit code when --wait ran out (we pick it so it cannot be confused with cat's). */
const CONFLICT_EXIT = 75;

/**
 * A real flock(2) on PROVISION_LOCK_FILE, shared with anything else on the DC that uses
 * `flock` on the same file (DOMAIN.md §9 step 3). Node has no flock, so a child
 * `flock --exclusive --wait S FILE cat` holds it: cat starts only once the lock is ours, and
 * echoes the byte we send as the "acquired" signal. Closing cat's stdin releases it, and because
 * the lock belongs to that child, it dies with the worker even on SIGKILL (stdin pipe closes).
 */
@Injectable()
export class ProvisionLock {
  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {}

  async acquire(): Promise<HeldLock> {
    const { execa } = await import('execa');
    const waitSec = String(this.config.provisionLockTimeoutSec);
    const child: ResultPromise = execa(
      this.config.flockCommand,
      [
        '--exclusive',
        '--wait',
        waitSec,
        '--conflict-exit-code',
        String(CONFLICT_EXIT),
        this.config.provisionLockFile,
        'cat',
      ],
      { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', reject: false, cleanup: true },
    );
    const acquired = new Promise<boolean>((resolve) => {
      child.stdout?.once('data', () => resolve(true));
      void child.then(() => resolve(false));
    });
    child.stdin?.write('L');
    if (!(await acquired)) {
      const result = await child;
      if (result.exitCode === CONFLICT_EXIT) {
        throw new LockTimeoutError(
          `provision lock ${this.config.provisionLockFile} is held by another process (waited ${waitSec} s)`,
        );
      }
      throw new Error(
        `cannot take the provision lock ${this.config.provisionLockFile}: ${String(result.stderr || result.shortMessage).trim()}`,
      );
    }
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        child.stdin?.end();
        await child;
      },
    };
  }
}
