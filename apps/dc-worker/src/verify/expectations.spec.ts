import { DcSnapshot, expectedState } from './expectations';
import type { VerifyTarget } from './verifier';

const t = (over: Partial<VerifyTarget>): VerifyTarget => ({
  id: 'op',
  action: 'create',
  hostname: 'pc01',
  mac: '00:11:22:33:44:55',
  ip: '10.0.100.5',
  role: 'classroom-studentcomputer',
  ...over,
});
const snap = (a: string[], ptr: string[], accounts: string[]): DcSnapshot => ({
  accounts: new Set(accounts),
  zones: new Map([
    ['linuxmuster.lan', new Map(a.length ? [['pc01', { a: new Set(a), ptr: new Set<string>() }]] : [])],
    ['100.0.10.in-addr.arpa', new Map(ptr.length ? [['5', { a: new Set<string>(), ptr: new Set(ptr) }]] : [])],
  ]),
  dhcp: null,
});

describe('expectedState (pure checks of a DC snapshot)', () => {
  it('create: account, A and PTR present → no problem; a stale A and a missing PTR are named', () => {
    const ok = snap(['10.0.100.5'], ['pc01.linuxmuster.lan'], ['PC01$']);
    expect(expectedState('default-school', [t({})], 'linuxmuster.lan', ok, 3).get('op')).toEqual([]);
    const bad = snap(['10.0.100.5', '10.0.100.9'], [], ['PC01$']);
    expect(expectedState('default-school', [t({})], 'linuxmuster.lan', bad, 3).get('op')).toEqual([
      'A record pc01.linuxmuster.lan still has old address 10.0.100.9',
      'PTR record 5.100.0.10.in-addr.arpa → pc01.linuxmuster.lan missing',
    ]);
  });

  it('delete: whatever is left is named; a re-create of the name in the batch proves it instead', () => {
    const left = snap(['10.0.100.5'], ['pc01.linuxmuster.lan'], ['PC01$']);
    expect(expectedState('default-school', [t({ action: 'delete' })], 'linuxmuster.lan', left, 3).get('op')).toEqual([
      'computer account PC01$ still present',
      'A record pc01.linuxmuster.lan → 10.0.100.5 still present',
      'PTR record 5.100.0.10.in-addr.arpa → pc01.linuxmuster.lan still present',
    ]);
    const both = [t({ id: 'd', action: 'delete' }), t({ id: 'c' })];
    expect(expectedState('default-school', both, 'linuxmuster.lan', left, 3).get('d')).toEqual([]);
  });
});
