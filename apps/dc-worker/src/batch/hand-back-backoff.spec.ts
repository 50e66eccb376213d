import { HandBackBackoff } from './hand-back-backoff';

describe('HandBackBackoff', () => {
  it('doubles per hand-back in a row up to the cap, and starts over after a reset', () => {
    const top = new HandBackBackoff(200, 1000, () => 1);
    expect([top.next(), top.next(), top.next(), top.next(), top.next()]).toEqual([200, 400, 800, 1000, 1000]);
    top.reset();
    expect(top.next()).toBe(200);
  });

  it('jitters each delay to 75–100 % of its step', () => {
    const low = new HandBackBackoff(200, 1000, () => 0);
    expect([low.next(), low.next(), low.next(), low.next()]).toEqual([150, 300, 600, 750]);
    const random = new HandBackBackoff(1000, 60_000);
    for (let i = 0; i < 50; i++) {
      const step = Math.min(60_000, 1000 * 2 ** i);
      const delay = random.next();
      expect(delay).toBeGreaterThanOrEqual(step * 0.75);
      expect(delay).toBeLessThanOrEqual(step);
    }
  });
});
