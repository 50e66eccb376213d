/**
 * The API and the DC worker run as separate OS processes, exactly as deployed (built JS under
 * dist/), so the suite exercises their real start-up, shutdown and crash behaviour.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

/** Children still running when the test process exits (e.g. Jest killed mid-run) are not left behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** One long-running child (`node <script>`), restartable, with stdout+stderr appended to one log file. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<ExitInfo> | undefined;
  private generation = 0;
  /** every exit, for diagnostics (e.g. "the worker crashed on its own") */
  readonly exits: ExitInfo[] = [];

  constructor(
    readonly name: string,
    private readonly script: string,
    private env: Record<string, string>,
    readonly logFile: string,
    private readonly cwd: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process; `envOverrides` are kept for later restarts. */
  start(envOverrides: Record<string, string> = {}): void {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    this.env = { ...this.env, ...envOverrides };
    this.generation += 1;
    const fd = openSync(this.logFile, 'a');
    writeSync(fd, `\n===== ${this.name} start #${this.generation} at ${new Date().toISOString()} =====\n`);
    const child = spawn(process.execPath, [this.script], {
      cwd: this.cwd,
      // a clean environment: only what the deployment would set, plus PATH/HOME for the tools
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', TZ: 'UTC', ...this.env },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.child = child;
    live.add(child);
    this.exitPromise = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        const info = { code, signal };
        this.exits.push(info);
        resolve(info);
      });
    });
  }

  /** Graceful stop (SIGTERM), escalating to SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<ExitInfo | undefined> {
    if (!this.running || !this.child || !this.exitPromise) return undefined;
    const child = this.child;
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill('SIGTERM');
    const info = await this.exitPromise;
    clearTimeout(timer);
    return info;
  }

  /** Crash it (SIGKILL by default) and wait until the OS has reaped it. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo | undefined> {
    if (!this.running || !this.child || !this.exitPromise) return undefined;
    this.child.kill(signal);
    return this.exitPromise;
  }

  async restart(envOverrides: Record<string, string> = {}): Promise<void> {
    await this.stop();
    this.start(envOverrides);
  }

  /** Resolves when the current run exits (e.g. to assert a clean SIGTERM shutdown). */
  waitForExit(): Promise<ExitInfo | undefined> {
    return this.exitPromise ?? Promise.resolve(undefined);
  }

  /** The last `lines` lines of the log file. */
  tail(lines = 60): string {
    if (!existsSync(this.logFile)) return `(${this.name}: no log file ${this.logFile})`;
    const all = readFileSync(this.logFile, 'utf8').split('\n');
    return all.slice(-lines).join('\n');
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
