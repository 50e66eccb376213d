// Fakes of the pipeline's ports (pipeline/ports.ts) for the unit tier: in memory, no processes, no
// sockets. The DC's state is the last imported master: an imported line is a host on the DC.
import { COL, normalizeMac, parseDevicesCsv } from '@app/csv-merge';
import {
  BulkStatusReport,
  checkTransition,
  isTerminal,
  OperationStatus,
  OperationView,
  ProvisionAction,
  ProvisionOptions,
  WorkerRetryOutcome,
} from '@app/provisioning';

import { entryKey, QueuedJob } from '../consumer/stream-consumer';
import { MasterMissingError } from '../files/master-file';
import { ImportRun } from '../import/import-runner';
import { LockTimeoutError } from '../lock/provision-lock';
import type {
  AckPort,
  DeltaPort,
  ImportPort,
  LockPort,
  MasterPort,
  OperationsPort,
  OtherSchoolsPort,
  ReportsPort,
  VerifierPort,
} from '../pipeline/ports';
import { ApiUnavailableError } from '../report/api-transport';
import { VerifyReport, VerifyTarget } from '../verify/verifier';

/** The internal API: operations by id, every call recorded. */
export class FakeApi implements OperationsPort, ReportsPort {
  readonly ops = new Map<string, OperationView>();
  readonly calls: string[] = [];
  down = false;
  /** operations the API cancels right before their `running` report (superseded meanwhile) */
  readonly cancelBeforeRunning = new Set<string>();
  private seq = 0;

  addProvision(action: ProvisionAction, host: Partial<ProvisionOptions> & { hostname: string }): OperationView {
    const id = `00000000-0000-4000-8000-${String(++this.seq).padStart(12, '0')}`;
    const options: ProvisionOptions = {
      hostId: host.hostId ?? `host-${host.hostname}`,
      macAddress: '00:11:22:33:44:00',
      ipAddress: null,
      room: 'r100',
      config: 'win11',
      role: 'classroom-studentcomputer',
      pxeFlag: 1,
      dryRun: false,
      ...host,
    };
    const op: OperationView = {
      id,
      type: 'provision_host',
      action,
      targetHost: host.hostname,
      hostId: options.hostId,
      school: 'default-school',
      options,
      status: 'pending',
      attempt: 0,
      maxAttempts: 3,
      result: null,
      error: null,
      createdAt: '',
      updatedAt: '',
    };
    this.ops.set(id, op);
    return op;
  }

  status(id: string): OperationStatus | undefined {
    return this.ops.get(id)?.status;
  }

  fetchOperations(ids: string[]): Promise<Map<string, OperationView>> {
    this.calls.push(`query ${ids.length}`);
    if (this.down) return Promise.reject(new ApiUnavailableError('POST /internal/operations/query: ECONNREFUSED'));
    const found = new Map<string, OperationView>();
    for (const id of ids) {
      const op = this.ops.get(id);
      if (op) found.set(id, { ...op });
    }
    return Promise.resolve(found);
  }

  reportMany(reports: BulkStatusReport[]): ReturnType<ReportsPort['reportMany']> {
    this.calls.push(`report ${reports.map((r) => r.status).join(',')}`);
    return Promise.resolve(
      reports.map((r) => {
        const op = this.ops.get(r.id);
        if (!op) return { id: r.id, outcome: 'not_found' as const };
        if (r.status === 'running' && this.cancelBeforeRunning.delete(r.id)) op.status = 'cancelled';
        const verdict = checkTransition(op.status, r.status);
        // a late `running` after a terminal status is stored without a change (DOMAIN.md §8)
        if (verdict === 'reject' && !(r.status === 'running' && isTerminal(op.status))) {
          return { id: r.id, outcome: 'rejected' as const, operation: { ...op } };
        }
        if (verdict === 'apply')
          Object.assign(op, { status: r.status, result: r.result ?? null, error: r.error ?? null });
        return { id: r.id, outcome: 'stored' as const, operation: { ...op } };
      }),
    );
  }

  retry(id: string, error: string): Promise<{ outcome: 'stored'; data: WorkerRetryOutcome }> {
    this.calls.push(`retry ${id}`);
    const op = this.ops.get(id)!;
    Object.assign(op, { status: 'retrying', attempt: op.attempt + 1, error });
    return Promise.resolve({ outcome: 'stored', data: { retried: true, attempt: op.attempt } });
  }
}

