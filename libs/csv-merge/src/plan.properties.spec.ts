import fc from 'fast-check';

import { parseDevicesCsv } from './csv';
import { validateDevicesCsv } from './file-check';
import { mergeDelta, planBatch } from './plan';
import { create, del, delta, rec, update } from './plan-fixtures';
import type { BatchJob } from './types';

/** Valid manual lines (distinct names/MACs/IPs in their own ranges) mixed with comments and blanks. */
const manualLine = (i: number, variant: number): string => {
  const mac = `AA:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
  const base = `r${variant};man${i};g${variant};${variant === 1 ? mac.toLowerCase().replace(/:/g, '-') : mac};10.200.${i >> 8}.${i & 255}`;
  switch (variant) {
    case 0:
      return `${base};;;;;;1;;;;`;
    case 1:
      return `${base};key;;;staffcomputer;;2;;;;note\r`;
    case 2:
      return `${base};;;;;;1;;;;c;extra;"quoted"`;
    default:
      return `${base};;;;printer;;0`;
  }
};
const masterArb = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('# comment;a;b', '', ' \t', '\r', '#')), {
    maxLength: 40,
  })
  .map((items) => items.map((it, i) => (typeof it === 'number' ? manualLine(i, it) : it)).join('\n') + '\n');

type Op = { k: number; op: 'create' | 'update' | 'rename' | 'delete'; v: number };
const opsArb = fc.array(
  fc.record({
    k: fc.integer({ min: 0, max: 7 }),
    op: fc.constantFrom('create', 'update', 'rename', 'delete'),
    v: fc.integer({ min: 0, max: 3 }),
  }),
  { maxLength: 25 },
) as fc.Arbitrary<Op[]>;

/** Turns ops on API hosts k (unique MAC/IP per k) into a consistent job stream. */
function jobsFrom(ops: Op[], names: Map<number, string>): BatchJob[] {
  return ops.map(({ k, op, v }, i): BatchJob => {
    const current = names.get(k);
    const record = rec(
      current ?? `h${k}`,
      `00:00:00:00:00:${k.toString(16).padStart(2, '0')}`,
      v === 3 ? null : `10.${v + 1}.0.${k}`,
      {
        pxeFlag: v % 2,
        config: v === 2 ? null : 'win11',
      },
    );
    if (op === 'delete' && current) {
      names.delete(k);
      return del(`j${i}`, record);
    }
    if (op === 'rename' && current) {
      const next = `h${k}x${i}`;
      names.set(k, next);
      return update(`j${i}`, { ...record, hostname: next }, { oldHostname: current });
    }
    names.set(k, record.hostname);
    return current ? update(`j${i}`, record) : create(`j${i}`, record);
  });
}

describe('planBatch properties', () => {
  it('valid master + valid non-conflicting jobs → all applied, result valid, idempotent, manual lines kept', () => {
    fc.assert(
      fc.property(masterArb, opsArb, opsArb, (master, ops1, ops2) => {
        const names = new Map<number, string>();
        const b1 = jobsFrom(ops1, names);
        const p1 = planBatch({ masterText: master, deltaText: '', jobs: b1 });
        const b2 = jobsFrom(ops2, names);
        const p2 = planBatch({ masterText: p1.master, deltaText: p1.delta, jobs: b2 });
        for (const p of [p1, p2]) {
          expect(p.outcomes.filter((o) => o.status === 'failed')).toEqual([]);
          expect(p.manualErrors).toEqual([]);
          expect(validateDevicesCsv(p.master).filter((f) => f.severity === 'error')).toEqual([]);
        }
        // idempotent (crash recovery re-applies the batch)
        const again = planBatch({ masterText: p2.master, deltaText: p2.delta, jobs: b2 });
        expect(again.master).toBe(p2.master);
        expect(again.delta).toBe(p2.delta);
        expect(again.outcomes.filter((o) => o.status === 'failed')).toEqual([]);
        // every manual line survives byte for byte, in order
        const manual = parseDevicesCsv(master).lines.map((l) => l.raw);
        expect(
          parseDevicesCsv(p2.master)
            .lines.map((l) => l.raw)
            .slice(0, manual.length),
        ).toEqual(manual);
        // the delta holds exactly the hosts that exist now
        const live = [...names.values()].map((n) => n.toLowerCase()).sort();
        const owned = parseDevicesCsv(p2.delta)
          .lines.filter((l) => l.kind === 'data')
          .map((l) => l.fields[1].toLowerCase());
        expect(owned.sort()).toEqual(live);
      }),
      { numRuns: 300 },
    );
  });

  it('merging the same delta twice changes nothing; lines not named by the delta survive', () => {
    fc.assert(
      fc.property(masterArb, fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 15 }), (master, ks) => {
        const records = [...ks]
          .sort()
          .map((k) => rec(`d${k}`, `00:00:00:00:01:${(k & 255).toString(16).padStart(2, '0')}`, `10.9.0.${k}`));
        const d = delta(...records);
        const once = mergeDelta(master, d);
        const twice = mergeDelta(once.master, once.delta);
        expect(twice.master).toBe(once.master);
        expect(twice.delta).toBe(once.delta);
        expect(once.delta).toBe(d);
        const before = parseDevicesCsv(master).lines.map((l) => l.raw);
        expect(
          parseDevicesCsv(once.master)
            .lines.slice(0, before.length)
            .map((l) => l.raw),
        ).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('untouched lines survive byte for byte whatever the master holds (even invalid lines)', () => {
    const anyLine = fc.string({
      unit: fc.constantFrom(';', 'a', 'B', '1', ':', '-', '.', ' ', '\r', '#', '"'),
      maxLength: 40,
    });
    fc.assert(
      fc.property(fc.array(anyLine, { maxLength: 30 }), opsArb, (raws, ops) => {
        const master = raws.join('\n') + '\n';
        const jobs = jobsFrom(ops, new Map());
        const named = new Set<string>();
        for (const j of jobs) {
          named.add(j.record.hostname.toLowerCase());
          if (j.oldHostname) named.add(j.oldHostname.toLowerCase());
        }
        const p = planBatch({ masterText: master, deltaText: '', jobs });
        const out = new Set(parseDevicesCsv(p.master).lines.map((l) => l.raw));
        for (const l of parseDevicesCsv(master).lines) {
          const name = l.kind === 'data' ? (l.fields[1] ?? '').toLowerCase() : '';
          if (!named.has(name)) expect(out.has(l.raw)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('planBatch pre-flight equals a full file check', () => {
  // Manual lines and jobs draw names, MACs and IPs from small shared pools, so duplicates between
  // manual lines, between jobs, and between both happen often. Only creates and updates: no line is
  // removed, so line numbers of the plan and of a fresh check of its output agree.
  const nameArb = fc.constantFrom('pc1', 'PC1', 'pc2', 'pc3', 'pc4', 'pc5');
  const macArb = fc.constantFrom(
    '00:00:00:00:00:01',
    '00-00-00-00-00-02',
    '00:00:00:00:00:03',
    '0000.0000.0004',
    '00:00:00:00:00:05',
  );
  const ipArb = fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3', 'DHCP', '10.0.0.255');
  const manualArb = fc.oneof(
    fc
      .tuple(nameArb, macArb, ipArb, fc.constantFrom('1', '', '7'))
      .map(([h, m, ip, pxe]) => `r;${h};g;${m};${ip};;;;;;${pxe};;;;`),
    fc.constantFrom('# c', '', 'r;bad_name;g;00:00:00:00:00:09;10.0.0.9;;;;;;1;;;;'),
  );
  const jobArb = fc.record({
    name: nameArb,
    mac: macArb,
    ip: ipArb,
    update: fc.boolean(),
    adopt: fc.boolean(),
  });

  it('manualErrors + warnings are exactly the findings of the merged file', () => {
    fc.assert(
      fc.property(fc.array(manualArb, { maxLength: 12 }), fc.array(jobArb, { maxLength: 8 }), (manual, js) => {
        const master = manual.join('\n') + '\n';
        const jobs = js.map((j, i) =>
          (j.update ? update : create)(`j${i}`, rec(j.name, j.mac, j.ip === 'DHCP' ? null : j.ip), { adopt: j.adopt }),
        );
        const p = planBatch({ masterText: master, deltaText: '', jobs, masterName: 'devices.csv' });
        const expected = validateDevicesCsv(p.master, { file: 'devices.csv' });
        const key = (f: object) => JSON.stringify(f);
        expect([...p.manualErrors, ...p.warnings].map(key).sort()).toEqual(expected.map(key).sort());
        // the last applied job of each host wrote the line it reports
        const last = new Map<string, number>();
        jobs.forEach((j, i) => {
          if (p.outcomes[i].status === 'applied') last.set(j.record.hostname.toLowerCase(), i);
        });
        for (const i of last.values()) expect(p.master).toContain((p.outcomes[i] as { line: string }).line);
      }),
      { numRuns: 1000 },
    );
  });
});
