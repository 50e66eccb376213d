import {
  configNameProblem,
  dcNameProblem,
  hostnameProblem,
  ipProblem,
  macProblem,
  roomNameProblem,
  schoolPrefixProblem,
} from './device-rules';

describe('device rules (DOMAIN.md §2, §6)', () => {
  it.each(['a', 'pc01', 'r100-pc01', '0', 'a'.repeat(15), 'a-b'])('hostname %p is fine', (v) => {
    expect(hostnameProblem(v)).toBeNull();
  });
  it.each([
    ['', /must not be empty/],
    ['a'.repeat(16), /at most 15 characters long \(got 16/],
    ['pc_01', /must not contain '_'/],
    ['pc;01', /must not contain ';'/],
    ['pc\n01', /must not contain a newline/],
    ['PC01', /must not contain 'P'/],
    ['-pc', /must not start or end with '-'/],
    ['pc-', /must not start or end with '-'/],
    [42, /must be a string/],
  ])('hostname %p → %p', (v, message) => {
    expect(hostnameProblem(v)).toMatch(message);
  });

  it('room names: letters, digits, dash, 1–32; config names also allow underscore, 1–64', () => {
    expect(roomNameProblem('R-100')).toBeNull();
    expect(roomNameProblem('r'.repeat(32))).toBeNull();
    expect(roomNameProblem('r'.repeat(33))).toMatch(/at most 32/);
    expect(roomNameProblem('r_1')).toMatch(/'_'/);
    expect(roomNameProblem('r\t1')).toMatch(/a tab/);
    expect(roomNameProblem('r\r')).toMatch(/a carriage return/);
    expect(configNameProblem('win_11-Pro')).toBeNull();
    expect(configNameProblem('c'.repeat(64))).toBeNull();
    expect(configNameProblem('c'.repeat(65))).toMatch(/at most 64/);
    expect(configNameProblem('win 11')).toMatch(/a space/);
    expect(configNameProblem('')).toMatch(/must not be empty/);
  });

  it.each(['10.0.0.1', '192.168.255.254', '0.0.0.1', '255.255.255.254'])('IP %p is fine', (v) => {
    expect(ipProblem(v)).toBeNull();
  });
  it.each([
    ['10.0.0.256', /octet 256 is greater than 255/],
    ['10.0.0', /must be an IPv4 address/],
    ['10.0.0.1.2', /must be an IPv4 address/],
    ['10.0.0.01', /no leading zero/],
    ['10.0.0.0', /\.0 or \.255/],
    ['10.0.0.255', /\.0 or \.255/],
    [' 10.0.0.1', /must be an IPv4 address/],
    ['DHCP', /null means DHCP/],
    [null, /must be an IPv4 address/],
  ])('IP %p → %p', (v, message) => {
    expect(ipProblem(v)).toMatch(message);
  });

  it('MACs in every sophomorix form pass, others fail', () => {
    for (const ok of [
      '00:11:22:33:44:55',
      '00-11-22-33-44-55',
      '00 11 22 33 44 55',
      '0011.2233.4455',
      '001122334455',
    ]) {
      expect(macProblem(ok)).toBeNull();
    }
    for (const bad of ['00:11:22:33:44', '00:11:22:33:44:5G', '', 'x', 12]) {
      expect(macProblem(bad)).toMatch(/must be a MAC address/);
    }
  });

  it('S-hostname must fit 15 characters; default-school adds no prefix (DOMAIN.md §2)', () => {
    expect(dcNameProblem('north', 'abcdefghi')).toBeNull();
    expect(dcNameProblem('north', 'abcdefghij')).toBe(
      'hostname abcdefghij becomes north-abcdefghij on the DC of school north (16 characters): a computer ' +
        'account name may have at most 15 (NetBIOS limit), so hostnames of north may have at most 9',
    );
    expect(dcNameProblem('default-school', 'a'.repeat(15))).toBeNull();
    expect(schoolPrefixProblem('a'.repeat(13))).toBeNull();
    expect(schoolPrefixProblem('a'.repeat(14))).toMatch(/\(14 characters\) leaves no room .* at most 13$/);
  });
});
