// After the upgrade to one stream per DC (docs/OPERATIONS.md "Upgrading a single-school
// installation"): jobs left in the old single stream `linbo:jobs` — never read, pending at this
// worker after a crash, pending at the old worker under another name — are drained by the default
// DC's worker like its own jobs, each run and ACKed once; then the old stream is left alone. Another
// DC's worker never touches it. The test's stand-in for `linbo:jobs` is `env.legacyStream`.
import Redis from 'ioredis';

import { workerAclRules } from '../../support/redis-acl';
import { useWorkerBuild, waitFor, WORKER_REDIS_URL, WorkerEnv } from './harness';

jest.setTimeout(40_000);

const build = useWorkerBuild();

/** Entries of `stream` delivered to the group and not ACKed; 0 without the group. */
async function pendingOn(env: WorkerEnv, stream: string): Promise<number> {
  try {
    return Number(((await env.redis.xpending(stream, env.group)) as [number])[0]);
  } catch (err) {
    if (/NOGROUP/.test((err as Error).message)) return 0;
    throw err;
  }
}

function create(env: WorkerEnv, n: number) {
  const hex = n.toString(16).padStart(2, '0').toUpperCase();
  return env.api.addProvision('create', {
    hostname: `pc${n}`,
    macAddress: `00:11:22:33:44:${hex}`,
    ipAddress: `10.0.100.${n}`,
  });
}

describe('the legacy stream linbo:jobs after the upgrade', () => {
  it('the default DC worker runs its new and pending entries once, ACKs them, then stops reading it', async () => {
    const env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    const [ownPending, oldWorkers, fresh, ownStream] = [
      create(env, 11),
      create(env, 12),
      create(env, 13),
      create(env, 14),
    ];
    const legacy = env.legacyStream;
    await env.redis.xgroup('CREATE', legacy, env.group, '0', 'MKSTREAM');
    // read by this worker before a crash (same CONSUMER_NAME), never ACKed
    await env.publish(ownPending, 1, legacy);
    await env.redis.xreadgroup('GROUP', env.group, env.consumer, 'COUNT', 1, 'STREAMS', legacy, '>');
    // read by the old worker under another name, idle for an hour (it is gone)
    const oldId = await env.publish(oldWorkers, 1, legacy);
    await env.redis.xreadgroup('GROUP', env.group, 'old-worker', 'COUNT', 1, 'STREAMS', legacy, '>');
    await env.redis.xclaim(legacy, env.group, 'old-worker', 0, oldId, 'IDLE', 3_600_000);
    // never delivered, in the payload of before DCs existed (no school field: default-school)
    await env.redis.xadd(
      legacy,
      '*',
      'type',
      'provision_host',
      'operation_id',
      fresh.id,
      'action',
      'create',
      'attempt',
      '1',
    );
    await env.publish(ownStream);
    expect(await pendingOn(env, legacy)).toBe(2);

    const w = env.spawn();
    for (const op of [ownPending, oldWorkers, fresh, ownStream]) await env.waitStatus(op.id, 'completed');
    await waitFor(() => w.logs.some((l) => l.msg === 'legacy stream drained; it is not read any more'), 'drained log');
    expect(w.logs.find((l) => l.msg === 'legacy stream drained; it is not read any more')).toMatchObject({
      stream: legacy,
      jobs: 3,
    });
    expect(await pendingOn(env, legacy)).toBe(0);
    await waitFor(async () => (await env.pending()) === 0, 'own stream ACKed');
    for (const op of [ownPending, oldWorkers, fresh, ownStream]) {
      // run once: one `running`, one terminal report
      expect(env.api.reports.filter((r) => r.id === op.id).map((r) => r.body.status)).toEqual(['running', 'completed']);
    }
    const master = env.dc.readMaster();
    for (const name of ['pc11', 'pc12', 'pc13', 'pc14']) expect(master).toContain(`;${name};`);

    // drained: a late entry in the old stream is not read, while the own stream still is
    const late = create(env, 15);
    await env.publish(late, 1, legacy);
    const after = create(env, 16);
    await env.publish(after);
    await env.waitStatus(after.id, 'completed');
    expect(env.api.status(late.id)).toBe('pending');
    expect(await pendingOn(env, legacy)).toBe(0);
    expect(w.logs.filter((l) => l.msg === 'legacy stream drained; it is not read any more')).toHaveLength(1);
    expect(env.dump()).not.toMatch(/cannot read the legacy stream/);
  });

  it('a fresh installation has no legacy stream: nothing is created, the drain is logged once', async () => {
    const env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    const w = env.spawn();
    const op = create(env, 21);
    await env.publish(op);
    await env.waitStatus(op.id, 'completed');
    expect(w.logs.find((l) => l.msg === 'legacy stream drained; it is not read any more')).toMatchObject({ jobs: 0 });
    expect(await env.redis.exists(env.legacyStream)).toBe(0);
  });

  it('a worker of another DC leaves the legacy stream alone', async () => {
    const env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    const stranded = create(env, 31);
    await env.publish(stranded, 1, env.legacyStream);
    const own = create(env, 32);
    await env.publish(own);
    const w = env.spawn({ DC_ID: 'north' });
    await env.waitStatus(own.id, 'completed');
    expect(w.logs.find((l) => l.msg === 'worker started')).toMatchObject({ dcId: 'north', legacyStream: null });
    expect(env.api.status(stranded.id)).toBe('pending');
    expect(env.api.reports.filter((r) => r.id === stranded.id)).toEqual([]);
    expect(await env.redis.xinfo('GROUPS', env.legacyStream)).toEqual([]);
    expect(w.logs.some((l) => /legacy stream/.test(String(l.msg)))).toBe(false);
  });
});

