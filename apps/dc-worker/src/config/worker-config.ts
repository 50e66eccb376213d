import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute } from 'node:path';

import {
  DEFAULT_DC,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_SCHOOL,
  JOBS_DLQ_STREAM,
  JOBS_GROUP,
  JOBS_STREAM,
  jobsStreamOf,
} from '@app/provisioning';

/** Injection token of the validated WorkerConfig. */
export const WORKER_CONFIG = Symbol('WORKER_CONFIG');

/**
 * Everything the worker reads from its environment (DOMAIN.md §10), validated once at start
 * (CONVENTIONS.md habit 1). Path values may contain `{school}`; use the `*For(school)` helpers.
 */
export interface WorkerConfig {
  redisUrl: string;
  apiUrl: string;
  internalApiKey: string;
  consumerName: string;
  school: string;
  /** template; null = the DOMAIN.md §10 layout below `sophomorixDir` (default-school/devices.csv, S/S.devices.csv) */
  devicesCsvMaster: string | null;
  /** the folder holding one folder per school (`/etc/linuxmuster/sophomorix`) */
  sophomorixDir: string;
  /** template; null = the master's folder + linbo-docker.devices.csv */
  devicesCsvDelta: string | null;
  importScript: string;
  importTimeoutSec: number;
  /** optional log the 7.4 wrapper writes sophomorix's output to (DOMAIN.md §3); read for error messages */
  importLogFile: string;
  sambaTool: string;
  /** credentials of every samba-tool call (default `-P`); `none` = no credentials */
  sambaToolAuth: string;
  /** delete leftovers of delete jobs (DOMAIN.md §9 step 8); independent of the credentials */
  dcCleanup: boolean;
  sambaToolTimeoutSec: number;
  /** the server argument of `samba-tool dns …` / `domain info`: never `localhost` (samba-tool refuses it) */
  dnsServer: string;
  provisionLockFile: string;
  provisionLockTimeoutSec: number;
  flockCommand: string;
  /** `auto` = read from `samba-tool domain info` */
  linboDomain: string;
  /** template; '' = skip the DHCP check */
  dhcpVerifyFile: string;
  revDnsOctets: number;
  batchSize: number;
  debounceMs: number;
  macctRepairScript: string;
  macctRepairTimeoutSec: number;
  /** the DC this worker serves (DC_ID): its stream, and the DC its internal key must belong to */
  dcId: string;
  jobsStream: string;
  /**
   * The single stream of before DCs existed (`linbo:jobs`), drained by the default DC's worker after
   * an upgrade (docs/OPERATIONS.md "Upgrading"); null for every other DC's worker.
   */
  legacyJobsStream: string | null;
  jobsGroup: string;
  deadLetterStream: string;
  maxDeliveries: number;
  /** XAUTOCLAIM min-idle: longer than the slowest batch (import timeout + margin) */
  claimIdleMs: number;
  claimIntervalMs: number;
  blockMs: number;
  /** pause before re-reading our own un-ACKed entries after a transient failure */
  retryDelayMs: number;
  /** cap of the hand-back back-off (doubling from retryDelayMs, with jitter) */
  retryMaxDelayMs: number;
  reportRetryMaxDelayMs: number;
  shutdownTimeoutMs: number;
  logLevel: string;
  /** Prometheus /metrics and /health port; 0 = no metrics server */
  metricsPort: number;
  metricsHost: string;
  /** test hook (fault injection, see deploy/README.md); never set in production */
  faultPoint: string;
}

export const FAULT_POINTS = ['after-delta-write', 'after-master-rename', 'during-import', 'before-ack'] as const;

