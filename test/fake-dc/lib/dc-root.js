'use strict';
// Everything the fake DC keeps lives under one root dir ($FAKE_DC_ROOT) so tests, the e2e suite
// and the demo can run several independent "DCs" side by side. This module owns the layout, the
// configuration knobs, the call log, atomic writes and the state.json lock.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DEFAULT_SCHOOL = 'default-school';
const DEFAULT_DOMAIN = 'linuxmuster.lan';
const RELEASES = ['7.2', '7.3', '7.4', 'old'];

// knob → [env variable, kind]. config.json wins over env so a test can change behaviour between
// runs of a long-lived worker whose environment is fixed.
const KNOBS = {
  release: ['FAKE_DC_RELEASE', 'string'],
  domain: ['FAKE_DC_DOMAIN', 'string'],
  delayMs: ['FAKE_DC_DELAY_MS', 'number'],
  delayPerHostMs: ['FAKE_DC_DELAY_PER_HOST_MS', 'number'],
  sambaDelayMs: ['FAKE_DC_SAMBA_DELAY_MS', 'number'],
  failNext: ['FAKE_DC_FAIL_NEXT', 'number'],
  hang: ['FAKE_DC_HANG', 'boolean'],
  newErrors: ['FAKE_DC_NEW_ERRORS', 'boolean'],
  ptrTrailingDot: ['FAKE_DC_PTR_TRAILING_DOT', 'boolean'],
  subnets: ['FAKE_DC_SUBNETS', 'list'],
  repairFailNext: ['FAKE_DC_REPAIR_FAIL_NEXT', 'number'],
};
const DEFAULTS = {
  release: '7.3',
  domain: DEFAULT_DOMAIN,
  delayMs: 0,
  delayPerHostMs: 0,
  sambaDelayMs: 0,
  failNext: 0,
  hang: false,
  newErrors: false,
  ptrTrailingDot: false,
  subnets: [],
  repairFailNext: 0,
};

/** A broken fake-DC setup (missing root, bad knob): reported by message, exit 3. */
class FakeDcError extends Error {
  constructor(message) {
    super(message);
    this.name = 'FakeDcError';
  }
}

function requireRoot(env = process.env) {
  const root = env.FAKE_DC_ROOT;
  if (!root) throw new FakeDcError('FAKE_DC_ROOT is not set: the fake DC refuses to run without its state root');
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new FakeDcError(`FAKE_DC_ROOT ${root} is not a directory`);
  }
  return path.resolve(root);
}

const paths = {
  sophomorixDir: (root) => path.join(root, 'etc/linuxmuster/sophomorix'),
  /** DOMAIN.md §2: default school `default-school/devices.csv`, school S `S/S.devices.csv`. */
  devicesFile: (root, school = DEFAULT_SCHOOL) =>
    school === DEFAULT_SCHOOL
      ? path.join(root, 'etc/linuxmuster/sophomorix', DEFAULT_SCHOOL, 'devices.csv')
      : path.join(root, 'etc/linuxmuster/sophomorix', school, `${school}.devices.csv`),
  /** The path the real DC would show in messages (what an admin knows). */
  realDevicesFile: (school = DEFAULT_SCHOOL) =>
    school === DEFAULT_SCHOOL
      ? `/etc/linuxmuster/sophomorix/${DEFAULT_SCHOOL}/devices.csv`
      : `/etc/linuxmuster/sophomorix/${school}/${school}.devices.csv`,
  dhcpFile: (root, school = DEFAULT_SCHOOL) => path.join(root, 'etc/dhcp/devices', `${school}.conf`),
  dhcpInclude: (root) => path.join(root, 'etc/dhcp/devices.conf'),
  importLog: (root) => path.join(root, 'var/log/linuxmuster/import-devices.log'),
  state: (root) => path.join(root, 'state.json'),
  config: (root) => path.join(root, 'config.json'),
  calls: (root) => path.join(root, 'calls.log'),
};

