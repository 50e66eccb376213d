import { parseDevicesCsv } from './csv';
import { DELTA_HEADER, formatDeviceLine, hasComputerAccount, isDeviceRole, recordFromFields } from './device-line';
import { validateLine } from './line-rules';
import type { DeviceRecord } from './types';

const rec: DeviceRecord = {
  room: 'r101',
  hostname: 'pc01',
  config: 'win11',
  mac: 'aa-bb-cc-dd-ee-01',
  ip: '10.0.0.11',
  role: '',
  pxeFlag: 1,
};

describe('formatDeviceLine', () => {
  it('writes 15 columns with normalised MAC and the default role', () => {
    const line = formatDeviceLine(rec);
    expect(line).toBe('r101;pc01;win11;AA:BB:CC:DD:EE:01;10.0.0.11;;;;classroom-studentcomputer;;1;;;;');
    expect(line.split(';')).toHaveLength(15);
    expect(validateLine(line.split(';'), 1)).toEqual([]);
  });

  it('writes null room as empty, null config as nopxe, null IP as DHCP, pxe 0', () => {
    const line = formatDeviceLine({ ...rec, room: null, config: null, ip: null, role: 'printer', pxeFlag: 0 });
    expect(line).toBe(';pc01;nopxe;AA:BB:CC:DD:EE:01;DHCP;;;;printer;;0;;;;');
  });

  it('pads to a wider master', () => {
    expect(formatDeviceLine(rec, 17).split(';')).toHaveLength(17);
    expect(formatDeviceLine(rec, 3).split(';')).toHaveLength(15);
  });
});

describe('recordFromFields', () => {
  it('reads back what formatDeviceLine wrote', () => {
    const line = formatDeviceLine({ ...rec, room: null, config: null, ip: null, pxeFlag: 0 });
    expect(recordFromFields(line.split(';'))).toEqual({
      room: null,
      hostname: 'pc01',
      config: null,
      mac: 'AA:BB:CC:DD:EE:01',
      ip: null,
      role: 'classroom-studentcomputer',
      pxeFlag: 0,
    });
  });

  it('keeps nopxe with a pxe flag, drops a CRLF \\r, reads an unparseable pxe as NaN', () => {
    const [line] = parseDevicesCsv('r;PC02;nopxe;0011.2233.4455;10.0.0.2;;;;server;;2\r\n').lines;
    expect(recordFromFields(line.fields)).toEqual({
      room: 'r',
      hostname: 'PC02',
      config: 'nopxe',
      mac: '00:11:22:33:44:55',
      ip: '10.0.0.2',
      role: 'server',
      pxeFlag: 2,
    });
    expect(recordFromFields(['r', 'h', 'g', 'bad', 'DHCP']).pxeFlag).toBeNaN();
    expect(recordFromFields(['r', 'h', 'g', 'bad', 'DHCP']).mac).toBe('bad');
  });
});

describe('roles', () => {
  it('knows which roles exist and which get a computer account', () => {
    expect(isDeviceRole('')).toBe(true);
    expect(isDeviceRole('computer')).toBe(false);
    expect(isDeviceRole('Printer')).toBe(false);
    expect(hasComputerAccount('')).toBe(true);
    expect(hasComputerAccount('printer')).toBe(true);
    expect(hasComputerAccount('switch')).toBe(false);
  });

  it('has the delta header with two spaces before DO', () => {
    expect(DELTA_HEADER).toBe('# managed-by: linbo-provisioning  DO NOT EDIT MANUALLY');
  });
});
