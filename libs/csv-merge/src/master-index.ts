/**
 * The input master, indexed once per batch (DOMAIN.md §2 keys of every data line, names, MACs and
 * IPs by hash) for the merge pass and the duplicate check of the merged file.
 */
import type { Buffer } from 'node:buffer';

import { isLatin1, textBytes } from './bytes';
import { kindAt } from './csv';
import { COL } from './device-line';
import { CleanLine, fieldEnd, nameHash } from './fast-line';
import { type Ctx, type LineFacts, slowLineFacts } from './line-rules';
import { sampledWidth } from './line-width';
import { type MergedRows } from './merged-rows';
import { NumberIndex } from './number-index';

/** Per-line state of the master (MasterIndex.kinds). */
const COMMENT_OR_BLANK = 0;
/** a data line the fast path read: no finding, keys in the typed arrays */
const CLEAN = 1;
/** any other data line: its facts (findings included) are kept as an object */
const CHECKED = 2;

/** Key values in the typed arrays meaning "no key" and "an IP keyed by its text" (rare). */
const NONE = -1;
const IP_TEXT = -2;

/**
 * Where the lines of `text` start, as text.split('\n') cuts them (no empty line after a final
 * '\n'), and after them one past the last line's end (as if a '\n' followed it): one indexOf
 * pass, into an array grown as needed.
 */