/** Every variable the worker understands, with its default ('' = none). Used by --help too. */
export const WORKER_VARIABLES: Readonly<Record<string, { def: string; help: string }>> = {
  REDIS_URL: { def: 'redis://127.0.0.1:6379', help: 'Redis holding the linbo:jobs stream' },
  API_URL: { def: 'http://127.0.0.1:3000/api/v1', help: 'base URL of the API (internal endpoints)' },
  INTERNAL_API_KEY: { def: '', help: 'shared secret sent as X-Internal-Key (required)' },
  CONSUMER_NAME: { def: '', help: 'consumer name in the group (default: host name)' },
  SCHOOL: { def: DEFAULT_SCHOOL, help: 'school used when a path template has {school} and for --check' },
  SOPHOMORIX_DIR: {
    def: '/etc/linuxmuster/sophomorix',
    help: 'folder of the schools: default-school/devices.csv, any other school S/S.devices.csv (used when DEVICES_CSV_MASTER is empty)',
  },
  DEVICES_CSV_MASTER: {
    def: '',
    help: 'master devices.csv template ({school} expanded); empty = the layout below SOPHOMORIX_DIR (one file per school)',
  },
  DEVICES_CSV_DELTA: { def: '', help: 'delta file (default: master folder + linbo-docker.devices.csv)' },
  IMPORT_SCRIPT: { def: '/usr/sbin/linuxmuster-import-devices', help: 'import tool, run once per batch' },
  IMPORT_TIMEOUT_SEC: { def: '600', help: 'import timeout' },
  IMPORT_LOG_FILE: {
    def: '/var/log/linuxmuster/import-devices.log',
    help: 'log the 7.4 import writes sophomorix output to (quoted in errors)',
  },
  SAMBA_TOOL: { def: '/usr/bin/samba-tool', help: 'samba-tool binary' },
  SAMBA_TOOL_AUTH: {
    def: '-P',
    help: 'credentials of every samba-tool call: -P (the DC machine account, default, works as root on the DC), user%password, samba-tool options (`-U administrator%pw`, `--use-kerberos=required` with DNS_SERVER = the FQDN and a ticket), or none',
  },
  DC_CLEANUP: {
    def: 'false',
    help: 'true = delete leftovers of deletes (computer account, A, PTR) that the import did not remove',
  },
  SAMBA_TOOL_TIMEOUT_SEC: { def: '60', help: 'timeout of one samba-tool call' },
  DNS_SERVER: {
    def: '127.0.0.1',
    help: 'server argument of samba-tool dns/domain info: an IP or the FQDN (localhost is read as 127.0.0.1)',
  },
  PROVISION_LOCK_FILE: { def: '/var/lock/linbo-provision.lock', help: 'flock(2) file serialising writes + import' },
  PROVISION_LOCK_TIMEOUT_SEC: { def: '60', help: 'how long to wait for the lock before handing the batch back' },
  FLOCK_COMMAND: { def: 'flock', help: 'util-linux flock binary used to hold the lock' },
  LINBO_DOMAIN: { def: 'linuxmuster.lan', help: 'DNS domain, or auto (samba-tool domain info)' },
  DHCP_VERIFY_FILE: { def: '', help: 'DHCP file to verify ({school} expanded), empty = skip' },
  REV_DNS_OCTETS: { def: '3', help: 'octets in the reverse zone name (1-3)' },
  PROVISION_BATCH_SIZE: { def: '50', help: 'max jobs per import run' },
  PROVISION_DEBOUNCE_SEC: { def: '5', help: 'wait after the first job of a batch (decimals allowed)' },
  MACCT_REPAIR_SCRIPT: { def: '/usr/share/linuxmuster/linbo/repair_macct.py', help: 'machine account repair' },
  MACCT_REPAIR_TIMEOUT_SEC: { def: '120', help: 'timeout of one repair run' },
  DC_ID: { def: DEFAULT_DC, help: 'the DC this worker serves: it reads linbo:jobs:<DC_ID>' },
  JOBS_STREAM: { def: '', help: 'stream name, empty = linbo:jobs:<DC_ID> (change only for tests)' },
  LEGACY_JOBS_STREAM: {
    def: JOBS_STREAM,
    help: 'stream of before DCs existed, drained by the worker of DC default; ignored for other DCs (change only for tests)',
  },
  JOBS_GROUP: { def: JOBS_GROUP, help: 'consumer group name' },
  JOBS_DLQ_STREAM: { def: JOBS_DLQ_STREAM, help: 'dead-letter stream' },
  MAX_DELIVERIES: {
    def: String(DEFAULT_MAX_ATTEMPTS + 2),
    help: 'deliveries of one message before it is dead-lettered',
  },
  CLAIM_IDLE_SEC: { def: '', help: 'XAUTOCLAIM min idle (default IMPORT_TIMEOUT_SEC + 120)' },
  CLAIM_INTERVAL_SEC: { def: '30', help: 'how often to look for entries of dead consumers' },
  READ_BLOCK_MS: { def: '5000', help: 'bound of one blocking XREADGROUP (never 0)' },
  RETRY_DELAY_SEC: { def: '5', help: 'pause before re-reading un-ACKed jobs after a transient failure' },
  RETRY_MAX_DELAY_SEC: { def: '60', help: 'cap of that pause, doubled per transient failure in a row (jittered)' },
  REPORT_RETRY_MAX_DELAY_SEC: { def: '30', help: 'cap of the status-report back-off' },
  SHUTDOWN_TIMEOUT_SEC: { def: '30', help: 'hard limit for a graceful stop (SIGTERM)' },
  LOG_LEVEL: { def: 'info', help: 'pino level' },
  METRICS_PORT: { def: '9464', help: 'port of GET /metrics (Prometheus) and GET /health; 0 = off' },
  METRICS_HOST: { def: '127.0.0.1', help: 'address the metrics server listens on (0.0.0.0 = all)' },
  WORKER_FAULT_POINT: { def: '', help: `TEST ONLY: SIGKILL self at ${FAULT_POINTS.join('|')}` },
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid worker configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * Reads a `KEY=VALUE` file (`#` comments, blank lines, optional `export ` and surrounding
 * quotes), the same shape as a systemd EnvironmentFile.
 */
export function parseConfigFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  text.split('\n').forEach((rawLine, i) => {
    const line = rawLine.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      problems.push(`${file}:${i + 1}: expected KEY=VALUE, got "${line.slice(0, 60)}"`);
      return;
    }
    let value = m[2];
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    if (!(m[1] in WORKER_VARIABLES)) {
      problems.push(`${file}:${i + 1}: unknown variable ${m[1]}`);
      return;
    }
    out[m[1]] = value;
  });
  if (problems.length) throw new ConfigError(problems);
  return out;
}