function parseKnob(kind, raw) {
  if (raw === undefined || raw === null || raw === '') return undefined;
  switch (kind) {
    case 'number': {
      const n = Number(raw);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      return typeof raw === 'boolean' ? raw : /^(1|true|yes|on)$/i.test(String(raw));
    case 'list':
      return Array.isArray(raw)
        ? raw.map(String)
        : String(raw)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
    default:
      return String(raw);
  }
}

function readConfigFile(root) {
  try {
    const parsed = JSON.parse(fs.readFileSync(paths.config(root), 'utf8'));
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch (err) {
    if (err.code === 'ENOENT') return {};
    throw new FakeDcError(`cannot read ${paths.config(root)}: ${err.message}`);
  }
}

/** Effective configuration plus where each knob came from (failNext is consumed per source). */
function loadConfig(root, env = process.env) {
  const file = readConfigFile(root);
  const config = { ...DEFAULTS };
  const source = {};
  for (const [knob, [envName, kind]] of Object.entries(KNOBS)) {
    const fromFile = parseKnob(kind, file[knob]);
    const fromEnv = parseKnob(kind, env[envName]);
    if (fromFile !== undefined) {
      config[knob] = fromFile;
      source[knob] = 'file';
    } else if (fromEnv !== undefined) {
      config[knob] = fromEnv;
      source[knob] = 'env';
    } else {
      source[knob] = 'default';
    }
  }
  if (!RELEASES.includes(config.release)) {
    throw new FakeDcError(`unknown release ${JSON.stringify(config.release)} (expected ${RELEASES.join(', ')})`);
  }
  config.domain = config.domain.toLowerCase();
  return { config, source };
}

let tmpCounter = 0;
/** temp file in the same folder + fsync + rename: a reader never sees half a file. */
function writeFileAtomic(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.${tmpCounter++}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Exclusive lock on state.json (a lock file holding the owner's pid). An import killed by the
 * worker's timeout leaves its lock behind; a lock whose owner is dead is taken over.
 */
function withLock(root, fn, timeoutMs = 30000) {
  const lockFile = `${paths.state(root)}.lock`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = '';
      try {
        owner = fs.readFileSync(lockFile, 'utf8');
      } catch {
        continue; // released between open and read
      }
      // an empty file is a lock being written right now, not a stale one
      if (owner !== '' && !pidAlive(Number(owner))) {
        try {
          if (fs.readFileSync(lockFile, 'utf8') === owner) fs.unlinkSync(lockFile);
        } catch {
          /* someone else removed it first */
        }
        continue;
      }
      if (Date.now() > deadline) throw new FakeDcError(`timed out waiting for ${lockFile} (held by pid ${owner})`);
      sleepSync(5);
    }
  }
  try {
    return fn();
  } finally {
    try {
      fs.unlinkSync(lockFile);
    } catch {
      /* already gone */
    }
  }
}

function record(type, data, by, extra = {}) {
  return { type, data, by, serial: 1, ttl: 900, flags: 'f0', ...extra };
}

/** A zone as samba creates it: SOA and NS at the apex (owned by samba, never synced away). */
function newZone(zone, domain, by) {
  const server = `server.${domain}`;
  return {
    by,
    nodes: {
      '@': [
        record(
          'SOA',
          `serial=1, refresh=900, retry=600, expire=86400, minttl=3600, ns=${server}., email=hostmaster.${domain}.`,
          'samba',
          { flags: '600000f0', ttl: 3600 },
        ),
        record('NS', `${server}.`, 'samba', { flags: '600000f0', ttl: 3600 }),
      ],
    },
  };
}

/** A fresh DC: the forward zone with the server's own records and the DC's computer account. */
function initialState(domain) {
  const zone = newZone(domain, domain, 'manual');
  zone.nodes['@'].push(record('A', '10.0.0.1', 'manual', { flags: '600000f0' }));
  zone.nodes.server = [record('A', '10.0.0.1', 'manual', { flags: '600000f0' })];
  return {
    version: 1,
    computers: {
      SERVER: {
        name: 'SERVER',
        sAMAccountName: 'SERVER$',
        school: null,
        room: null,
        role: 'addc',
        dnsName: 'server',
        by: 'manual',
      },
    },
    zones: { [domain]: zone },
    // how many env-configured failures (FAKE_DC_FAIL_NEXT / FAKE_DC_REPAIR_FAIL_NEXT) were used
    envFailNextUsed: 0,
    envRepairFailNextUsed: 0,
  };
}

function readState(root, domain = DEFAULT_DOMAIN) {
  try {
    return JSON.parse(fs.readFileSync(paths.state(root), 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') return initialState(domain);
    throw new FakeDcError(`cannot read ${paths.state(root)}: ${err.message}`);
  }
}

/** Read-modify-write of state.json under the lock; fn returns whatever the caller needs. */
function updateState(root, domain, fn) {
  return withLock(root, () => {
    const state = readState(root, domain);
    const before = JSON.stringify(state);
    const result = fn(state);
    if (JSON.stringify(state) !== before || !fs.existsSync(paths.state(root))) {
      writeFileAtomic(paths.state(root), `${JSON.stringify(state, null, 2)}\n`);
    }
    return result;
  });
}

/**
 * Takes one "fail next" credit if there is one: from config.json (decremented there, so a test
 * sees it used up) or from the env (counted in state.json, the env cannot be changed).
 */
function consumeCredit(root, domain, knob, envCounter, env = process.env) {
  return updateState(root, domain, (state) => {
    const file = readConfigFile(root);
    const fromFile = parseKnob('number', file[knob]);
    if (fromFile !== undefined) {
      if (fromFile <= 0) return false;
      writeFileAtomic(paths.config(root), `${JSON.stringify({ ...file, [knob]: fromFile - 1 }, null, 2)}\n`);
      return true;
    }
    const fromEnv = parseKnob('number', env[KNOBS[knob][0]]) ?? 0;
    if ((state[envCounter] ?? 0) >= fromEnv) return false;
    state[envCounter] = (state[envCounter] ?? 0) + 1;
    return true;
  });
}

/** One JSON line per invocation; O_APPEND of a short line is atomic, so no lock is needed. */
function logCall(root, tool, argv, exit, extra = {}) {
  const nice = os.getPriority();
  const line = JSON.stringify({ tool, argv, at: new Date().toISOString(), exit, pid: process.pid, nice, ...extra });
  fs.appendFileSync(paths.calls(root), `${line}\n`);
}

/** Schools whose devices file exists, default school first (the order sophomorix reads them). */
function listSchools(root) {
  const dir = paths.sophomorixDir(root);
  let entries = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  const schools = entries
    .filter((e) => e.isDirectory() && e.name !== DEFAULT_SCHOOL)
    .map((e) => e.name)
    .filter((s) => fs.existsSync(paths.devicesFile(root, s)))
    .sort();
  return fs.existsSync(paths.devicesFile(root, DEFAULT_SCHOOL)) ? [DEFAULT_SCHOOL, ...schools] : schools;
}

module.exports = {
  DEFAULT_SCHOOL,
  DEFAULT_DOMAIN,
  RELEASES,
  KNOBS,
  DEFAULTS,
  FakeDcError,
  requireRoot,
  paths,
  loadConfig,
  readConfigFile,
  writeFileAtomic,
  withLock,
  record,
  newZone,
  initialState,
  readState,
  updateState,
  consumeCredit,
  logCall,
  listSchools,
};
