/**
 * How long handed-back jobs wait before they are tried again (DOMAIN.md §8: transient failures are
 * retried, not failed). The n-th hand-back in a row waits RETRY_DELAY_SEC·2^(n−1), at most
 * RETRY_MAX_DELAY_SEC, and a random 75–100 % of that (jitter: workers that lost the API at the same
 * moment do not come back in step). A batch that gets through ends the streak.
 */
export class HandBackBackoff {
  private streak = 0;

  constructor(
    private readonly firstMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay for the next hand-back (and counts it). */
  next(): number {
    this.streak++;
    const step = Math.min(this.maxMs, this.firstMs * 2 ** Math.min(this.streak - 1, 30));
    return Math.round(step * (0.75 + 0.25 * this.random()));
  }

  /** Something went through: the next hand-back waits RETRY_DELAY_SEC again. */
  reset(): void {
    this.streak = 0;
  }
}
