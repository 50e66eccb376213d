import { promises as fs } from 'node:fs';

import { Inject, Injectable } from '@nestjs/common';

import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';

/** One run of linuxmuster-import-devices, as recorded in the operation results (DOMAIN.md §9 step 7). */
export interface ImportRun {
  school: string;
  command: string[];
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** stdout and stderr interleaved, capped */
  output: string;
  /** lines matching the DOMAIN.md §3 failure patterns, from the output and (7.4) the import log */
  failureLines: string[];
  /** exit code ≠ 0, a timeout or a failure pattern: an early hint; verification still decides */
  looksFailed: boolean;
}

/**
 * `['ignore', 'pipe', 'pipe', fd]`: node's spawn hands `fd` to the child as fd 3; execa passes it
 * through at run time, but its types list no plain fd numbers past stderr, hence the cast.
 */
export function withFd3(fd: number | undefined): readonly ['ignore', 'pipe', 'pipe'] {
  const stdio = fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe', fd];
  return stdio as unknown as readonly ['ignore', 'pipe', 'pipe'];
}

/** DOMAIN.md §3: output patterns that signal a sophomorix or wrapper failure on any release. */
export const FAILURE_PATTERNS: readonly RegExp[] = [
  /^\s*ERROR:/,
  /errors detected/,
  /failed with return code/,
  /^Traceback/,
  /invalid literal for int\(\)/,
  /list index out of range/,
  / at \/usr\/sbin\/sophomorix-device line \d+\./,
];

const OUTPUT_CAP = 64 * 1024;

export function failureLinesOf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => FAILURE_PATTERNS.some((re) => re.test(l)));
}

/**
 * Runs `IMPORT_SCRIPT -s SCHOOL` once per batch with a timeout. Neither exit code nor output is
 * a reliable success signal across releases (DOMAIN.md §3: 7.3 exits 0 and prints OK on errors), so
 * this only records what happened; the Verifier decides.
 */
@Injectable()
export class ImportRunner {
  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {}

  /**
   * `lockFd`: the held provision lock (ProvisionLock); the import inherits it as fd 3 and so keeps
   * the lock until it exits, even when the worker is killed meanwhile (an import cut short would leave the DC half-changed).
   */
  async run(school: string, onSpawn?: () => void, lockFd?: number): Promise<ImportRun> {
    const { execa } = await import('execa');
    const args = ['-s', school];
    const logOffset = await this.logSize();
    const started = Date.now();
    const child = execa(this.config.importScript, args, {
      all: true,
      reject: false,
      timeout: this.config.importTimeoutSec * 1000,
      killSignal: 'SIGTERM',
      forceKillAfterDelay: 5000,
      stdio: withFd3(lockFd),
      maxBuffer: 16 * 1024 * 1024,
    });
    onSpawn?.();
    const result = await child;
    const durationMs = Date.now() - started;
    const all = typeof result.all === 'string' ? result.all : '';
    const output = all.length > OUTPUT_CAP ? `…${all.slice(-OUTPUT_CAP)}` : all;
    const failureLines = failureLinesOf(all);
    // 7.4 writes sophomorix's own messages to its log and prints only "failed with return code"
    if (failureLines.some((l) => /failed with return code/.test(l))) {
      failureLines.push(...(await this.appendedLogErrors(logOffset)));
    }
    const timedOut = Boolean(result.timedOut);
    const exitCode = typeof result.exitCode === 'number' ? result.exitCode : null;
    if (result.failed && exitCode === null && !timedOut) {
      failureLines.unshift(`cannot run ${this.config.importScript}: ${result.shortMessage}`);
    }
    return {
      school,
      command: [this.config.importScript, ...args],
      exitCode,
      timedOut,
      durationMs,
      output,
      failureLines,
      looksFailed: timedOut || exitCode !== 0 || failureLines.length > 0,
    };
  }

  private async logSize(): Promise<number> {
    if (!this.config.importLogFile) return 0;
    try {
      return (await fs.stat(this.config.importLogFile)).size;
    } catch {
      return 0;
    }
  }

  /** ERROR lines the import appended to its log during this run (the log may be appended to). */
  private async appendedLogErrors(offset: number): Promise<string[]> {
    if (!this.config.importLogFile) return [];
    try {
      const text = await fs.readFile(this.config.importLogFile);
      const appended = text.length >= offset ? text.subarray(offset) : text; // rotated → all of it
      return appended
        .toString('utf8')
        .split('\n')
        .filter((l) => /^\s*ERROR:/.test(l))
        .map((l) => `${this.config.importLogFile}: ${l.trim()}`);
    } catch {
      return [];
    }
  }
}

/** The admin-readable summary put into job errors: exit code plus the first ERROR lines. */
export function describeImport(run: ImportRun, maxLines = 3): string {
  const head = run.timedOut
    ? `import timed out after ${Math.round(run.durationMs / 1000)} s`
    : `import exited ${run.exitCode ?? 'abnormally'}`;
  const lines = run.failureLines.slice(0, maxLines).map((l) => `"${l.trim()}"`);
  return lines.length ? `${head}: ${lines.join('; ')}` : head;
}
