import { constants as fsConstants, promises as fs } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';

import Redis from 'ioredis';

import { deltaPathFor, dhcpVerifyPathFor, masterPathFor, WorkerConfig } from '../config/worker-config';
import { WorkerLogger } from '../logging/worker-logger';
import { ApiClient } from '../report/api-client';
import { ApiTransport } from '../report/api-transport';
import { Verifier } from '../verify/verifier';
import { judgeKeyDc } from './key-dc';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

async function executable(command: string): Promise<string> {
  const candidates = isAbsolute(command)
    ? [command]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, command));
  for (const path of candidates) {
    try {
      const stat = await fs.stat(path);
      if (!stat.isFile()) continue;
      await fs.access(path, fsConstants.X_OK);
      return path;
    } catch {
      // try the next candidate
    }
  }
  throw new Error(isAbsolute(command) ? `${command} missing or not executable` : `${command} not found in PATH`);
}

/**
 * The schools whose files `--check` looks at: SCHOOL, and with the layout below SOPHOMORIX_DIR
 * (DEVICES_CSV_MASTER empty) every folder there that holds its school's devices file — the schools
 * this DC's worker will write for. A template master names one school only.
 */
export async function schoolsToCheck(config: WorkerConfig): Promise<string[]> {
  const found = new Set([config.school]);
  if (config.devicesCsvMaster) return [...found];
  let entries: import('node:fs').Dirent[] = [];
  try {
    entries = await fs.readdir(config.sophomorixDir, { withFileTypes: true });
  } catch {
    return [...found]; // the master check of SCHOOL names the missing folder
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!entry.isDirectory()) continue;
    const exists = await fs.stat(masterPathFor(config, entry.name)).then(
      () => true,
      () => false,
    );
    if (exists) found.add(entry.name);
  }
  return [...found];
}

async function writableDir(path: string): Promise<string> {
  await fs.access(dirname(path), fsConstants.W_OK);
  return `${dirname(path)} writable`;
}

/**
 * `--check` (deploy/README.md): validates what the worker needs before it is enabled — config
 * (already parsed by the caller), files, tools (exist + executable), Redis and API. Read-only:
 * nothing is written and no job is touched.
 */
export async function runChecks(config: WorkerConfig, logger: WorkerLogger): Promise<CheckResult[]> {
  const results: CheckResult[] = [{ name: 'config', ok: true, detail: 'all variables valid' }];
  const check = async (name: string, fn: () => Promise<string>) => {
    try {
      results.push({ name, ok: true, detail: await fn() });
    } catch (err) {
      results.push({ name, ok: false, detail: (err as Error).message });
    }
  };
  const schools = await schoolsToCheck(config);
  if (!config.devicesCsvMaster) {
    results.push({ name: `schools in ${config.sophomorixDir}`, ok: true, detail: schools.join(', ') });
  }
  for (const school of schools) {
    const of = school === config.school ? '' : ` (${school})`;
    const master = masterPathFor(config, school);
    await check(`master ${master}`, async () => {
      const text = await fs.readFile(master, 'latin1');
      await fs.access(master, fsConstants.W_OK);
      return `readable and writable, ${text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).length} host lines`;
    });
    await check(`master folder${of}`, () => writableDir(master));
    await check(`delta folder${of}`, () => writableDir(deltaPathFor(config, school)));
    const dhcp = dhcpVerifyPathFor(config, school);
    if (dhcp)
      await check(`DHCP_VERIFY_FILE ${dhcp}`, async () => (await fs.access(dhcp, fsConstants.R_OK), 'readable'));
  }
  await check('lock folder', () => writableDir(config.provisionLockFile));
  await check('IMPORT_SCRIPT', () => executable(config.importScript));
  await check('SAMBA_TOOL', () => executable(config.sambaTool));
  await check('MACCT_REPAIR_SCRIPT', () => executable(config.macctRepairScript));
  await check('FLOCK_COMMAND', () => executable(config.flockCommand));
  if (config.linboDomain === 'auto') {
    await check('LINBO_DOMAIN=auto', async () => new Verifier(config, logger).resolveDomain());
  }
  await check(`samba-tool reads the DC (SAMBA_TOOL_AUTH, DNS_SERVER=${config.dnsServer}, LINBO_DOMAIN)`, () =>
    new Verifier(config, logger).probe(),
  );
  await check(`Redis ${redactUrl(config.redisUrl)}`, async () => {
    const redis = new Redis(config.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: 3000,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      const pong = await redis.ping();
      const info = await redis.info('server');
      const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
      return `${pong}, Redis ${version}`;
    } finally {
      redis.disconnect();
    }
  });
  const api = new ApiClient(logger, new ApiTransport(config, logger));
  await check(`API ${config.apiUrl}`, async () => {
    const res = await api.ping();
    if (!res.ok) throw new Error(res.detail);
    return `reachable, internal key accepted (${res.detail})`;
  });
  await check(`INTERNAL_API_KEY belongs to DC_ID=${config.dcId}`, async () => {
    const verdict = judgeKeyDc(config, await api.whoami());
    if (!verdict.ok) throw new Error(verdict.detail);
    return verdict.detail;
  });
  return results;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
