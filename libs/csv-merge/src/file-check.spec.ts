import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { validateDevicesCsv, validateDevicesFiles } from './file-check';
import type { Finding } from './types';
import { lineVerdicts, sophomorixOutcome } from './verdicts';

const FIXTURES = join(__dirname, '../../../test/fixtures/devices-csv');

interface Expected {
  line: number;
  verdict: string;
  codes: string[];
}

describe('validateDevicesCsv: table of sophomorix verdicts (test/fixtures/devices-csv/table.csv)', () => {
  const text = readFileSync(join(FIXTURES, 'table.csv'), 'utf8');
  const expected: Expected[] = JSON.parse(readFileSync(join(FIXTURES, 'table.expected.json'), 'utf8'));
  const findings = validateDevicesCsv(text, { file: 'table.csv' });
  const verdicts = lineVerdicts(findings);

  it('covers every line of the fixture', () => {
    expect(expected.length).toBeGreaterThanOrEqual(40);
    expect(expected.map((e) => e.line)).toEqual(
      text
        .split('\n')
        .slice(0, -1)
        .map((_, i) => i + 1),
    );
  });

  it.each(expected.map((e) => [e.line, e.verdict, e.codes] as const))('line %i → %s %j', (line, verdict, codes) => {
    expect(verdicts.get(line) ?? 'ok').toBe(verdict);
    expect(findings.filter((f) => f.line === line).map((f) => f.code)).toEqual(codes);
  });

  it('gives each error its sophomorix verdict and each finding file, column and severity', () => {
    for (const f of findings) {
      expect(f.file).toBe('table.csv');
      expect(f.severity === 'error').toBe(f.sophomorix !== undefined);
      expect(f.column === null || (f.column >= 0 && f.column <= 14)).toBe(true);
    }
  });

  it('stops like sophomorix at the first exit-88/die error', () => {
    const outcome = sophomorixOutcome(findings);
    expect(outcome).toMatchObject({ exitCode: 255, verdict: 'die' });
    expect(outcome.decisive?.line).toBe(9);
  });

  it('names the other line in duplicate messages', () => {
    const dupMac = findings.find((f) => f.line === 21) as Finding;
    expect(dupMac.message).toBe('MAC 00:11:22:33:44:02 already used by host pc02 (table.csv line 4)');
    expect(dupMac.relatedLine).toBe(4);
    const dupName = findings.find((f) => f.line === 22) as Finding;
    expect(dupName.message).toContain('PC01 already defined as pc01 (table.csv line 3)');
    const dupIp = findings.find((f) => f.line === 19) as Finding;
    expect(dupIp.message).toBe('IP 10.0.0.1 already used by host pc01 (table.csv line 3)');
  });
});

describe('validateDevicesFiles (one sophomorix run over every school)', () => {
  it('compares MACs and IPs across files, names only within a file', () => {
    const a = 'r;pc01;g;00:11:22:33:44:01;10.0.0.1;;;;;;1\nr;pc02;g;00:11:22:33:44:02;DHCP;;;;;;1\n';
    const b = [
      'r;pc01;g;00-11-22-33-44-01;10.0.0.9;;;;;;1', // same name (other school: fine), same MAC (dash form)
      'r;pc03;g;00:11:22:33:44:03;10.0.0.1;;;;;;1', // same IP as a.csv line 1
      'r;pc04;g;00:11:22:33:44:03;10.0.0.4;;;;;;1', // same MAC as the line before (within b)
    ].join('\n');
    const [fa, fb] = validateDevicesFiles([
      { file: 'a.csv', text: a },
      { file: 'b.csv', text: b },
    ]);
    expect(fa).toEqual([]);
    expect(fb.map((f) => [f.line, f.code, f.message])).toEqual([
      [1, 'DUPLICATE_MAC', 'MAC 00:11:22:33:44:01 already used by host pc01 (a.csv line 1)'],
      [2, 'DUPLICATE_IP', 'IP 10.0.0.1 already used by host pc01 (a.csv line 1)'],
      [3, 'DUPLICATE_MAC', 'MAC 00:11:22:33:44:03 already used by host pc03 (b.csv line 2)'],
    ]);
    expect(validateDevicesFiles([{ file: 'a.csv', text: a }])[0]).toEqual(validateDevicesCsv(a, { file: 'a.csv' }));
  });
});
