/**
 * An insert-only hash index from non-negative integers below 2^53 (MAC numbers: 48 bits, IPv4
 * numbers: 32 bits) to line indices: open addressing in two typed arrays. Unlike a Map it allocates
 * nothing per entry (no boxed number keys, no table growth), which keeps the per-batch index of a
 * 100k-line master out of the garbage collector's way (issue 2 performance target).
 */
export class NumberIndex {
  private readonly keys: Float64Array;
  private readonly values: Int32Array;
  private readonly mask: number;

  constructor(capacityHint: number) {
    let size = 16;
    while (size < capacityHint * 2) size *= 2;
    this.keys = new Float64Array(size);
    this.values = new Int32Array(size).fill(-1);
    this.mask = size - 1;
  }

  private slot(key: number): number {
    const lo = key % 0x1000000;
    const hi = Math.floor(key / 0x1000000);
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    let i = h & this.mask;
    while (this.values[i] !== -1 && this.keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  /** Stores `value` unless `key` is present; returns the value already stored, or -1. */
  putIfAbsent(key: number, value: number): number {
    const i = this.slot(key);
    if (this.values[i] !== -1) return this.values[i];
    this.keys[i] = key;
    this.values[i] = value;
    return -1;
  }

  /** The value stored for `key`, or -1. */
  get(key: number): number {
    return this.values[this.slot(key)];
  }
}
