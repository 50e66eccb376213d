import {
  accountName,
  dcName,
  dnsKey,
  hasAccount,
  parseComputerList,
  parseDhcpHosts,
  parseDomainInfo,
  parseZoneDump,
  reverseOf,
} from './dc-state';

describe('DC state parsers (DOMAIN.md §2–4)', () => {
  it('names: S- prefix for a non-default school, upper-case account with $', () => {
    expect(dcName('default-school', 'PC01')).toBe('pc01');
    expect(dcName('north', 'pc01')).toBe('north-pc01');
    expect(accountName('default-school', 'pc01')).toBe('PC01$');
    expect(accountName('north', 'pc01')).toBe('NORTH-PC01$');
  });

  it('roles with and without a computer account', () => {
    expect(hasAccount('')).toBe(true);
    expect(hasAccount('printer')).toBe(true);
    expect(hasAccount('addc')).toBe(true);
    expect(hasAccount('voip')).toBe(false);
    expect(hasAccount('iponly')).toBe(false);
  });

  it('reverse zone is o3.o2.o1.in-addr.arpa with the last octet as the node (other octet counts too)', () => {
    expect(reverseOf('10.0.100.1', 3)).toEqual({ zone: '100.0.10.in-addr.arpa', node: '1' });
    expect(reverseOf('10.0.100.1', 2)).toEqual({ zone: '0.10.in-addr.arpa', node: '1.100' });
  });

  it('matches names case-insensitively with a trailing dot ignored', () => {
    expect(dnsKey('PC01.LinuxMuster.LAN.')).toBe('pc01.linuxmuster.lan');
  });

  it('parses computer list', () => {
    expect([...parseComputerList('PC01$\nlehrer-pc$\n\n')]).toEqual(['PC01$', 'LEHRER-PC$']);
  });

  it('parses a zone dump with A and PTR blocks', () => {
    const dump = [
      '  Name=, Records=3, Children=0',
      '    SOA: serial=1, refresh=900',
      '    NS: server.linuxmuster.lan. (flags=600000f0, serial=1, ttl=3600)',
      '  Name=pc01, Records=1, Children=0',
      '    A: 10.0.100.1 (flags=f0, serial=1, ttl=900)',
      '  Name=PC02, Records=2, Children=0',
      '    A: 10.0.100.2 (flags=f0, serial=1, ttl=900)',
      '    A: 10.0.100.3 (flags=f0, serial=1, ttl=900)',
      '  Name=7, Records=1, Children=0',
      '    PTR: PC07.linuxmuster.lan. (flags=f0, serial=1, ttl=900)',
    ].join('\n');
    const nodes = parseZoneDump(dump);
    expect([...nodes.get('pc01')!.a]).toEqual(['10.0.100.1']);
    expect([...nodes.get('pc02')!.a]).toEqual(['10.0.100.2', '10.0.100.3']);
    expect([...nodes.get('7')!.ptr]).toEqual(['pc07.linuxmuster.lan']);
    expect(nodes.get('')!.a.size).toBe(0);
  });

  it('parses DHCP host blocks (MAC normalised, fixed-address optional)', () => {
    const text = [
      'host r100-pc01 {',
      '  option host-name "r100-pc01";',
      '  hardware ethernet 00:11:22:33:44:55;',
      '  fixed-address 10.0.100.1;',
      '  option extensions-path "win10";',
      '}',
      'host dyn {',
      '  hardware ethernet aa-bb-cc-dd-ee-ff;',
      '}',
    ].join('\n');
    const hosts = parseDhcpHosts(text);
    expect(hosts.get('r100-pc01')).toEqual({ name: 'r100-pc01', mac: '00:11:22:33:44:55', ip: '10.0.100.1' });
    expect(hosts.get('dyn')).toEqual({ name: 'dyn', mac: 'AA:BB:CC:DD:EE:FF', ip: null });
  });

  it('reads the domain from samba-tool domain info', () => {
    const out =
      'Forest           : linuxmuster.lan\nDomain                : LinuxMuster.LAN\nNetbios domain        : LINUXMUSTER\n';
    expect(parseDomainInfo(out)).toBe('linuxmuster.lan');
    expect(parseDomainInfo('nothing here')).toBeNull();
  });
});
