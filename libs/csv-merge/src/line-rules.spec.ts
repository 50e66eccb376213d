import { validateLine } from './line-rules';

describe('validateLine options', () => {
  const line = (ip: string) => `r;pc01;g;00:11:22:33:44:55;${ip};;;;;;1`.split(';');

  it('warns about IPs outside the given subnets only when subnets are given', () => {
    expect(validateLine(line('10.1.0.5'), 1)).toEqual([]);
    expect(validateLine(line('10.1.0.5'), 1, { subnets: ['10.0.0.0/16'] }).map((f) => f.code)).toEqual([
      'IP_OUTSIDE_SUBNETS',
    ]);
    expect(validateLine(line('10.0.3.5'), 1, { subnets: ['10.0.0.0/16', '192.168.0.0/24'] })).toEqual([]);
  });

  it('rejects a malformed subnet list instead of ignoring it', () => {
    expect(() => validateLine(line('10.0.0.1'), 1, { subnets: ['10.0.0.0/33'] })).toThrow(/invalid subnet/);
  });

  it('checks no duplicates on a single line', () => {
    expect(validateLine(line('10.0.0.1'), 7)).toEqual([]);
  });

  it('reads octets like Perl int(): numbers within 0..255 pass, with a warning when not plain', () => {
    expect(validateLine(line(' 10.0.0.1'), 1).map((f) => f.code)).toEqual(['IP_NOT_PLAIN']);
    expect(validateLine(line('10.0.0.1e3'), 1).map((f) => f.code)).toEqual(['INVALID_IP']);
    expect(validateLine(line('10.0.0.inf'), 1).map((f) => f.code)).toEqual(['INVALID_IP']);
    expect(validateLine(line('10.0..'), 1).map((f) => f.code)).toEqual(['IP_NOT_PLAIN']);
    expect(validateLine(line(''), 1).map((f) => f.code)).toEqual(['INVALID_IP']);
  });
});
