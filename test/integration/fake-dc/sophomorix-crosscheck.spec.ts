// Two independent readings of DOMAIN.md §2 must agree: the fake DC's sophomorix checks (plain JS, the
// DC side of the e2e suite) and libs/csv-merge (the worker's pre-flight and `validate`). If they
// disagree, one of them misreads docs/DOMAIN.md — and the worker would pre-flight a file differently
// from how the (fake) DC then treats it.
import fc from 'fast-check';

import { sophomorixOutcome, validateDevicesCsv } from '@app/csv-merge';

import { createFakeDc, FakeDc } from '../../fake-dc';

interface SophomorixCheck {
  checkAll(root: string, schools: string[]): { exit: number; output: string[] };
  normaliseMac(mac: string): string | null;
}
// the fake is plain JS on purpose (it runs without a build)
const sophomorix = require('../../fake-dc/lib/sophomorix') as SophomorixCheck;

// Field values around every DOMAIN.md §2 rule boundary, valid and invalid.
const POOL = {
  room: ['r100', '', 'r-1', 'r 1', 'R_1', '"r"'],
  host: ['pc01', 'PC01', 'pc02', 'pc_01', '', 'a-very-long-name-17', '-x', 'pc03'],
  group: ['win10', 'nopxe', 'g_1', 'g.x', ''],
  mac: [
    '00:11:22:33:44:55',
    '00-11-22-33-44-55',
    'aa:bb:cc:dd:ee:ff',
    'AABB.CCDD.EEFF',
    '001122334455',
    '00 11 22 33 44 56',
    '00_11_22_33_44_57',
    '00:11-22:33:44:55',
    '00:11:22:33:44',
    'zz:11:22:33:44:55',
    '',
  ],
  ip: [
    '10.0.0.1',
    '10.0.0.2',
    'DHCP',
    'dhcp',
    '10.0.0.256',
    '10.0.0',
    'abc.0.0.1',
    '010.0.0.1',
    '10.0.0.255',
    '',
    ' 10.0.0.3',
    'inf.0.0.1',
    '1e2.0.0.4',
    '-1.0.0.5',
  ],
  role: ['', 'printer', 'switch', 'computer', 'Printer'],
  pxe: ['1', '0', '', '7', 'x', 'ml', '1a', ' '],
};

// Mostly valid, unique values (so the run reaches later lines and later checks), sometimes a
// value from the pool (so every rule and every duplicate check gets hit).
const field = (pool: string[]) =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...pool) });
const dataLine = fc.record({
  room: field(POOL.room),
  host: field(POOL.host),
  group: field(POOL.group),
  mac: field(POOL.mac),
  ip: field(POOL.ip),
  role: field(POOL.role),
  pxe: field(POOL.pxe),
  // short lines (missing trailing fields), the full 15, or extra columns
  width: fc.constantFrom(5, 9, 11, 11, 15, 15, 15, 17),
  crlf: fc.boolean(),
});
type DataLine = typeof dataLine extends fc.Arbitrary<infer T> ? T : never;

function render(l: DataLine, i: number): string {
  const n = String(10 + i);
  const f = Array<string>(17).fill('');
  f[0] = l.room ?? 'r100';
  f[1] = l.host ?? `h${n}`;
  f[2] = l.group ?? 'win10';
  f[3] = l.mac ?? `00:11:22:33:44:${n}`;
  f[4] = l.ip ?? `10.0.0.${n}`;
  f[8] = l.role ?? '';
  f[10] = l.pxe ?? '1';
  return f.slice(0, l.width).join(';') + (l.crlf ? '\r' : '');
}
const otherLine = fc.constantFrom('# comment', '', '   ', '\r', ' #r100;pc09;win10;00:11:22:33:44:99;10.0.0.9;;;;;;1');
const file = fc
  .array(fc.oneof({ weight: 5, arbitrary: dataLine }, { weight: 1, arbitrary: otherLine }), {
    minLength: 1,
    maxLength: 8,
  })
  .map((lines) => lines.map((l, i) => `${typeof l === 'string' ? l : render(l, i)}\n`).join(''));

describe('sophomorix checks: fake DC vs libs/csv-merge', () => {
  let dc: FakeDc;
  beforeAll(() => {
    dc = createFakeDc();
  });
  afterAll(() => dc.cleanup());

  const fakeExit = (text: string): number => {
    dc.writeMaster(text);
    return sophomorix.checkAll(dc.root, ['default-school']).exit;
  };

  it('give the same sophomorix exit code for generated files', () => {
    fc.assert(
      fc.property(file, (text) => {
        expect({ text, exit: fakeExit(text) }).toEqual({
          text,
          exit: sophomorixOutcome(validateDevicesCsv(text)).exitCode,
        });
      }),
      { numRuns: 600, seed: 20261125 },
    );
  });

  it('agree on representative files, including each exit class', () => {
    const full = (fields: string[]) => [...fields, ...Array<string>(15 - fields.length).fill('')].join(';');
    const ok = full(['r100', 'pc01', 'win10', '00:11:22:33:44:55', '10.0.0.1', '', '', '', '', '', '1']);
    const cases: Array<[string, number]> = [
      [`${ok}\n`, 0],
      [`${ok}\n${ok.replace('pc01', 'PC01').replace('44:55', '44:56').replace('0.0.1', '0.0.2')}\n`, 1],
      [`${ok.replace(';1;', ';;')}\n`, 88],
      [`${ok.replace('00:11:22:33:44:55', '00:11:22:33:44')}\n`, 255],
    ];
    for (const [text, exit] of cases) {
      expect(fakeExit(text)).toBe(exit);
      expect(sophomorixOutcome(validateDevicesCsv(text)).exitCode).toBe(exit);
    }
  });
});
