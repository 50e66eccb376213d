/**
 * Polling instead of sleeping (common rules: no sleeps racing a timer). Every wait names what it
 * waits for, so a timeout reads like a failed expectation rather than "Exceeded timeout".
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

/**
 * Calls `probe` until it returns something other than `undefined`, `null` or `false` and returns
 * that value. Errors thrown by the probe count as "not yet" (the service may still be starting),
 * except `StopWaiting`; the last error or value seen is quoted in the timeout message.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 20_000, intervalMs = 100 } = options;
  const started = Date.now();
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value as T;
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
  const context = options.context?.();
  if (context) parts.push(context);
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
