import fc from 'fast-check';

import { formatDevicesCsv, parseDevicesCsv } from './csv';

describe('parseDevicesCsv / formatDevicesCsv (DOMAIN.md §2)', () => {
  it('classifies lines the way sophomorix does', () => {
    const text = '# c\n #x;pc\n\n  \t\n\r\nr;pc01;"g";m\r\n;;\n';
    const { lines, trailingNewline } = parseDevicesCsv(text);
    expect(trailingNewline).toBe(true);
    expect(lines.map((l) => l.kind)).toEqual(['comment', 'data', 'blank', 'blank', 'blank', 'data', 'data']);
    expect(lines[1].fields).toEqual([' #x', 'pc']);
    // no quoting; the CRLF '\r' stays on the last field
    expect(lines[5].fields).toEqual(['r', 'pc01', '"g"', 'm\r']);
    expect(lines[6].fields).toEqual(['', '', '']);
    expect(lines.map((l) => l.lineNo)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(lines[0].fields).toEqual([]);
  });

  it('treats the empty text as no lines and keeps a missing final newline', () => {
    expect(parseDevicesCsv('')).toEqual({ lines: [], trailingNewline: false });
    expect(parseDevicesCsv('a;b').trailingNewline).toBe(false);
    expect(formatDevicesCsv(parseDevicesCsv('\n'))).toBe('\n');
    expect(parseDevicesCsv('\n').lines).toHaveLength(1);
  });

  it('round-trips any string byte for byte', () => {
    const alphabet = fc.constantFrom('\n', '\r', ';', '#', ' ', '\t', '"', 'a', 'Z', '0', 'é', '\u00a0');
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 200 }), fc.string({ unit: 'binary' })),
        (text) => {
          expect(formatDevicesCsv(parseDevicesCsv(text))).toBe(text);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps a Unicode space line as data (Perl \\s is ASCII here)', () => {
    expect(parseDevicesCsv('\u00a0').lines[0].kind).toBe('data');
  });
});
