/**
 * A Redis 7 ACL user per DC (docs/OPERATIONS.md "School authority"): the worker of DC
 * `north` can consume linbo:jobs:north and write (only write) the dead-letter stream, and nothing
 * else — not another DC's stream. The rules here are the ones the doc tells an admin to set.
 */
import { randomUUID } from 'node:crypto';

import Redis from 'ioredis';

import { REDIS_DB, REDIS_PORT, redisUrl } from '../../setup/services';
import { workerAclRules } from '../../support/redis-acl';

const ADMIN_URL = redisUrl(REDIS_DB.redisStreams);

/** The ACL of docs/OPERATIONS.md for a DC (the keys are DB-independent in Redis ACLs). */
function dcAclRules(dcId: string, password: string): string[] {
  return workerAclRules(password, [`linbo:jobs:${dcId}`], 'linbo:jobs:dlq');
}

describe('Redis ACL user per DC', () => {
  const user = `linbo-dc-north-${randomUUID().slice(0, 8)}`;
  const password = randomUUID();
  let admin: Redis;
  let worker: Redis;

  beforeAll(async () => {
    admin = new Redis(ADMIN_URL);
    await admin.del('linbo:jobs:north', 'linbo:jobs:south');
    await admin.call('ACL', 'SETUSER', user, ...dcAclRules('north', password));
    worker = new Redis({ port: REDIS_PORT, host: '127.0.0.1', username: user, password, db: REDIS_DB.redisStreams });
  });
  afterAll(async () => {
    worker?.disconnect();
    await admin?.call('ACL', 'DELUSER', user);
    await admin?.del('linbo:jobs:north', 'linbo:jobs:south', 'linbo:jobs:dlq');
    admin?.disconnect();
  });

  it('consumes its own stream', async () => {
    await admin.xadd('linbo:jobs:north', '*', 'type', 'provision_host');
    await worker.xgroup('CREATE', 'linbo:jobs:north', 'dc-workers', '0', 'MKSTREAM');
    const read = (await worker.xreadgroup(
      'GROUP',
      'dc-workers',
      'w1',
      'COUNT',
      10,
      'STREAMS',
      'linbo:jobs:north',
      '>',
    )) as [string, [string, string[]][]][];
    expect(read[0][1]).toHaveLength(1);
    expect(await worker.xack('linbo:jobs:north', 'dc-workers', read[0][1][0][0])).toBe(1);
    await worker.xadd('linbo:jobs:dlq', '*', 'reason', 'test');
  });

  it('cannot read or write another DC’s stream, nor read the dead letters, nor run other commands', async () => {
    await admin.xadd('linbo:jobs:south', '*', 'type', 'provision_host');
    await expect(worker.xgroup('CREATE', 'linbo:jobs:south', 'dc-workers', '0', 'MKSTREAM')).rejects.toThrow(/NOPERM/);
    await expect(worker.xreadgroup('GROUP', 'dc-workers', 'w1', 'STREAMS', 'linbo:jobs:south', '>')).rejects.toThrow(
      /NOPERM/,
    );
    await expect(worker.xadd('linbo:jobs:south', '*', 'type', 'x')).rejects.toThrow(/NOPERM/);
    await expect(worker.xrange('linbo:jobs:dlq', '-', '+')).rejects.toThrow(/NOPERM/);
    await expect(worker.xrange('linbo:jobs:north', '-', '+')).rejects.toThrow(/NOPERM/);
    await expect(worker.keys('*')).rejects.toThrow(/NOPERM/);
    await expect(worker.flushdb()).rejects.toThrow(/NOPERM/);
  });
});
