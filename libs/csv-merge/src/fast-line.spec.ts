import fc from 'fast-check';

import { fastLineFacts, ipFromKey, ipKeyOf, isPlainIpv4 } from './fast-line';
import { contextOf, slowLineFacts } from './line-rules';
import { macFromNumber, macNumber } from './mac';

// The fast path may only say "no finding" when the full DOMAIN.md §2 rules agree, with the same keys.
const pick = (xs: string[]) => fc.constantFrom(...xs);
const fieldsArb = fc.tuple(
  pick(['', 'r1', 'R-2', 'r_3', 'r 4', ' #x', 'ä']),
  pick(['pc1', 'PC-2', '-pc', 'pc-', 'a'.repeat(15), 'b'.repeat(16), '', 'p_c', 'Pc9']),
  pick(['win11', 'nopxe', 'w_1-x', '', 'w 1', '"g"']),
  pick([
    '00:11:22:aa:BB:cc',
    'AA:BB:CC:DD:EE:FF',
    'aa-bb-cc-dd-ee-ff',
    '0011.2233.4455',
    '001122334455',
    'AA:BB:CC:DD:EE',
    'AA:BB:CC:DD:EE:FG',
    'AA:BB:CC:DD:EE:F',
    'AA:BB:CC:DD:EE:FF:',
  ]),
  pick([
    'DHCP',
    'dhcp',
    '10.0.0.1',
    '10.0.0.255',
    '10.0.0.256',
    '010.0.0.1',
    '10.0.0',
    '1.2.3.4.5',
    '',
    '255.255.255.254',
    '1.2.3.04',
  ]),
  pick(['', 'key', '"']),
  pick(['', 'printer', 'computer', 'Printer', 'switch', 'classroom-studentcomputer']),
  pick(['', '0', '1', '3', '4', 'ml', 'x', '12', ' 1', '1 ']),
  pick(['', 'comment', '\r']),
);
// only values the fast path should accept, so that it answers often
const goodLineArb = fc
  .tuple(
    pick(['', 'r1', 'R-2']),
    pick(['pc1', 'PC-2', 'a'.repeat(15), 'x']),
    pick(['win11', 'nopxe', 'w_1-x']),
    pick(['00:11:22:aa:BB:cc', 'AA:BB:CC:DD:EE:FF', '0a:0b:0c:0d:0e:0f']),
    pick(['DHCP', '10.0.0.1', '255.255.255.254', '0.0.0.0', '192.168.100.200']),
    pick(['', 'printer', 'switch', 'classroom-studentcomputer']),
    pick(['0', '1', '2', '3']),
    fc.integer({ min: 11, max: 17 }),
    fc.boolean(),
  )
  .map(([room, host, group, mac, ip, role, pxe, width, crlf]) => {
    const all = [room, host, group, mac, ip, 'k', '', 'o', role, 'z', pxe, '', '', '', 'c', 'x', 'y'];
    return all.slice(0, width).join(';') + (crlf ? '\r' : '');
  });
const lineArb = fc.oneof(
  goodLineArb,
  fc
    .tuple(fieldsArb, fc.integer({ min: 1, max: 17 }), fc.boolean())
    .map(([[room, host, group, mac, ip, key, role, pxe, tail], width, crlf]) => {
      const all = [room, host, group, mac, ip, key, key, '', role, '', pxe, '', '', '', tail, 'x', 'y'];
      return all.slice(0, width).join(';') + (crlf ? '\r' : '');
    }),
  fc.string({
    unit: fc.constantFrom(';', 'a', 'A', '0', '1', ':', '.', '-', '_', '\r', ' ', 'D', 'H', 'C', 'P', 'f'),
    maxLength: 60,
  }),
);

describe('fastLineFacts', () => {
  it('agrees with the full rules whenever it answers', () => {
    let answered = 0;
    const ctx = contextOf(undefined);
    fc.assert(
      fc.property(lineArb, (raw) => {
        const fast = fastLineFacts(raw);
        const slow = slowLineFacts(raw.split(';'), 1, ctx);
        if (fast === null) return;
        answered++;
        expect(slow.findings).toBeNull();
        expect(fast).toEqual(slow);
      }),
      { numRuns: 20_000 },
    );
    expect(answered).toBeGreaterThan(3000);
  });

  it('answers for the common well-formed lines, CRLF included', () => {
    expect(fastLineFacts('r1;PC01;win11;aa:bb:cc:dd:ee:01;10.0.0.1;;;;;;1;;;;')).toEqual({
      host: 'PC01',
      nameKey: 'pc01',
      macKey: macNumber('AA:BB:CC:DD:EE:01'),
      ipKey: 10 * 2 ** 24 + 1,
      findings: null,
    });
    expect(macFromNumber(macNumber('AA:BB:CC:DD:EE:01'))).toBe('AA:BB:CC:DD:EE:01');
    expect(macFromNumber(macNumber('00:00:00:00:00:0F'))).toBe('00:00:00:00:00:0F');
    expect(ipFromKey(ipKeyOf('192.168.0.255'))).toBe('192.168.0.255');
    expect(ipKeyOf('10.0.0.01')).toBe('10.0.0.01');
    expect(fastLineFacts('r1;pc01;win11;AA:BB:CC:DD:EE:01;DHCP;;;;printer;;0\r')?.ipKey).toBeNull();
    expect(fastLineFacts('r1;pc01;win11;AA:BB:CC:DD:EE:01;DHCP;;;;printer;;0\r;')).toBeNull();
  });

  it('knows plain dotted quads', () => {
    expect(['0.0.0.0', '255.255.255.255', '10.0.0.1'].map(isPlainIpv4)).toEqual([true, true, true]);
    expect(
      ['10.0.0.01', '10.0.0.256', '10.0.0', '10.0.0.1.', '.10.0.0', '1e1.0.0.1', '1000.0.0.1'].map(isPlainIpv4),
    ).toEqual(Array(7).fill(false));
  });
});
