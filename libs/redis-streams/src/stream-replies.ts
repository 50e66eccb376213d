/**
 * Pure decoders for the RESP2 replies ioredis 5 hands back for stream commands (nested arrays of
 * strings; `null` where Redis sends nil). Kept apart from the I/O so they are unit-tested alone.
 */

/** One entry as Redis returned it; `fields` is null when the entry was deleted (XDEL/trim) but is still pending. */
export interface RawEntry {
  id: string;
  fields: Record<string, string> | null;
}

export interface AutoClaimReply {
  /** `0-0` when the whole PEL was scanned */
  cursor: string;
  entries: RawEntry[];
  /** ids that were pending but no longer exist in the stream (Redis ≥ 7 removes them from the PEL itself) */
  deletedIds: string[];
}

export interface PendingEntry {
  id: string;
  consumer: string;
  idleMs: number;
  deliveries: number;
}

function flatToRecord(flat: unknown): Record<string, string> | null {
  if (!Array.isArray(flat)) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

function parseEntries(raw: unknown): RawEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((e): e is unknown[] => Array.isArray(e) && e.length >= 1)
    .map((e) => ({ id: String(e[0]), fields: flatToRecord(e[1]) }));
}

/** XREADGROUP … STREAMS one-stream id → entries of that stream (null reply = timeout = none). */
export function parseReadGroupReply(reply: unknown, stream: string): RawEntry[] {
  if (!Array.isArray(reply)) return [];
  for (const item of reply) {
    if (Array.isArray(item) && String(item[0]) === stream) return parseEntries(item[1]);
  }
  return [];
}

/** XAUTOCLAIM: `[cursor, entries, deletedIds]` (Redis ≥ 7) or `[cursor, entries]` (6.2, deleted entries come back with nil fields). */
export function parseAutoClaimReply(reply: unknown): AutoClaimReply {
  if (!Array.isArray(reply) || reply.length < 2) throw new Error('unexpected XAUTOCLAIM reply');
  const deleted = Array.isArray(reply[2]) ? reply[2].map(String) : [];
  return { cursor: String(reply[0]), entries: parseEntries(reply[1]), deletedIds: deleted };
}

/** XPENDING key group start end count [consumer] → one row per pending entry. */
export function parsePendingRange(reply: unknown): PendingEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply
    .filter((row): row is unknown[] => Array.isArray(row) && row.length >= 4)
    .map((row) => ({
      id: String(row[0]),
      consumer: String(row[1]),
      idleMs: Number(row[2]),
      deliveries: Number(row[3]),
    }));
}

/** XPENDING key group (summary form) → number of pending entries. */
export function parsePendingSummary(reply: unknown): number {
  if (!Array.isArray(reply)) return 0;
  const count = Number(reply[0]);
  return Number.isFinite(count) ? count : 0;
}

/** XINFO GROUPS key → the named group's `lag`; null when unknown (group missing, Redis < 7, or Redis cannot tell after deletions). */
export function parseGroupLag(reply: unknown, group: string): number | null {
  if (!Array.isArray(reply)) return null;
  for (const row of reply) {
    const info = flatToRecordLoose(row);
    if (info.name !== group) continue;
    const lag = info.lag;
    if (lag === null || lag === undefined) return null;
    const n = Number(lag);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Like flatToRecord but keeps nil values (XINFO reports `lag` as nil when it cannot compute it). */
function flatToRecordLoose(flat: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

/** Stream ids `ms-seq` compared numerically (string order is wrong: "10-0" < "9-0"). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}
