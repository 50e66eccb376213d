/**
 * The one polling helper of every test tier: no sleeps racing a timer (CONVENTIONS.md habit 9).
 * Every wait names what it waits for, so a timeout reads like a failed expectation rather than
 * "Exceeded timeout", and quotes the last value or error the probe produced.
 */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** extra text for the timeout message, computed only on timeout (e.g. process log tails) */
  context?: () => string;
}

export class WaitTimeoutError extends Error {}

/** Thrown by a probe to end the wait at once (e.g. the host failed while we wait for synced). */
export class StopWaiting extends Error {}

/** What a successful probe returns: anything but `undefined`, `null`, `false`, `0` and `''`. */
export type Truthy<T> = Exclude<NonNullable<T>, false | 0 | ''>;

/**
 * Calls `probe` until it returns a truthy value and returns that value. Errors thrown by the probe
 * count as "not yet" (the service may still be starting), except `StopWaiting`. `options` may be
 * a number: the timeout in milliseconds.
 */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  what: string,
  options: WaitOptions | number = {},
): Promise<Truthy<T>> {
  const {
    timeoutMs = 5_000,
    intervalMs = 20,
    context,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const started = Date.now();
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as Truthy<T>;
      lastValue = value;
      lastError = undefined;
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      lastError = err;
    }
    if (Date.now() - started >= timeoutMs) break;
    await sleep(intervalMs);
  }
  const parts = [`timed out after ${timeoutMs} ms waiting for ${what}`];
  if (lastError !== undefined) parts.push(`last error: ${(lastError as Error).message ?? String(lastError)}`);
  else parts.push(`last value: ${describe(lastValue)}`);
  const extra = context?.();
  if (extra) parts.push(extra);
  throw new WaitTimeoutError(parts.join('\n'));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  } catch {
    return String(value);
  }
}
