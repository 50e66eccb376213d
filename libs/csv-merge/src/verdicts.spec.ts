import { validateDevicesCsv } from './file-check';
import { sophomorixOutcome } from './verdicts';

describe('sophomorixOutcome', () => {
  it('is exit 1 when only collected errors exist, 0 when only warnings', () => {
    const collected = validateDevicesCsv('r_1;pc01;g;00:11:22:33:44:55;DHCP;;;;;;1\n');
    expect(sophomorixOutcome(collected)).toMatchObject({ exitCode: 1, verdict: 'exit1' });
    const warnOnly = validateDevicesCsv('r1;pc01;g;00-11-22-33-44-55;DHCP;;;;;;1\n');
    expect(warnOnly.map((f) => f.severity)).toEqual(['warning']);
    expect(sophomorixOutcome(warnOnly)).toEqual({ exitCode: 0, verdict: 'ok' });
  });

  it('a room error before a host error still ends in exit 88 (room errors are only collected)', () => {
    const f = validateDevicesCsv('r_1;pc_1;g;00:11:22:33:44:55;DHCP;;;;;;1\n');
    expect(f.map((x) => x.sophomorix)).toEqual(['exit1', 'exit88']);
    expect(sophomorixOutcome(f).exitCode).toBe(88);
  });
});
