import fc from 'fast-check';

import { NumberIndex } from './number-index';

describe('NumberIndex', () => {
  it('behaves like a first-wins Map for 48-bit keys', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 48 - 1 }), { maxLength: 300 }), (raw) => {
        // a few keys repeated, so duplicates occur
        const keys = raw.map((k, i) => (i % 3 === 2 ? raw[i >> 1] : k));
        const index = new NumberIndex(keys.length);
        const ref = new Map<number, number>();
        keys.forEach((k, i) => {
          expect(index.putIfAbsent(k, i)).toBe(ref.get(k) ?? -1);
          if (!ref.has(k)) ref.set(k, i);
        });
        for (const [k, v] of ref) expect(index.get(k)).toBe(v);
        expect(index.get(2 ** 48 + 5)).toBe(-1);
      }),
    );
  });

  it('keeps working when filled to its hint (keys colliding in the low bits)', () => {
    const index = new NumberIndex(1000);
    for (let i = 0; i < 1000; i++) expect(index.putIfAbsent(i * 2 ** 24, i)).toBe(-1);
    for (let i = 0; i < 1000; i++) expect(index.get(i * 2 ** 24)).toBe(i);
    expect(index.putIfAbsent(0, 7)).toBe(0);
  });
});