function lineStarts(text: string): { starts: Int32Array; count: number } {
  let starts = new Int32Array(Math.max(16, (text.length >> 5) + 2));
  let count = 0;
  if (text === '') return { starts, count };
  let start = 0;
  for (;;) {
    if (count + 2 > starts.length) {
      const grown = new Int32Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[count++] = start;
    const nl = text.indexOf('\n', start);
    start = nl < 0 ? text.length + 1 : nl + 1;
    if (nl < 0 || start === text.length) break;
  }
  starts[count] = start;
  return { starts, count };
}

/**
 * The master, read and checked once per batch (re-plans reuse it). Lines are not split out of the
 * text: per line the index keeps where it starts, and for data lines the DOMAIN.md §2 duplicate keys in
 * typed arrays (MAC and IP as numbers, the host's position and name hash), so a 100k-line master
 * costs no string or object per clean line (the merge's time budget, README "Performance"). Lines the fast path
 * is not sure about get their full facts (findings included) as objects. Names, MACs and IPs are
 * indexed by open addressing in typed arrays; a line's LineFacts object is built only when asked.
 */
export class MasterIndex {
  readonly length: number;
  readonly trailingNewline: boolean;
  // bytes, latin1 and starts are read by MergedRows.render (merged-rows.ts) too
  /** the text's char codes (bytes.ts): what the scans read */
  readonly bytes: Buffer;
  /** every char of the text is below 256: `bytes` are exactly the text */
  readonly latin1: boolean;
  /** start of line i in the text; starts[length] is one past the last line's end, as if a '\n' followed */
  readonly starts: Int32Array;
  /** COMMENT_OR_BLANK, CLEAN or CHECKED per line */
  private readonly kinds: Uint8Array;
  /** position of the host in the text, for lines whose host is a name key (empty range: no name key) */
  private readonly hostStarts: Int32Array;
  private readonly hostEnds: Int32Array;
  private readonly nameHashes: Int32Array;
  /** macNumber of the line's MAC, NONE when it has none */
  private readonly macKeys: Float64Array;
  /** plain IP as a number, NONE (no IP, DHCP), or IP_TEXT (the key is in ipTexts) */
  private readonly ipKeys: Float64Array;
  private readonly ipTexts = new Map<number, string>();
  /** facts of CHECKED lines */
  private readonly checked = new Map<number, LineFacts>();
  /** lines with findings of their own, ascending */
  readonly findingLines: number[] = [];
  private dataLines = 0;
  /** name index: line + 1 per slot (0: empty), open addressing on nameHashes */
  private readonly nameSlots: Int32Array;
  private readonly firstByMac: NumberIndex;
  private readonly firstByIp: NumberIndex;
  /** IPs that are valid but not plain dotted quads (rare) are keyed by their exact string */
  private readonly firstByIpText = new Map<string, number>();
  private readonly moreByName = new Map<string, number[]>();
  /** lines that share a name, MAC or IP with another line of the input master */
  private readonly shared: number[] = [];
  private byMacCache: Map<number, number[]> | null = null;
  private widthCache = 0;

  constructor(
    readonly text: string,
    readonly ctx: Ctx,
  ) {
    this.trailingNewline = text.endsWith('\n');
    const lines = lineStarts(text);
    const n = lines.count;
    this.length = n;
    this.starts = lines.starts;
    this.bytes = textBytes(text);
    this.latin1 = isLatin1(text);
    this.kinds = new Uint8Array(n);
    this.hostStarts = new Int32Array(n);
    this.hostEnds = new Int32Array(n);
    this.nameHashes = new Int32Array(n);
    this.macKeys = new Float64Array(n).fill(NONE);
    this.ipKeys = new Float64Array(n).fill(NONE);
    let slots = 16;
    while (slots < n * 2) slots *= 2;
    this.nameSlots = new Int32Array(slots);
    this.firstByMac = new NumberIndex(n);
    this.firstByIp = new NumberIndex(n);

    const clean = new CleanLine();
    for (let i = 0; i < n; i++) {
      const start = this.starts[i];
      const end = this.starts[i + 1] - 1;
      if (kindAt(this.bytes, start, end) === 'data') {
        this.dataLines++;
        if (ctx.subnets === null && clean.read(this.bytes, start, end)) this.addClean(i, clean);
        else this.addChecked(i, start, end);
      }
    }

    // The indexes are filled after the scan, one at a time: a table of a 100k-line master is
    // larger than the CPU caches, and filling it while the scan streams through the text lets
    // the scan evict it (measured: three times the cost). First line wins; a line that finds its
    // key taken marks the key as shared.
    const dupNames = new Set<string>();
    for (let i = 0; i < n; i++) {
      if (this.hostEnds[i] > this.hostStarts[i] && this.putName(i) >= 0) dupNames.add(this.nameKeyOf(i));
    }
    const dupMacs = new Set<number>();
    for (let i = 0; i < n; i++) {
      const mac = this.macKeys[i];
      if (mac !== NONE && this.firstByMac.putIfAbsent(mac, i) >= 0) dupMacs.add(mac);
    }
    const dupIps = new Set<number | string>();
    for (let i = 0; i < n; i++) {
      const ip = this.ipKeys[i];
      if (ip === IP_TEXT) {
        const key = this.ipTexts.get(i) as string;
        if (this.firstByIpText.has(key)) dupIps.add(key);
        else this.firstByIpText.set(key, i);
      } else if (ip !== NONE && this.firstByIp.putIfAbsent(ip, i) >= 0) dupIps.add(ip);
    }
    if (dupNames.size + dupMacs.size + dupIps.size > 0) this.collectShared(dupNames, dupMacs, dupIps);
  }

  private addClean(i: number, clean: CleanLine): void {
    this.kinds[i] = CLEAN;
    this.hostStarts[i] = clean.hostStart;
    this.hostEnds[i] = clean.hostEnd;
    this.nameHashes[i] = clean.hash;
    this.macKeys[i] = clean.mac;
    this.ipKeys[i] = clean.ip;
  }

  /** A data line the fast path is not sure about: the full rules, facts kept as an object. */
  private addChecked(i: number, start: number, end: number): void {
    const facts = slowLineFacts(this.text.slice(start, end).split(';'), i + 1, this.ctx);
    this.kinds[i] = CHECKED;
    this.checked.set(i, facts);
    if (facts.findings !== null) this.findingLines.push(i);
    if (facts.nameKey !== null) {
      // the host is field 1; a name key is ASCII, so the text's chars lower-cased are the key
      const hostStart = fieldEnd(this.bytes, start, end) + 1;
      const hostEnd = fieldEnd(this.bytes, hostStart, end);
      this.hostStarts[i] = hostStart;
      this.hostEnds[i] = hostEnd;
      this.nameHashes[i] = nameHash(this.text, hostStart, hostEnd);
    }
    if (facts.macKey !== null) this.macKeys[i] = facts.macKey;
    if (typeof facts.ipKey === 'number') this.ipKeys[i] = facts.ipKey;
    else if (facts.ipKey !== null) {
      this.ipKeys[i] = IP_TEXT;
      this.ipTexts.set(i, facts.ipKey);
    }
  }

  /** Whether line a's name key equals line b's (hash already equal). */
  private sameNames(a: number, b: number): boolean {
    const t = this.bytes;
    const as = this.hostStarts[a];
    const bs = this.hostStarts[b];
    const len = this.hostEnds[a] - as;
    if (this.hostEnds[b] - bs !== len) return false;
    for (let k = 0; k < len; k++) if (lowerAscii(t[as + k]) !== lowerAscii(t[bs + k])) return false;
    return true;
  }

  /** Whether line a's name key is `key` (a lower-cased name). */
  private hasName(a: number, key: string): boolean {
    const t = this.bytes;
    const as = this.hostStarts[a];
    if (this.hostEnds[a] - as !== key.length) return false;
    for (let k = 0; k < key.length; k++) if (lowerAscii(t[as + k]) !== key.charCodeAt(k)) return false;
    return true;
  }

  /** Enters line i under its name unless the name is there; returns the line holding it, or -1. */
  private putName(i: number): number {
    const mask = this.nameSlots.length - 1;
    const h = this.nameHashes[i];
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const held = this.nameSlots[s] - 1;
      if (held < 0) {
        this.nameSlots[s] = i + 1;
        return -1;
      }
      if (this.nameHashes[held] === h && this.sameNames(held, i)) return held;
    }
  }

  /** The first line whose name key is `key`, or -1. */
  private firstByName(key: string): number {
    const mask = this.nameSlots.length - 1;
    const h = nameHash(key, 0, key.length);
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const held = this.nameSlots[s] - 1;
      if (held < 0) return -1;
      if (this.nameHashes[held] === h && this.hasName(held, key)) return held;
    }
  }

  /** The lower-cased name of a line that has a name key. */
  private nameKeyOf(i: number): string {
    return this.text.slice(this.hostStarts[i], this.hostEnds[i]).toLowerCase();
  }

  /** Rare (the master already breaks DOMAIN.md §2): every line of a shared key, in file order. */
  private collectShared(dupNames: Set<string>, dupMacs: Set<number>, dupIps: Set<number | string>): void {
    for (let i = 0; i < this.length; i++) {
      if (this.kinds[i] === COMMENT_OR_BLANK) continue;
      if (this.hostEnds[i] > this.hostStarts[i]) {
        const name = this.nameKeyOf(i);
        if (dupNames.has(name)) {
          this.shared.push(i);
          const more = this.moreByName.get(name);
          if (more) more.push(i);
          else this.moreByName.set(name, [i]);
        }
      }
      const mac = this.macKeys[i];
      if (mac !== NONE && dupMacs.has(mac)) this.shared.push(i);
      const ip = this.ipKeys[i];
      if (ip !== NONE && dupIps.has(ip === IP_TEXT ? (this.ipTexts.get(i) as string) : ip)) this.shared.push(i);
    }
  }

  /** Line i as written (without its '\n'). */
  raw(i: number): string {
    return this.text.slice(this.starts[i], this.starts[i + 1] - 1);
  }

  /** DOMAIN.md §2 facts of line i, null for comments and blank lines (built on each call for clean lines). */
  facts(i: number): LineFacts | null {
    const kind = this.kinds[i];
    if (kind === CHECKED) return this.checked.get(i) as LineFacts;
    if (kind === COMMENT_OR_BLANK) return null;
    return cleanFacts(this.text, this.hostStarts[i], this.hostEnds[i], this.macKeys[i], this.ipKeys[i]);
  }

  /**
   * Marks which rows of a merged file can hold a duplicate: every new or changed line, the input
   * lines that already share a key, and the input line holding a key a changed line now has. Any
   * two lines with a common key are marked, so the file check needs Map work only for these
   * (DOMAIN.md §2 duplicates stay exact; a re-plan costs O(changed lines), not O(file)).
   */
  collisionMask(out: MergedRows, rowOfLineNo: Int32Array): Uint8Array {
    const mask = new Uint8Array(out.rows);
    const contested = new Set<number>(this.shared);
    for (const r of out.changed) {
      const facts = out.facts(r);
      if (facts === null) continue;
      mask[r] = 1;
      // a patched line finding its own input line needs no mark: that line is this row
      const own = out.lineNos[r] - 1;
      const a = facts.nameKey === null ? -1 : this.firstByName(facts.nameKey);
      const b = facts.macKey === null ? -1 : this.firstByMac.get(facts.macKey);
      const ip = facts.ipKey;
      const c = ip === null ? -1 : typeof ip === 'number' ? this.firstByIp.get(ip) : (this.firstByIpText.get(ip) ?? -1);
      if (a >= 0 && a !== own) contested.add(a);
      if (b >= 0 && b !== own) contested.add(b);
      if (c >= 0 && c !== own) contested.add(c);
    }
    // a contested line still in the file is either unchanged or changed (marked above)
    for (const line of contested) {
      const r = rowOfLineNo[line + 1];
      if (r >= 0) mask[r] = 1;
    }
    return mask;
  }

  /** Data lines whose hostname is `key` (lower-cased), in file order. */
  named(key: string): readonly number[] {
    const more = this.moreByName.get(key);
    if (more) return more;
    const first = this.firstByName(key);
    return first < 0 ? NO_LINES : [first];
  }

  mac(i: number): number | null {
    const mac = this.macKeys[i];
    return mac === NONE ? null : mac;
  }

  name(i: number): string {
    const kind = this.kinds[i];
    if (kind === CLEAN) return this.text.slice(this.hostStarts[i], this.hostEnds[i]);
    return kind === CHECKED ? (this.checked.get(i) as LineFacts).host : '';
  }

  /** The MAC column as written (for messages). */
  macText(i: number): string {
    return this.raw(i).split(';')[COL.mac] ?? '';
  }

  /** Width of new lines (line-width.ts), counted on first use. */
  width(): number {
    if (this.widthCache === 0) {
      this.widthCache = sampledWidth(this.bytes, this.starts, this.kinds, this.length, this.dataLines);
    }
    return this.widthCache;
  }

  /** Lines by normalised MAC, built on first use (only adoption by MAC needs it). */
  byMac(mac: number): number[] {
    if (!this.byMacCache) {
      this.byMacCache = new Map();
      for (let i = 0; i < this.length; i++) {
        const m = this.mac(i);
        if (!m) continue;
        const list = this.byMacCache.get(m);
        if (list) list.push(i);
        else this.byMacCache.set(m, [i]);
      }
    }
    return this.byMacCache.get(mac) ?? [];
  }
}

/** The facts of a line the fast path read: no finding, the host at text[hostStart, hostEnd). */
export function cleanFacts(text: string, hostStart: number, hostEnd: number, mac: number, ip: number): LineFacts {
  const host = text.slice(hostStart, hostEnd);
  return { host, nameKey: host.toLowerCase(), macKey: mac, ipKey: ip === NONE ? null : ip, findings: null };
}

const NO_LINES: readonly number[] = [];

const lowerAscii = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
