/**
 * An insert-only hash index from non-negative integers below 2^53 (MAC numbers: 48 bits, IPv4
 * numbers: 32 bits) to line indices, each stored at most once and below the capacity: open
 * addressing in typed arrays. Unlike a Map it allocates nothing per entry (no boxed number keys, no
 * table growth), which keeps the per-batch index of a 100k-line master out of the garbage
 * collector's way (the merge's time budget, README "Performance"). A slot holds only the line (4 bytes); the key is
 * kept per line and read when a probe finds a taken slot. A 100k-line table is larger than the
 * CPU caches, so its cost is cache misses: small slots and one array touched per probe keep them
 * few (about three times faster than keys and values in two arrays of slots).
 */
export class NumberIndex {
  /** per slot: the line + 1, 0 when empty */
  private readonly slots: Int32Array;
  /** the key of each stored line */
  private readonly keyOf: Float64Array;
  private readonly mask: number;

  constructor(capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.keyOf = new Float64Array(capacity);
    this.mask = size - 1;
  }

  private slot(key: number): number {
    // the 24-bit halves; key % 2^24 would be a floating-point remainder (a slow runtime call)
    const hi = Math.floor(key / 0x1000000);
    const lo = key - hi * 0x1000000;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    let i = h & this.mask;
    for (;;) {
      const held = this.slots[i];
      if (held === 0 || this.keyOf[held - 1] === key) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** Stores `value` (a line below the capacity, once) unless `key` is present; returns the value already stored, or -1. */
  putIfAbsent(key: number, value: number): number {
    if (!(value >= 0 && value < this.keyOf.length)) throw new RangeError(`line ${value} outside the index`);
    const i = this.slot(key);
    const held = this.slots[i];
    if (held !== 0) return held - 1;
    this.slots[i] = value + 1;
    this.keyOf[value] = key;
    return -1;
  }

  /** The value stored for `key`, or -1. */
  get(key: number): number {
    return this.slots[this.slot(key)] - 1;
  }
}
