import fc from 'fast-check';

import { textBytes } from './bytes';
import { lineKind } from './csv';
import { DeviceLineReader, formatDeviceLine, recordFromFields } from './device-line';
import { contextOf, lineFacts } from './line-rules';
import { MasterIndex } from './master-index';
import type { DeviceRecord } from './types';

// The merge reads the master and the delta in place (char codes as bytes, no split). These
// properties hold the in-place readers to the plain definitions: split on '\n' and ';', then the
// line rules. U+013B and U+010A have the low bytes of ';' and '\n': they must stay ordinary chars.
const pick = (xs: string[]) => fc.constantFrom(...xs);
const WIDE = ['\u013b', '\u010a', '\u0123', '\u00e4'];
const field = fc.oneof(
  pick(['', 'r1', 'PC1', 'pc1', 'Pc-2', 'win11', 'nopxe', 'DHCP', '10.0.0.1', '10.0.0.255', '010.0.0.1']),
  pick(['AA:BB:CC:DD:EE:01', 'aa:bb:cc:dd:ee:01', 'aa-bb-cc-dd-ee-02', '001122334455', 'printer', '1', '0', '4']),
  pick([' ', '\r', 'x\r', '#', ...WIDE]),
);
const dataLine = fc
  .tuple(fc.array(field, { minLength: 1, maxLength: 18 }), fc.boolean())
  .map(([fields, crlf]) => fields.join(';') + (crlf ? '\r' : ''));
const cleanLine = fc
  .tuple(
    pick(['r1', '', 'R-2']),
    pick(['pc1', 'PC1', 'pc2', 'Pc-3', 'a'.repeat(15)]),
    pick(['AA:BB:CC:DD:EE:01', 'aa:bb:cc:dd:ee:01', 'AA:BB:CC:DD:EE:02']),
    pick(['DHCP', '10.0.0.1', '10.0.0.2']),
    pick(['', 'printer', ...WIDE]),
    fc.boolean(),
  )
  .map(
    ([room, host, mac, ip, tail, crlf]) => `${room};${host};win11;${mac};${ip};;;;;;1;;;;${tail}` + (crlf ? '\r' : ''),
  );
const line = fc.oneof(dataLine, cleanLine, pick(['', '# comment', ' \t', '\r', ' #x']), fc.string({ maxLength: 12 }));
const text = fc
  .tuple(fc.array(line, { maxLength: 12 }), fc.boolean())
  .map(([lines, nl]) => lines.join('\n') + (nl && lines.length > 0 ? '\n' : ''));

describe('MasterIndex', () => {
  it('has the lines of split("\\n") and, per line, the facts of the line rules', () => {
    const ctx = contextOf({ file: 'devices.csv' });
    fc.assert(
      fc.property(text, (t) => {
        const raws = t === '' ? [] : t.split('\n');
        if (t.endsWith('\n')) raws.pop();
        const master = new MasterIndex(t, ctx);
        expect(master.length).toBe(raws.length);
        raws.forEach((raw, i) => {
          expect(master.raw(i)).toBe(raw);
          const facts = lineKind(raw) === 'data' ? lineFacts(raw, undefined, i + 1, ctx) : null;
          expect(master.facts(i)).toEqual(facts);
          // the name index finds exactly the lines with that name key, first one first
          if (facts?.nameKey) {
            const holders = raws
              .map((r, k) => (lineKind(r) === 'data' ? lineFacts(r, undefined, k + 1, ctx).nameKey : null))
              .flatMap((key, k) => (key === facts.nameKey ? [k] : []));
            expect(master.named(facts.nameKey)[0]).toBe(holders[0]);
            if (holders.length > 1) expect(master.named(facts.nameKey)).toEqual(holders);
          }
        });
      }),
      { numRuns: 1500 },
    );
  });
});

describe('DeviceLineReader', () => {
  const record = fc.record({
    room: pick(['r1', '']).map((r) => (r === '' ? null : r)),
    hostname: pick(['pc1', 'PC-2', '']),
    config: fc.constantFrom('win11', 'nopxe', null),
    mac: pick(['AA:BB:CC:DD:EE:01', 'aa-bb-cc-dd-ee-01', 'bad']),
    ip: fc.constantFrom('10.0.0.1', null),
    role: pick(['', 'printer']),
    pxeFlag: fc.constantFrom(0, 1, 3),
  });
  // lines as formatDeviceLine writes them, and the same with one field changed
  const written = fc
    .tuple(record, fc.integer({ min: 0, max: 16 }), field, fc.boolean())
    .map(([rec, at, value, edit]: [DeviceRecord, number, string, boolean]) => {
      const fields = formatDeviceLine(rec).split(';');
      if (edit) fields[at] = value;
      return fields.join(';');
    });

  it('reads what recordFromFields reads, and knows when formatDeviceLine gives the line back', () => {
    const reader = new DeviceLineReader();
    fc.assert(
      fc.property(fc.oneof(written, dataLine), (raw) => {
        const rec = reader.read(raw, textBytes(raw), 0, raw.length);
        expect(rec).toEqual(recordFromFields(raw.split(';')));
        expect(reader.formatted).toBe(formatDeviceLine(rec) === raw);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads a line in the middle of a text', () => {
    const t = '# x\nr1;PC1;win11;aa:bb:cc:dd:ee:01;DHCP;;;;;;1\r\nnext;line';
    const start = t.indexOf('\n') + 1;
    const end = t.indexOf('\n', start);
    const reader = new DeviceLineReader();
    expect(reader.read(t, textBytes(t), start, end)).toEqual(recordFromFields(t.slice(start, end).split(';')));
    expect(reader.formatted).toBe(false);
  });
});