describe('the legacy stream under a Redis ACL user per DC (docs/OPERATIONS.md)', () => {
  /** The documented rules for DC default, on the test's private stream names, plus `extraKeys`. */
  async function aclUser(env: WorkerEnv, extraKeys: string[]): Promise<string> {
    const user = `linbo-test-${env.id}-${extraKeys.length}`;
    const password = `pw-${env.id}`;
    await env.redis.call('ACL', 'SETUSER', user, ...workerAclRules(password, [env.stream, ...extraKeys], env.dlq));
    users.push(user);
    const url = new URL(WORKER_REDIS_URL);
    url.username = user;
    url.password = password;
    return url.toString();
  }
  const users: string[] = [];
  afterEach(async () => {
    const admin = new Redis(WORKER_REDIS_URL);
    for (const user of users.splice(0)) await admin.call('ACL', 'DELUSER', user);
    admin.disconnect();
  });

  it('granted ~linbo:jobs, the documented commands suffice to drain it', async () => {
    const env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    const old = create(env, 41);
    await env.publish(old, 1, env.legacyStream);
    const w = env.spawn({ REDIS_URL: await aclUser(env, [env.legacyStream]) });
    await env.waitStatus(old.id, 'completed');
    await waitFor(() => w.logs.some((l) => l.msg === 'legacy stream drained; it is not read any more'), 'drained');
    expect(await pendingOn(env, env.legacyStream)).toBe(0);
  });

  it('without ~linbo:jobs: says what to grant and runs its own stream', async () => {
    const env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    const stranded = create(env, 42);
    await env.publish(stranded, 1, env.legacyStream);
    const own = create(env, 43);
    await env.publish(own);
    const w = env.spawn({ REDIS_URL: await aclUser(env, []) });
    await env.waitStatus(own.id, 'completed');
    expect(
      w.logs.filter(
        (l) => l.msg === 'cannot read the legacy stream; grant this worker ~linbo:jobs until it is drained',
      ),
    ).toHaveLength(1);
    expect(env.api.status(stranded.id)).toBe('pending');
  });
});