/** The stream's ACKs, with what the API held for each job when it was ACKed. */
export class FakeAcks implements AckPort {
  /** entry ids, prefixed with the stream for a legacy entry (entryKey) */
  readonly acked: string[] = [];
  ack(...entries: Array<Pick<QueuedJob, 'id' | 'stream'>>): Promise<void> {
    this.acked.push(...entries.map(entryKey));
    return Promise.resolve();
  }
}

/** Master and delta files by path; a master never written is missing. */
export class FakeFiles {
  readonly texts = new Map<string, string>();
  readonly writes: string[] = [];
  readonly master: MasterPort = {
    read: (path) => {
      const text = this.texts.get(path);
      return text === undefined
        ? Promise.reject(new MasterMissingError(`${path} does not exist`))
        : Promise.resolve(text);
    },
    write: (path, content, afterRename) => {
      this.texts.set(path, content);
      this.writes.push(path);
      afterRename?.();
      return Promise.resolve();
    },
  };
  readonly delta: DeltaPort = {
    read: (path) => Promise.resolve(this.texts.get(path) ?? ''),
    write: (path, content) => {
      this.texts.set(path, content);
      this.writes.push(path);
      return Promise.resolve();
    },
  };
  readonly otherSchools: OtherSchoolsPort = { read: () => Promise.resolve({ files: [], unreadable: [] }) };
}

/** The provision lock; `busy` makes every acquire time out. */
export class FakeLock implements LockPort {
  busy = false;
  held = 0;
  acquire(): ReturnType<LockPort['acquire']> {
    if (this.busy) return Promise.reject(new LockTimeoutError('lock busy (fake)'));
    this.held++;
    return Promise.resolve({ fd: -1, release: () => Promise.resolve(void this.held--) });
  }
}

/** linuxmuster-import-devices and samba-tool: an import makes the master's hosts the DC's. */
export class FakeDc implements ImportPort, VerifierPort {
  readonly imports: string[] = [];
  /** lower-cased host name → normalised MAC of the hosts the DC knows */
  readonly hosts = new Map<string, string>();
  /** hosts the import leaves out (sophomorix refused them) */
  readonly refuse = new Set<string>();
  /** called when an import starts (tests hook the look-ahead's timing here) */
  onImport: () => void = () => undefined;

  constructor(
    private readonly files: FakeFiles,
    private readonly masterPath: string,
  ) {}

  run(school: string, onSpawn?: () => void): Promise<ImportRun> {
    onSpawn?.();
    this.onImport();
    this.imports.push(school);
    this.hosts.clear();
    for (const line of parseDevicesCsv(this.files.texts.get(this.masterPath) ?? '').lines) {
      const name = (line.fields[COL.hostname] ?? '').toLowerCase();
      if (line.kind === 'data' && !this.refuse.has(name))
        this.hosts.set(name, normalizeMac(line.fields[COL.mac]) ?? '');
    }
    return Promise.resolve({
      school,
      command: ['import', '-s', school],
      exitCode: 0,
      timedOut: false,
      durationMs: 1,
      output: 'sophomorix-device finished  OK!',
      failureLines: [],
      looksFailed: false,
    });
  }

  captureDhcp(): ReturnType<VerifierPort['captureDhcp']> {
    return Promise.resolve({ hosts: null });
  }

  checkEarly(_school: string, targets: VerifyTarget[]): ReturnType<VerifierPort['checkEarly']> {
    const report = this.check(targets);
    return Promise.resolve({ report, settled: [...report.problems.values()].every((p) => p.length === 0) });
  }

  verify(_school: string, targets: VerifyTarget[]): Promise<VerifyReport> {
    return Promise.resolve(this.check(targets));
  }

  private check(targets: VerifyTarget[]): VerifyReport {
    const problems = new Map<string, string[]>();
    for (const t of targets) {
      const known = this.hosts.get(t.hostname.toLowerCase());
      if (t.action === 'delete') problems.set(t.id, known === undefined ? [] : [`${t.hostname} still on the DC`]);
      else problems.set(t.id, known === t.mac ? [] : [`no computer account ${t.hostname}$`]);
    }
    return { problems, sambaToolRuns: 2, cleaned: [] };
  }
}

/** A stream entry for an operation, as the consumer hands it on. */
export function queued(op: OperationView, seq: number): QueuedJob {
  return {
    id: `${1000 + seq}-0`,
    payload: {
      type: op.type,
      operation_id: op.id,
      action: op.action as ProvisionAction,
      school: op.school,
      attempt: 0,
    },
    deliveries: 1,
    readAt: 0,
  };
}
