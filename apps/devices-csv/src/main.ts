/**
 * `devices-csv` — check and merge devices.csv files from a shell (plain Node, no Nest). The only
 * place where libs/csv-merge meets the file system. Files are read and written as latin1 (one char
 * per byte), so untouched lines come back byte for byte whatever their encoding (DOMAIN.md §9).
 */
import { readFileSync } from 'node:fs';

import {
  type Finding,
  mergeDelta,
  parseSubnet,
  type SophomorixOutcome,
  sophomorixOutcome,
  validateDevicesFiles,
} from '@app/csv-merge';

export const USAGE = `Usage: devices-csv <command> [options]

Commands:
  validate FILE...       check devices.csv files with the sophomorix-device rules (several
                         files are read as one run: MACs and IPs must be unique across them)
      --strict           warnings fail too
      --json             machine-readable output (one object for all files)
      --subnet CIDR      warn about IPs outside the given subnets (repeatable, comma separated)
  merge MASTER DELTA     print MASTER with the delta file DELTA merged in (stdout)
      --json             print statistics and findings as JSON instead of the merged file
  --help                 show this text

Findings are printed as FILE:LINE: error|warning: message [CODE].
Exit codes: 0 ok, 1 errors (or warnings with --strict, or manual errors in merge),
2 usage error or unreadable file.`;

/** Usage problems and unreadable files: exit 2. */
class UsageError extends Error {}

interface Options {
  strict: boolean;
  json: boolean;
  subnets: string[];
  args: string[];
}

function parseArgs(argv: readonly string[], allowed: ReadonlySet<string>): Options {
  const opts: Options = { strict: false, json: false, subnets: [], args: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      opts.args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      opts.args.push(a);
      continue;
    }
    const [flag, inline] = a.split(/=(.*)/s, 2);
    if (!allowed.has(flag)) throw new UsageError(`unknown option ${flag}`);
    if (flag === '--strict') opts.strict = true;
    else if (flag === '--json') opts.json = true;
    else if (flag === '--subnet') {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError('--subnet needs a CIDR, e.g. --subnet 10.0.0.0/16');
      for (const cidr of value.split(',').filter((s) => s.trim() !== '')) {
        try {
          parseSubnet(cidr);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        opts.subnets.push(cidr.trim());
      }
    }
  }
  return opts;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`cannot read ${file} (${code})`);
  }
}

/** Messages were decoded as latin1; show UTF-8 text as the admin wrote it. */
function utf8(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

function findingLine(f: Finding, file: string): string {
  return utf8(`${file}:${f.line}: ${f.severity}: ${f.message} [${f.code}]`);
}

function summary(file: string, findings: readonly Finding[], outcome: SophomorixOutcome): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const verdict =
    outcome.exitCode === 0
      ? 'sophomorix-device accepts it'
      : `sophomorix-device would ${outcome.verdict === 'exit1' ? 'exit 1 after reading all lines' : outcome.verdict === 'die' ? 'die' : 'exit 88'} (line ${outcome.decisive?.line})`;
  return `${file}: ${errors} error(s), ${warnings} warning(s); ${verdict}`;
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

function validate(argv: readonly string[], io: Io): number {
  const opts = parseArgs(argv, new Set(['--strict', '--json', '--subnet']));
  if (opts.args.length === 0) throw new UsageError('validate needs at least one FILE');
  const texts = opts.args.map((file) => ({ file, text: readText(file) }));
  // one sophomorix run reads every school's file: MACs and IPs are also compared across the files
  const perFile = validateDevicesFiles(texts, { subnets: opts.subnets.length > 0 ? opts.subnets : undefined });
  let failed = false;
  const report = [];
  for (const [k, { file }] of texts.entries()) {
    const findings = perFile[k];
    const outcome = sophomorixOutcome(findings);
    const errors = findings.filter((f) => f.severity === 'error').length;
    if (errors > 0 || (opts.strict && findings.length > 0)) failed = true;
    if (opts.json) {
      report.push({
        file,
        errors,
        warnings: findings.length - errors,
        sophomorix: { exitCode: outcome.exitCode, verdict: outcome.verdict, line: outcome.decisive?.line ?? null },
        findings: findings.map((f) => ({ ...f, message: utf8(f.message) })),
      });
    } else {
      for (const f of findings) io.out(findingLine(f, file) + '\n');
      io.err(summary(file, findings, outcome) + '\n');
    }
  }
  if (opts.json) io.out(JSON.stringify({ ok: !failed, strict: opts.strict, files: report }, null, 2) + '\n');
  return failed ? 1 : 0;
}

function merge(argv: readonly string[], io: Io, writeMaster: (s: string) => void): number {
  const opts = parseArgs(argv, new Set(['--json']));
  if (opts.args.length !== 2) throw new UsageError('merge needs exactly MASTER and DELTA');
  const [masterName, deltaName] = opts.args;
  const plan = mergeDelta(readText(masterName), readText(deltaName), { masterName, deltaName });
  const ok = plan.manualErrors.length === 0;
  if (opts.json) {
    const clean = (list: Finding[]) => list.map((f) => ({ ...f, message: utf8(f.message) }));
    io.out(
      JSON.stringify(
        { ok, stats: plan.stats, manualErrors: clean(plan.manualErrors), warnings: clean(plan.warnings) },
        null,
        2,
      ) + '\n',
    );
    return ok ? 0 : 1;
  }
  for (const f of [...plan.manualErrors, ...plan.warnings]) io.err(findingLine(f, masterName) + '\n');
  // A master with manual errors is not printed: redirecting it into devices.csv would block every import.
  if (!ok) {
    io.err(`${masterName}: ${plan.manualErrors.length} error(s) in lines the delta does not own; nothing merged\n`);
    return 1;
  }
  writeMaster(plan.master);
  return 0;
}

/** Runs the CLI; returns the exit code. */
export function run(argv: readonly string[], io: Io, writeMaster: (s: string) => void): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate':
        return validate(rest, io);
      case 'merge':
        return merge(rest, io, writeMaster);
      case '--help':
      case '-h':
      case 'help':
        io.out(USAGE + '\n');
        return 0;
      default:
        throw new UsageError(command === undefined ? 'no command given' : `unknown command "${command}"`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`devices-csv: ${e.message}\n\n${USAGE}\n`);
    return 2;
  }
}

/** Wires `run` to the process (used by bin/devices-csv.js and `node dist/.../main.js`). */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  // exitCode (not process.exit) so a large merged file is fully flushed into a pipe first
  process.exitCode = run(argv, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }, (s) =>
    process.stdout.write(Buffer.from(s, 'latin1')),
  );
}

if (require.main === module) main();
