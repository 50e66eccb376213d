// Test/demo handle on one fake DC: a temp root with the layout of a linuxmuster server, the
// paths of the three fake tools, and readers for what they did. See README.md for the knobs.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type FakeDcRelease = '7.2' | '7.3' | '7.4' | 'old';

export interface FakeDcConfig {
  release: FakeDcRelease;
  domain: string;
  delayMs: number;
  delayPerHostMs: number;
  sambaDelayMs: number;
  failNext: number;
  hang: boolean;
  newErrors: boolean;
  ptrTrailingDot: boolean;
  subnets: string[];
  repairFailNext: number;
}

export interface FakeDcCall {
  tool: 'linuxmuster-import-devices' | 'samba-tool' | 'repair_macct.py';
  argv: string[];
  at: string;
  /** null while hanging (`hang`) or when killed by a signal */
  exit: number | null;
  pid: number;
  /** the process's scheduling priority (nice value) when it logged the call */
  nice: number;
  signal?: string;
  hang?: boolean;
  /** linuxmuster-import-devices: when its process started (`at` is when it ended) */
  startedAt?: string;
}

/** `by` says who made an object: only `sophomorix` objects are removed by a sync (DOMAIN.md §2). */
export type FakeDcOwner = 'sophomorix' | 'manual' | 'samba';

export interface FakeDcComputer {
  name: string;
  sAMAccountName: string;
  school: string | null;
  room: string | null;
  role: string | null;
  dnsName: string;
  comment?: string;
  mac?: string;
  ip?: string;
  group?: string;
  by: FakeDcOwner;
}

export interface FakeDcRecord {
  type: string;
  data: string;
  by: FakeDcOwner;
  serial: number;
  ttl: number;
  flags: string;
  owner?: string;
}

export interface FakeDcState {
  computers: Record<string, FakeDcComputer>;
  zones: Record<string, { by: FakeDcOwner; nodes: Record<string, FakeDcRecord[]> }>;
}

export interface FakeDc {
  root: string;
  /** environment the tools need (merge into the worker's env) */
  env: { FAKE_DC_ROOT: string };
  bin: { importDevices: string; sambaTool: string; repairMacct: string };
  masterPath(school?: string): string;
  dhcpPath(school?: string): string;
  importLogPath: string;
  writeMaster(text: string, school?: string): void;
  readMaster(school?: string): string;
  /** the school's DHCP file, or null when no import has written it */
  readDhcp(school?: string): string | null;
  readState(): FakeDcState;
  /** computer account by name (with or without `$`, any case) */
  computer(name: string): FakeDcComputer | undefined;
  /** record data of one DNS node (`zone` defaults to the forward zone) */
  records(node: string, type: string, zone?: string): string[];
  calls(): FakeDcCall[];
  importRuns(): FakeDcCall[];
  sambaToolRuns(): FakeDcCall[];
  repairRuns(): FakeDcCall[];
  setConfig(partial: Partial<FakeDcConfig>): void;
  cleanup(): void;
}

interface DcRootModule {
  DEFAULT_SCHOOL: string;
  paths: {
    devicesFile(root: string, school?: string): string;
    dhcpFile(root: string, school?: string): string;
    importLog(root: string): string;
    config(root: string): string;
    calls(root: string): string;
  };
  loadConfig(root: string, env: NodeJS.ProcessEnv): { config: FakeDcConfig };
  readConfigFile(root: string): Record<string, unknown>;
  readState(root: string, domain: string): FakeDcState;
  writeFileAtomic(file: string, data: string): void;
  withLock<T>(root: string, fn: () => T): T;
}
// plain JS on purpose: the tools must run without a build (test/fake-dc/README.md)
const dcRoot = require('./lib/dc-root') as DcRootModule;

export interface CreateFakeDcOptions extends Partial<FakeDcConfig> {
  /** initial default-school devices.csv (default: empty file) */
  master?: string;
}

export function createFakeDc(options: CreateFakeDcOptions = {}): FakeDc {
  const { master = '', ...config } = options;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-dc-'));
  const binDir = path.join(__dirname, 'bin');

  const setConfig = (partial: Partial<FakeDcConfig>): void => {
    dcRoot.withLock(root, () => {
      const next = { ...dcRoot.readConfigFile(root), ...partial };
      dcRoot.writeFileAtomic(dcRoot.paths.config(root), `${JSON.stringify(next, null, 2)}\n`);
    });
  };
  const writeMaster = (text: string, school = dcRoot.DEFAULT_SCHOOL): void => {
    const file = dcRoot.paths.devicesFile(root, school);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    dcRoot.writeFileAtomic(file, text);
  };
  const domain = (): string => dcRoot.loadConfig(root, {}).config.domain;
  const readState = (): FakeDcState => dcRoot.readState(root, domain());
  const calls = (): FakeDcCall[] => {
    let text = '';
    try {
      text = fs.readFileSync(dcRoot.paths.calls(root), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as FakeDcCall);
  };

  if (Object.keys(config).length > 0) setConfig(config);
  writeMaster(master);

  return {
    root,
    env: { FAKE_DC_ROOT: root },
    bin: {
      importDevices: path.join(binDir, 'linuxmuster-import-devices'),
      sambaTool: path.join(binDir, 'samba-tool'),
      repairMacct: path.join(binDir, 'repair_macct.py'),
    },
    masterPath: (school) => dcRoot.paths.devicesFile(root, school),
    dhcpPath: (school) => dcRoot.paths.dhcpFile(root, school),
    importLogPath: dcRoot.paths.importLog(root),
    writeMaster,
    readMaster: (school) => fs.readFileSync(dcRoot.paths.devicesFile(root, school), 'utf8'),
    readDhcp: (school) => {
      const file = dcRoot.paths.dhcpFile(root, school);
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    },
    readState,
    computer: (name) => readState().computers[name.replace(/\$$/, '').toUpperCase()],
    records: (node, type, zone) => {
      const z = readState().zones[(zone ?? domain()).toLowerCase()];
      return (z?.nodes[node.toLowerCase()] ?? []).filter((r) => r.type === type.toUpperCase()).map((r) => r.data);
    },
    calls,
    importRuns: () => calls().filter((c) => c.tool === 'linuxmuster-import-devices'),
    sambaToolRuns: () => calls().filter((c) => c.tool === 'samba-tool'),
    repairRuns: () => calls().filter((c) => c.tool === 'repair_macct.py'),
    setConfig,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