/**
 * Builds the config from the environment and an optional `--config` file. The environment
 * wins: the file only fills in variables the environment lacks (so `SCHOOL=x worker --config f`
 * overrides one value for a single run). Throws ConfigError naming every bad variable.
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv, configFile?: string): WorkerConfig {
  let fileValues: Record<string, string> = {};
  if (configFile) {
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (err) {
      throw new ConfigError([`--config ${configFile}: cannot read (${(err as NodeJS.ErrnoException).code})`]);
    }
    fileValues = parseConfigFile(text, configFile);
  }
  const problems: string[] = [];
  const raw = (key: string): string => {
    const fromEnv = env[key];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    return fileValues[key] ?? WORKER_VARIABLES[key].def;
  };
  const num = (key: string, min: number, max: number, integer = true): number => {
    const text = raw(key).trim();
    const value = Number(text);
    if (text === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
      problems.push(`${key}: must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${text}"`);
      return min;
    }
    return value;
  };
  const absPath = (key: string, optional = false): string => {
    const value = raw(key);
    if (value === '' && optional) return '';
    if (!isAbsolute(value)) problems.push(`${key}: must be an absolute path, got "${value}"`);
    return value;
  };
  const url = (key: string, protocols: string[]): string => {
    const value = raw(key);
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
    } catch {
      problems.push(`${key}: must be a ${protocols.join(' or ')}// URL, got "${value}"`);
    }
    return value.replace(/\/+$/, '');
  };

  const bool = (key: string): boolean => {
    const text = raw(key).trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(text)) return true;
    if (['false', '0', 'no', 'off'].includes(text)) return false;
    problems.push(`${key}: must be true or false, got "${raw(key)}"`);
    return false;
  };
  const dnsServer = (value: string): string => {
    const v = value.trim().replace(/\.$/, '');
    // samba-tool: `ERROR: Invalid IP address 'localhost'!` (domain info) — the loopback address works
    if (v.toLowerCase() === 'localhost') return '127.0.0.1';
    if (!/^[A-Za-z0-9.:-]+$/.test(v))
      problems.push(`DNS_SERVER: must be an IP address or the DC's FQDN, got "${value}"`);
    return v;
  };
  const school = raw('SCHOOL');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(school)) problems.push(`SCHOOL: must match [A-Za-z0-9_-]{1,64}, got "${school}"`);
  const internalApiKey = raw('INTERNAL_API_KEY');
  if (!internalApiKey) problems.push('INTERNAL_API_KEY: required (the key the API expects in X-Internal-Key)');
  const importTimeoutSec = num('IMPORT_TIMEOUT_SEC', 1, 86400);
  const claimIdleRaw = raw('CLAIM_IDLE_SEC');
  const claimIdleSec = claimIdleRaw === '' ? importTimeoutSec + 120 : num('CLAIM_IDLE_SEC', 1, 86400);
  const linboDomain = raw('LINBO_DOMAIN').toLowerCase().replace(/\.$/, '');
  if (
    linboDomain !== 'auto' &&
    !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(linboDomain)
  ) {
    problems.push(`LINBO_DOMAIN: must be a DNS domain like linuxmuster.lan or "auto", got "${raw('LINBO_DOMAIN')}"`);
  }
  const faultPoint = raw('WORKER_FAULT_POINT');
  if (faultPoint && !(FAULT_POINTS as readonly string[]).includes(faultPoint)) {
    problems.push(`WORKER_FAULT_POINT: must be one of ${FAULT_POINTS.join(', ')}, got "${faultPoint}"`);
  }
  const logLevel = raw('LOG_LEVEL');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL: must be a pino level (fatal … trace, silent), got "${logLevel}"`);
  }
  const metricsHost = raw('METRICS_HOST').trim();
  if (!/^[A-Za-z0-9.:-]+$/.test(metricsHost)) {
    problems.push(`METRICS_HOST: must be an IP address or host name, got "${metricsHost}"`);
  }
  const dcId = raw('DC_ID');
  // the API's rule for DC ids (apps/api/src/common/device-rules.ts): the id names a Redis stream
  if (!/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(dcId) || dcId === 'dlq') {
    problems.push(`DC_ID: must be a DC id (lower-case letters, digits and '-', at most 32, not dlq), got "${dcId}"`);
  }
  const master = raw('DEVICES_CSV_MASTER');
  const delta = raw('DEVICES_CSV_DELTA');

  const config: WorkerConfig = {
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    apiUrl: url('API_URL', ['http:', 'https:']),
    internalApiKey,
    consumerName: raw('CONSUMER_NAME') || hostname(),
    school,
    devicesCsvMaster: master === '' ? null : absPath('DEVICES_CSV_MASTER'),
    sophomorixDir: absPath('SOPHOMORIX_DIR').replace(/\/+$/, ''),
    devicesCsvDelta: delta === '' ? null : absPath('DEVICES_CSV_DELTA'),
    importScript: raw('IMPORT_SCRIPT'),
    importTimeoutSec,
    importLogFile: absPath('IMPORT_LOG_FILE', true),
    sambaTool: raw('SAMBA_TOOL'),
    sambaToolAuth: raw('SAMBA_TOOL_AUTH'),
    sambaToolTimeoutSec: num('SAMBA_TOOL_TIMEOUT_SEC', 1, 3600),
    dcCleanup: bool('DC_CLEANUP'),
    dnsServer: dnsServer(raw('DNS_SERVER')),
    provisionLockFile: absPath('PROVISION_LOCK_FILE'),
    provisionLockTimeoutSec: num('PROVISION_LOCK_TIMEOUT_SEC', 0, 86400, false),
    flockCommand: raw('FLOCK_COMMAND'),
    linboDomain,
    dhcpVerifyFile: absPath('DHCP_VERIFY_FILE', true),
    revDnsOctets: num('REV_DNS_OCTETS', 1, 3),
    batchSize: num('PROVISION_BATCH_SIZE', 1, 1000),
    debounceMs: Math.round(num('PROVISION_DEBOUNCE_SEC', 0, 3600, false) * 1000),
    macctRepairScript: raw('MACCT_REPAIR_SCRIPT'),
    macctRepairTimeoutSec: num('MACCT_REPAIR_TIMEOUT_SEC', 1, 86400),
    dcId,
    jobsStream: raw('JOBS_STREAM') || jobsStreamOf(dcId),
    legacyJobsStream: dcId === DEFAULT_DC ? raw('LEGACY_JOBS_STREAM') : null,
    jobsGroup: raw('JOBS_GROUP'),
    deadLetterStream: raw('JOBS_DLQ_STREAM'),
    maxDeliveries: num('MAX_DELIVERIES', 1, 1000),
    claimIdleMs: claimIdleSec * 1000,
    claimIntervalMs: num('CLAIM_INTERVAL_SEC', 0.05, 86400, false) * 1000,
    blockMs: num('READ_BLOCK_MS', 10, 60000),
    retryDelayMs: num('RETRY_DELAY_SEC', 0.01, 3600, false) * 1000,
    retryMaxDelayMs: num('RETRY_MAX_DELAY_SEC', 0.01, 86400, false) * 1000,
    reportRetryMaxDelayMs: num('REPORT_RETRY_MAX_DELAY_SEC', 0.01, 3600, false) * 1000,
    shutdownTimeoutMs: num('SHUTDOWN_TIMEOUT_SEC', 1, 3600, false) * 1000,
    logLevel,
    metricsPort: num('METRICS_PORT', 0, 65535),
    metricsHost,
    faultPoint,
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

const expand = (template: string, school: string) => template.split('{school}').join(school);

/** DOMAIN.md §2/§10: default-school/devices.csv, any other school S/S.devices.csv. */
/**
 * SAMBA_TOOL_AUTH as samba-tool arguments (never a shell string). A bare `user%password` becomes
 * `-U user%password`; `none` (or empty) passes no credentials; a value starting with `-` is taken as options and split on white space
 * (`-U administrator%pw`, `--username=a --password=b`, `--use-kerberos=required`) — a password
 * with a space must use the bare form.
 */
export function sambaAuthArgs(value: string): string[] {
  const v = value.trim();
  if (!v || v.toLowerCase() === 'none') return [];
  return v.startsWith('-') ? v.split(/\s+/) : ['-U', v];
}

export function masterPathFor(config: WorkerConfig, school: string): string {
  if (config.devicesCsvMaster) return expand(config.devicesCsvMaster, school);
  const dir = `${config.sophomorixDir}/${school}`;
  return school === DEFAULT_SCHOOL ? `${dir}/devices.csv` : `${dir}/${school}.devices.csv`;
}

export function deltaPathFor(config: WorkerConfig, school: string): string {
  if (config.devicesCsvDelta) return expand(config.devicesCsvDelta, school);
  const master = masterPathFor(config, school);
  return `${master.slice(0, master.lastIndexOf('/'))}/linbo-docker.devices.csv`;
}

export function dhcpVerifyPathFor(config: WorkerConfig, school: string): string | null {
  return config.dhcpVerifyFile ? expand(config.dhcpVerifyFile, school) : null;
}
