import { setPriority } from 'node:os';

import { Inject, Injectable } from '@nestjs/common';

import { sambaAuthArgs, WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { failureText } from './samba-messages';

/** A samba-tool run that failed, or DC state that could not be read. */
export class SambaToolError extends Error {}

/** What the readers of the DC need: one samba-tool call (faked in the unit tests). */
export type SambaToolPort = Pick<SambaTool, 'run'>;

/**
 * Verification runs beside the next batch's merge and import (ProvisionProcessor): its samba-tool
 * processes get nice 10 so the critical path — and the DC's own services — go first when the CPU
 * is short. Lowering one's own child's priority is always allowed; where it fails, nothing changes.
 */
const VERIFY_NICE = 10;

/**
 * Runs `SAMBA_TOOL` as an argument list (never a shell) with the SAMBA_TOOL_AUTH credentials
 * appended, a timeout and nice 10; a non-zero exit is a SambaToolError quoting all of stderr
 * (samba-messages.ts).
 */
@Injectable()
export class SambaTool {
  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {}

  /** stdout of `samba-tool ARGS… AUTH…`. */
  async run(args: string[]): Promise<string> {
    const { execa } = await import('execa');
    const auth = sambaAuthArgs(this.config.sambaToolAuth);
    const child = execa(this.config.sambaTool, [...args, ...auth], {
      reject: false,
      timeout: this.config.sambaToolTimeoutSec * 1000,
      stdin: 'ignore',
      maxBuffer: 64 * 1024 * 1024,
    });
    lowerPriority(child.pid);
    const result = await child;
    if (result.exitCode !== 0) {
      throw new SambaToolError(
        `samba-tool ${args.slice(0, 2).join(' ')} failed (exit ${result.exitCode ?? '-'}): ${failureText(
          String(result.stderr),
          String(result.stdout),
          result.shortMessage,
        )}`,
      );
    }
    return String(result.stdout);
  }
}

function lowerPriority(pid: number | undefined): void {
  if (!pid) return;
  try {
    setPriority(pid, VERIFY_NICE);
  } catch {
    // the child is already gone, or the platform refuses: normal priority
  }
}
