import fc from 'fast-check';

import { macForm, normalizeMac } from './mac';

describe('normalizeMac / macForm (DOMAIN.md §2)', () => {
  it.each([
    ['00:11:22:aa:bb:cc', 'colon'],
    ['00-11-22-AA-BB-CC', 'dash'],
    ['00 11 22 aa bb cc', 'space'],
    ['00_11_22_aa_bb_cc', 'underscore'],
    ['0011.22aa.bbcc', 'cisco'],
    ['001122aabbcc', 'bare'],
  ])('accepts %s (%s) as 00:11:22:AA:BB:CC', (input, form) => {
    expect(normalizeMac(input)).toBe('00:11:22:AA:BB:CC');
    expect(macForm(input)).toBe(form);
  });

  it.each([
    '00:11:22:33:44',
    '00:11:22:33:44:55:66',
    '00:11-22:33:44:55',
    '0:11:22:33:44:55',
    '00:11:22:33:44:5G',
    '00:11:22:33:44:55\r',
    ' 00:11:22:33:44:55',
    '0011.2233.445',
    '00112233445',
    '',
    '00.11.22.33.44.55',
  ])('rejects %j', (input) => {
    expect(normalizeMac(input)).toBeNull();
    expect(macForm(input)).toBe('invalid');
  });

  it('normalises every accepted form of the same bytes to one value', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.boolean(), (bytes, upper) => {
        let pairs = Array.from(bytes, (b) => b.toString(16).padStart(2, '0'));
        if (upper) pairs = pairs.map((p) => p.toUpperCase());
        const expected = pairs.join(':').toUpperCase();
        const bare = pairs.join('');
        const forms = [':', '-', ' ', '_'].map((sep) => pairs.join(sep));
        forms.push(bare, `${bare.slice(0, 4)}.${bare.slice(4, 8)}.${bare.slice(8)}`);
        for (const f of forms) expect(normalizeMac(f)).toBe(expected);
      }),
    );
  });
});
