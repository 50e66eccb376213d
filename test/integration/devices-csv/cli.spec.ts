import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Finding } from '@app/csv-merge';
import { lineVerdicts } from '@app/csv-merge';

// Runs the real CLI as a process: compiled fresh from the current sources into a temp dir (never a
// stale dist/), with the real bin/devices-csv.js beside it.
const ROOT = join(__dirname, '../../..');
const FIXTURES = join(ROOT, 'test/fixtures/devices-csv');
const fixture = (name: string) => join(FIXTURES, name);

type Run = { exitCode: number; stdout: string; stderr: string };
type Execa = typeof import('execa').execa;
let execa: Execa;
let tmp: string;
let bin: string;

async function cli(...args: string[]): Promise<Run> {
  const r = await execa('node', [bin, ...args], { reject: false, cwd: ROOT });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

beforeAll(async () => {
  ({ execa } = await import('execa'));
  tmp = mkdtempSync(join(tmpdir(), 'devices-csv-cli-'));
  await execa(
    join(ROOT, 'node_modules/.bin/swc'),
    [
      'apps/devices-csv/src',
      'libs/csv-merge/src',
      '-d',
      join(tmp, 'dist'),
      '--config-file',
      'swc.build.json',
      '--quiet',
    ],
    { cwd: ROOT },
  );
  mkdirSync(join(tmp, 'bin'));
  bin = join(tmp, 'bin/devices-csv.js');
  copyFileSync(join(ROOT, 'bin/devices-csv.js'), bin);
}, 60_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('devices-csv validate', () => {
  it('prints one FILE:LINE: severity: message per finding and exits 1 on errors', async () => {
    const r = await cli('validate', fixture('table.csv'));
    expect(r.exitCode).toBe(1);
    const out = r.stdout.trimEnd().split('\n');
    for (const line of out) expect(line).toMatch(/^\/.+table\.csv:\d+: (error|warning): .+ \[[A-Z_]+\]$/);
    expect(out).toContain(
      `${fixture('table.csv')}:9: error: MAC "00:11:22:33:44" is not a MAC address (write it as AA:BB:CC:DD:EE:FF); sophomorix-device dies on it [INVALID_MAC]`,
    );
    expect(out.filter((l) => l.includes(': error: '))).toHaveLength(30);
    expect(out.filter((l) => l.includes(': warning: '))).toHaveLength(13);
    expect(r.stderr).toContain('30 error(s), 13 warning(s); sophomorix-device would die (line 9)');
  });

  it('--json gives findings whose per-line verdicts match the fixture table', async () => {
    const r = await cli('validate', '--json', fixture('table.csv'));
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      files: { file: string; sophomorix: { exitCode: number; line: number }; findings: Finding[] }[];
    };
    expect(report.ok).toBe(false);
    expect(report.files[0].sophomorix).toEqual({ exitCode: 255, verdict: 'die', line: 9 });
    const verdicts = lineVerdicts(report.files[0].findings);
    const expected = JSON.parse(readFileSync(fixture('table.expected.json'), 'utf8')) as {
      line: number;
      verdict: string;
    }[];
    for (const e of expected) expect([e.line, verdicts.get(e.line) ?? 'ok']).toEqual([e.line, e.verdict]);
  });

  it('exits 0 on a clean file and on warnings only; --strict fails on warnings', async () => {
    const clean = await cli('validate', fixture('valid.csv'));
    expect(clean).toMatchObject({ exitCode: 0, stdout: '' });
    const warned = await cli('validate', fixture('warnings.csv'));
    expect(warned.exitCode).toBe(0);
    expect(warned.stdout).toContain('warning: MAC "00-11-22-33-44-01"');
    const strict = await cli('validate', '--strict', fixture('warnings.csv'));
    expect(strict.exitCode).toBe(1);
  });

  it('--subnet adds the outside-every-subnet warning', async () => {
    const r = await cli('validate', fixture('valid.csv'), '--subnet', '10.1.0.0/16');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('IP 10.0.0.1 is outside every subnet (10.1.0.0/16)');
  });

  it('validates several files in one run', async () => {
    const r = await cli('validate', fixture('valid.csv'), fixture('table.csv'));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('valid.csv: 0 error(s), 0 warning(s)');
  });

  it('compares MACs and IPs across the files of one run (sophomorix reads every school)', async () => {
    const alone = await cli('validate', fixture('school2.devices.csv'));
    expect(alone.exitCode).toBe(0);
    const r = await cli('validate', fixture('valid.csv'), fixture('school2.devices.csv'));
    expect(r.exitCode).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      `${fixture('school2.devices.csv')}:1: error: MAC 00:11:22:33:44:01 already used by host pc01 (${fixture('valid.csv')} line 2) [DUPLICATE_MAC]`,
      `${fixture('school2.devices.csv')}:2: error: IP 10.0.0.1 already used by host pc01 (${fixture('valid.csv')} line 2) [DUPLICATE_IP]`,
    ]);
  });

  it('exits 2 for a missing file', async () => {
    const r = await cli('validate', fixture('does-not-exist.csv'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('cannot read');
  });
});

describe('devices-csv merge', () => {
  it('prints the merged master byte for byte (latin1 comment, CRLF, extra columns kept)', async () => {
    const r = await execa('node', [bin, 'merge', fixture('master.csv'), fixture('delta.csv')], {
      reject: false,
      encoding: 'buffer',
      stripFinalNewline: false,
    });
    expect(r.exitCode).toBe(0);
    expect(Buffer.compare(Buffer.from(r.stdout), readFileSync(fixture('merged.expected.csv')))).toBe(0);
    expect(String(Buffer.from(r.stderr))).toContain('MAC_DASH_FORM');
  });

  it('--json gives stats and findings', async () => {
    const r = await cli('merge', '--json', fixture('master.csv'), fixture('delta.csv'));
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.stats).toEqual({
      patched: 1,
      appended: 1,
      removed: 0,
      adopted: 0,
      masterLinesBefore: 8,
      masterLinesAfter: 9,
      deletesRequested: 0,
    });
    expect(out.manualErrors).toEqual([]);
    expect(out.warnings.map((w: Finding) => w.code)).toEqual(['MAC_DASH_FORM']);
  });

  it('refuses a master with manual errors: exit 1, findings on stderr, nothing on stdout', async () => {
    const r = await cli('merge', fixture('master-broken.csv'), fixture('delta.csv'));
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${fixture('master-broken.csv')}:9: error: hostname "bad_name"`);
  });

  it('needs exactly two files', async () => {
    const r = await cli('merge', fixture('master.csv'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('merge needs exactly MASTER and DELTA');
  });
});

describe('devices-csv usage', () => {
  it('--help prints usage and exits 0', async () => {
    const r = await cli('--help');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Usage: devices-csv <command>');
  });

  it.each([[['frobnicate']], [[]], [['validate', '--bogus', 'x.csv']], [['validate', '--subnet', '10.0.0.0/40', 'x']]])(
    '%j exits 2 with usage',
    async (args) => {
      const r = await cli(...args);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('Usage: devices-csv');
    },
  );

  it('the bin says a build is needed when dist is missing', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'devices-csv-nobuild-'));
    try {
      mkdirSync(join(bare, 'bin'));
      copyFileSync(join(ROOT, 'bin/devices-csv.js'), join(bare, 'bin/devices-csv.js'));
      const r = await execa('node', [join(bare, 'bin/devices-csv.js'), '--help'], { reject: false });
      expect(r.exitCode).toBe(2);
      expect(String(r.stderr)).toContain('npm run build');
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
