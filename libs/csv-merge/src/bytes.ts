import { Buffer } from 'node:buffer';

/**
 * Char codes as bytes, for the scanners of the merge's hot path (fast-line.ts, master-index.ts):
 * reading a Uint8Array is several times cheaper than charCodeAt on a string, and the files are
 * read as latin1 (one char per byte) anyway. A char above 255 becomes 255: the scanners only look
 * for ASCII characters, so it is never one they accept or stop at. Positions are the string's.
 */

// V8 answers this at once for a one-byte string (the usual latin1 text): no char can match
const WIDE_CHAR = /[\u0100-\uffff]/;

/** Whether every char of `s` is below 256, so that its latin1 bytes are exactly its chars. */
export function isLatin1(s: string): boolean {
  return !WIDE_CHAR.test(s);
}

/** `text` as bytes, in a new buffer (one copy, done natively). */
export function textBytes(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1'); // the low byte of each char
  if (!isLatin1(text)) {
    // rare (not latin1 text): a wide char's low byte could be an ASCII character the rules see
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 255) bytes[i] = 255;
  }
  return bytes;
}

let scratch = new Uint8Array(256);

/**
 * `s` as bytes in a buffer reused by the next call (for one line at a time: no allocation). Use
 * the result before calling again.
 */
export function bytesOf(s: string): Uint8Array {
  if (scratch.length < s.length) scratch = new Uint8Array(Math.max(s.length, scratch.length * 2));
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    scratch[i] = c > 255 ? 255 : c;
  }
  return scratch;
}
