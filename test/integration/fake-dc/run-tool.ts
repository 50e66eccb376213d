// Runs one fake DC tool as a real process, the way the worker does (argument list, no shell).
import type { FakeDc } from '../../fake-dc';

export interface ToolResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export async function runTool(
  dc: FakeDc,
  tool: keyof FakeDc['bin'],
  args: string[],
  opts: { env?: Record<string, string>; timeout?: number } = {},
): Promise<ToolResult> {
  const { execa } = await import('execa');
  const started = Date.now();
  const r = await execa(dc.bin[tool], args, {
    env: { ...dc.env, ...opts.env },
    reject: false,
    stdin: 'ignore',
    timeout: opts.timeout,
    stripFinalNewline: false,
  });
  return {
    exitCode: r.exitCode,
    stdout: String(r.stdout),
    stderr: String(r.stderr),
    timedOut: Boolean(r.timedOut),
    durationMs: Date.now() - started,
  };
}

/** One devices.csv line in the 15-column layout (DOMAIN.md §2). */
export function deviceLine(
  f: { room?: string; host: string; group?: string; mac: string; ip: string; role?: string; pxe?: string },
  extra: { dhcpOptions?: string; comment?: string } = {},
): string {
  const cols = Array<string>(15).fill('');
  cols[0] = f.room ?? 'r100';
  cols[1] = f.host;
  cols[2] = f.group ?? 'win10';
  cols[3] = f.mac;
  cols[4] = f.ip;
  cols[7] = extra.dhcpOptions ?? '';
  cols[8] = f.role ?? '';
  cols[10] = f.pxe ?? '1';
  cols[14] = extra.comment ?? '';
  return cols.join(';');
}
