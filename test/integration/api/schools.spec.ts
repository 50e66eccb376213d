/**
 * Schools and DCs (issue 13): a host's school comes from its room, names are unique per school and
 * MACs/IPs per DC, jobs carry the school and DC, a move to another school is delete + create in one
 * change, import and export work per school, column 0 per school. An old single-school database
 * keeps working after the migration.
 */
import Redis from 'ioredis';
import { Client } from 'pg';

import { pgUrl } from '../../setup/services';
import { waitFor } from '../../support/wait-for';
import { startTestApp, TEST_REDIS_URL, TestApp } from './helpers/app';

const { ensureDatabase, migrate } = require('../../../scripts/db-migrate.js') as {
  ensureDatabase(url: string): Promise<void>;
  migrate(url: string, log?: (line: string) => void, until?: string): Promise<number>;
};

const PREFIX = '/api/v1';
const DEFAULT_SCHOOL_ID = '00000000-0000-4000-8000-000000000001';

describe('schools and DCs (issue 13)', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let op: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ DC_PROVISIONING_ENABLED: 'true', OUTBOX_POLL_MS: '600000' });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.resetDb();
    admin = await t.authHeader('admin');
    op = await t.authHeader('operator');
  });

  const school = async (name: string, extra: Record<string, unknown> = {}) =>
    (
      await t.http
        .post(`${PREFIX}/schools`)
        .set(admin)
        .send({ name, ...extra })
        .expect(201)
    ).body.data;
  const room = async (name: string, schoolName?: string) =>
    (
      await t.http
        .post(`${PREFIX}/rooms`)
        .set(op)
        .send({ name, ...(schoolName ? { school: schoolName } : {}) })
        .expect(201)
    ).body.data;
  const host = (body: Record<string, unknown>) => t.http.post(`${PREFIX}/hosts`).set(op).send(body);

  it('only admins write schools and DCs; names follow the sophomorix rules', async () => {
    await t.http.post(`${PREFIX}/schools`).set(op).send({ name: 'gsm' }).expect(403);
    const bad = await t.http.post(`${PREFIX}/schools`).set(admin).send({ name: 'Gsm_1' }).expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    await t.http.post(`${PREFIX}/schools`).set(admin).send({ name: 'gsm', dcId: 'nowhere' }).expect(400);
    await school('gsm');
    await t.http.post(`${PREFIX}/schools`).set(admin).send({ name: 'gsm' }).expect(409);
    await t.http.post(`${PREFIX}/dcs`).set(op).send({ id: 'north' }).expect(403);
    await t.http.post(`${PREFIX}/dcs`).set(admin).send({ id: 'north' }).expect(201);
    const list = (await t.http.get(`${PREFIX}/schools`).set(op).expect(200)).body.data;
    expect(list.map((s: { name: string }) => s.name)).toEqual(['default-school', 'gsm']);
    const del = await t.http.delete(`${PREFIX}/schools/${DEFAULT_SCHOOL_ID}`).set(admin).expect(409);
    expect(del.body.error.code).toBe('IN_USE');
  });

  it('a host belongs to its room’s school; names per school, MACs and IPs per DC', async () => {
    await t.http.post(`${PREFIX}/dcs`).set(admin).send({ id: 'north' }).expect(201);
    await school('gsm');
    await school('nord', { dcId: 'north' });
    const gsmRoom = await room('r100', 'gsm');
    const nordRoom = await room('r100', 'nord'); // the same room name in another school
    const plain = (await host({ hostname: 'pc01', macAddress: '00:11:22:33:44:01', ipAddress: '10.0.0.1' }).expect(201))
      .body.data;
    expect(plain).toMatchObject({ school: 'default-school', schoolId: DEFAULT_SCHOOL_ID });
    const gsm = (
      await host({
        hostname: 'pc01',
        macAddress: '00:11:22:33:44:02',
        ipAddress: '10.0.0.2',
        roomId: gsmRoom.id,
      }).expect(201)
    ).body.data;
    expect(gsm).toMatchObject({ school: 'gsm', room: 'r100' });
    // same DC (default): the MAC and the IP of default-school's pc01 are taken
    const mac = await host({ hostname: 'pc02', macAddress: '00:11:22:33:44:01', roomId: gsmRoom.id }).expect(409);
    expect(mac.body.error).toMatchObject({ code: 'DUPLICATE_ENTRY' });
    expect(mac.body.error.message).toContain('macAddress');
    await host({ hostname: 'pc02', macAddress: '00:11:22:33:44:03', ipAddress: '10.0.0.1', roomId: gsmRoom.id }).expect(
      409,
    );
    await host({ hostname: 'pc01', macAddress: '00:11:22:33:44:09', roomId: gsmRoom.id }).expect(409);
    // another DC: the same MAC and IP are fine
    const nord = (
      await host({
        hostname: 'pc01',
        macAddress: '00:11:22:33:44:01',
        ipAddress: '10.0.0.1',
        roomId: nordRoom.id,
      }).expect(201)
    ).body.data;
    expect(nord.school).toBe('nord');

    const bySchool = (await t.http.get(`${PREFIX}/hosts?school=gsm`).set(op).expect(200)).body;
    expect(bySchool.data.map((h: { id: string }) => h.id)).toEqual([gsm.id]);
    expect(bySchool.pagination.total).toBe(1);
    const all = (await t.http.get(`${PREFIX}/hosts?sort=hostname`).set(op).expect(200)).body.data;
    expect(all).toHaveLength(3);
    expect((await t.http.get(`${PREFIX}/hosts?school=nope`).set(op).expect(200)).body.data).toEqual([]);
    const rooms = (await t.http.get(`${PREFIX}/rooms?school=nord`).set(op).expect(200)).body.data;
    expect(rooms.map((r: { id: string }) => r.id)).toEqual([nordRoom.id]);

    const ambiguous = await t.http.get(`${PREFIX}/hosts/by-name/pc01`).set(op).expect(409);
    expect(ambiguous.body.error.code).toBe('AMBIGUOUS_HOSTNAME');
    const named = await t.http.get(`${PREFIX}/hosts/by-name/pc01?school=nord`).set(op).expect(200);
    expect(named.body.data.id).toBe(nord.id);

    // jobs carry the school and the DC
    const ops = await t.prisma.operation.findMany({ orderBy: { seq: 'asc' } });
    expect(ops.map((o) => [o.targetHost, o.school, o.dcId])).toEqual([
      ['pc01', 'default-school', 'default'],
      ['pc01', 'gsm', 'default'],
      ['pc01', 'nord', 'north'],
    ]);
  });

  it('each DC gets its jobs on its own stream linbo:jobs:<dcId>, and only those', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await t.http.post(`${PREFIX}/dcs`).set(admin).send({ id: 'north' }).expect(201);
      const reserved = await t.http.post(`${PREFIX}/dcs`).set(admin).send({ id: 'dlq' }).expect(400);
      expect(reserved.body.error.message).toContain('reserved');
      await school('nord', { dcId: 'north' });
      const nordRoom = await room('r1', 'nord');
      await host({ hostname: 'pc01', macAddress: '00:11:22:33:44:01' }).expect(201);
      await host({ hostname: 'pc02', macAddress: '00:11:22:33:44:02', roomId: nordRoom.id }).expect(201);
      await host({ hostname: 'pc03', macAddress: '00:11:22:33:44:03', roomId: nordRoom.id }).expect(201);
      await waitFor(
        async () => (await redis.xlen('linbo:jobs:north')) === 2 && (await redis.xlen('linbo:jobs:default')) === 1,
        'the jobs on the two DC streams',
      );
      const north = await redis.xrange('linbo:jobs:north', '-', '+');
      expect(north.map(([, f]) => f[f.indexOf('school') + 1])).toEqual(['nord', 'nord']);
      expect(await redis.exists('linbo:jobs')).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('a DC key (shown once, stored hashed) reaches only its DC’s operations; revoked keys are refused', async () => {
    await t.http.post(`${PREFIX}/dcs`).set(admin).send({ id: 'north' }).expect(201);
    await t.http.post(`${PREFIX}/dcs/north/keys`).set(op).expect(403);
    const created = (await t.http.post(`${PREFIX}/dcs/north/keys`).set(admin).expect(201)).body.data;
    expect(created.key).toMatch(/^lwk_north_/);
    const stored = await t.prisma.workerKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(created.key);
    const listed = JSON.stringify((await t.http.get(`${PREFIX}/dcs`).set(admin).expect(200)).body);
    expect(listed).toContain(created.id);
    expect(listed).not.toContain(created.key);

    await school('nord', { dcId: 'north' });
    const nordRoom = await room('r1', 'nord');
    const mine = (await host({ hostname: 'pc01', macAddress: '00:11:22:33:44:01', roomId: nordRoom.id }).expect(201))
      .body.data;
    const other = (await host({ hostname: 'pc02', macAddress: '00:11:22:33:44:02' }).expect(201)).body.data;
    const key = { 'X-Internal-Key': created.key };
    await t.http.get(`${PREFIX}/internal/operations/${mine.provisionOpId}`).set(key).expect(200);
    const denied = await t.http.get(`${PREFIX}/internal/operations/${other.provisionOpId}`).set(key).expect(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
    await t.http
      .patch(`${PREFIX}/internal/operations/${other.provisionOpId}/status`)
      .set(key)
      .send({ status: 'running' })
      .expect(403);
    await t.http
      .patch(`${PREFIX}/internal/operations/status`)
      .set(key)
      .send({
        reports: [
          { id: mine.provisionOpId, status: 'running' },
          { id: other.provisionOpId, status: 'running' },
        ],
      })
      .expect(403);
    expect((await t.prisma.operation.findUniqueOrThrow({ where: { id: mine.provisionOpId } })).status).toBe('pending');
    await t.http
      .patch(`${PREFIX}/internal/operations/${mine.provisionOpId}/status`)
      .set(key)
      .send({ status: 'running' })
      .expect(200);
    await t.http.delete(`${PREFIX}/dcs/north/keys/${created.id}`).set(admin).expect(200);
    await t.http.get(`${PREFIX}/internal/operations/${mine.provisionOpId}`).set(key).expect(401);
  });

  it('moving a host to a room of another school queues a delete there and a create here', async () => {
    await school('gsm');
    const r1 = await room('r1');
    const r2 = await room('r2', 'gsm');
    const h = (await host({ hostname: 'pc01', macAddress: '00:11:22:33:44:01', roomId: r1.id }).expect(201)).body.data;
    const patched = await t.http.patch(`${PREFIX}/hosts/${h.id}`).set(op).send({ roomId: r2.id });
    expect(patched.body.error).toBeUndefined();
    const moved = patched.body.data;
    expect(moved).toMatchObject({ school: 'gsm', room: 'r2', provisionStatus: 'pending' });
    const ops = await t.prisma.operation.findMany({ where: { hostId: h.id }, orderBy: { seq: 'asc' } });
    // the first create was superseded by the delete; delete (old school) then create (new school), both queued
    expect(ops.map((o) => [o.action, o.school, o.status])).toEqual([
      ['create', 'default-school', 'cancelled'],
      ['delete', 'default-school', 'pending'],
      ['create', 'gsm', 'pending'],
    ]);
    expect(moved.provisionOpId).toBe(ops[2].id);
    // a room-less host is in default-school
    const back = (await t.http.patch(`${PREFIX}/hosts/${h.id}`).set(op).send({ roomId: null }).expect(200)).body.data;
    expect(back.school).toBe('default-school');
  });

  it('import and export per school', async () => {
    await school('gsm');
    const csv = 'r200;pc01;win11;00:11:22:33:44:01;10.0.2.1;;;;classroom-studentcomputer;;1;;;;;\n';
    const res = await t.http.post(`${PREFIX}/import/devices?school=gsm`).set(op).type('text/csv').send(csv).expect(200);
    expect(res.body.data).toMatchObject({ created: 1, failed: 0, roomsCreated: ['r200'] });
    const h = await t.prisma.host.findFirstOrThrow({
      where: { hostname: 'pc01' },
      include: { school: true, room: true },
    });
    expect(h.school.name).toBe('gsm');
    expect(h.room?.schoolId).toBe(h.schoolId);
    // the same file into default-school: MAC and IP belong to gsm's pc01 on the same DC
    const clash = await t.http.post(`${PREFIX}/import/devices`).set(op).type('text/csv').send(csv).expect(200);
    expect(clash.body.data).toMatchObject({ created: 0, failed: 1 });
    expect(clash.body.data.errors[0].message).toContain('school gsm');
    // re-import into gsm: unchanged
    const again = await t.http
      .post(`${PREFIX}/import/devices?school=gsm`)
      .set(op)
      .type('text/csv')
      .send(csv)
      .expect(200);
    expect(again.body.data).toMatchObject({ created: 0, skipped: 1 });
    const exported = (await t.http.get(`${PREFIX}/export/devices?school=gsm`).set(op).expect(200)).text;
    expect(exported).toContain('r200;pc01;win11;00:11:22:33:44:01;10.0.2.1;');
    expect((await t.http.get(`${PREFIX}/export/devices`).set(op).expect(200)).text).not.toContain('pc01');
    await t.http.get(`${PREFIX}/export/devices?school=nope`).set(op).expect(404);
    await t.http.post(`${PREFIX}/import/devices?school=nope`).set(op).type('text/csv').send(csv).expect(404);
  });
});

describe('devices.csv column 0 per school (csvCol0Source)', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ DC_PROVISIONING_ENABLED: 'true', OUTBOX_POLL_MS: '600000' });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.resetDb();
    admin = await t.authHeader('admin');
  });

  it('a group school writes the config into column 0 and demands a config that fits it', async () => {
    const s = (
      await t.http.post(`${PREFIX}/schools`).set(admin).send({ name: 'grp', csvCol0Source: 'group' }).expect(201)
    ).body.data;
    expect(s.csvCol0Source).toBe('group');
    const r = (await t.http.post(`${PREFIX}/rooms`).set(admin).send({ name: 'all', school: 'grp' }).expect(201)).body
      .data;
    const win = (await t.http.post(`${PREFIX}/configs`).set(admin).send({ name: 'win11' }).expect(201)).body.data;
    const under = (await t.http.post(`${PREFIX}/configs`).set(admin).send({ name: 'win_11' }).expect(201)).body.data;
    const none = await t.http
      .post(`${PREFIX}/hosts`)
      .set(admin)
      .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:01', roomId: r.id })
      .expect(400);
    expect(none.body.error.code).toBe('COL0_INVALID');
    const bad = await t.http
      .post(`${PREFIX}/hosts`)
      .set(admin)
      .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:01', roomId: r.id, configId: under.id })
      .expect(400);
    expect(bad.body.error.message).toContain("'_'");
    const h = (
      await t.http
        .post(`${PREFIX}/hosts`)
        .set(admin)
        .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:01', roomId: r.id, configId: win.id })
        .expect(201)
    ).body.data;
    const op = await t.prisma.operation.findUniqueOrThrow({ where: { id: h.provisionOpId } });
    // the job's line: column 0 = the config's name
    expect(op.options).toMatchObject({ room: 'win11', config: 'win11' });
    expect(op.school).toBe('grp');
    const exported = (await t.http.get(`${PREFIX}/export/devices?school=grp`).set(admin).expect(200)).text;
    expect(exported).toContain('win11;pc01;win11;00:11:22:33:44:01;');
    // switching a room school to group is refused while a host has no config, and re-queues otherwise
    const rs = (await t.http.post(`${PREFIX}/schools`).set(admin).send({ name: 'rms' }).expect(201)).body.data;
    const rr = (await t.http.post(`${PREFIX}/rooms`).set(admin).send({ name: 'r1', school: 'rms' }).expect(201)).body
      .data;
    const h2 = (
      await t.http
        .post(`${PREFIX}/hosts`)
        .set(admin)
        .send({ hostname: 'pc02', macAddress: '00:11:22:33:44:02', roomId: rr.id })
        .expect(201)
    ).body.data;
    const refused = await t.http
      .patch(`${PREFIX}/schools/${rs.id}`)
      .set(admin)
      .send({ csvCol0Source: 'group' })
      .expect(409);
    expect(refused.body.error.code).toBe('COL0_INVALID');
    await t.http.patch(`${PREFIX}/hosts/${h2.id}`).set(admin).send({ configId: win.id }).expect(200);
    await t.http.patch(`${PREFIX}/schools/${rs.id}`).set(admin).send({ csvCol0Source: 'group' }).expect(200);
    const last = await t.prisma.operation.findFirstOrThrow({ where: { hostId: h2.id }, orderBy: { seq: 'desc' } });
    expect(last.options).toMatchObject({ room: 'win11' });
  });
});

describe('migration 20261203080000_schools_and_dcs on an old single-school database', () => {
  const url = pgUrl('linbo_test_api_oldschool');
  let pg: Client;

  beforeAll(async () => {
    await ensureDatabase(url);
    pg = new Client({ connectionString: url });
    await pg.connect();
    await pg.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  });
  afterAll(async () => {
    await pg?.end();
  });

  it('keeps every host, room and operation, in default-school on the default DC', async () => {
    await migrate(url, () => undefined, '20261202180000_hosts_list_indexes');
    await pg.query(
      `INSERT INTO rooms (id, name, updated_at) VALUES ('11111111-1111-4111-8111-111111111111', 'r100', now())`,
    );
    await pg.query(`INSERT INTO hosts (id, hostname, mac_address, ip_address, room_id, updated_at) VALUES
      ('22222222-2222-4222-8222-222222222221', 'pc01', '00:11:22:33:44:01', '10.0.0.1', '11111111-1111-4111-8111-111111111111', now()),
      ('22222222-2222-4222-8222-222222222222', 'pc02', '00:11:22:33:44:02', NULL, NULL, now())`);
    await pg.query(`INSERT INTO operations (id, type, action, target_host, host_id, updated_at) VALUES
      ('33333333-3333-4333-8333-333333333333', 'provision_host', 'create', 'pc01', '22222222-2222-4222-8222-222222222221', now())`);
    expect(await migrate(url, () => undefined)).toBeGreaterThanOrEqual(1);

    const hosts = await pg.query(
      'SELECT h.hostname, s.name AS school, h.dc_id FROM hosts h JOIN schools s ON s.id = h.school_id ORDER BY 1',
    );
    expect(hosts.rows).toEqual([
      { hostname: 'pc01', school: 'default-school', dc_id: 'default' },
      { hostname: 'pc02', school: 'default-school', dc_id: 'default' },
    ]);
    const rooms = await pg.query('SELECT school_id FROM rooms');
    expect(rooms.rows).toEqual([{ school_id: DEFAULT_SCHOOL_ID }]);
    const ops = await pg.query('SELECT school, dc_id FROM operations');
    expect(ops.rows).toEqual([{ school: 'default-school', dc_id: 'default' }]);
    // the old uniqueness still holds inside the default school / DC
    await expect(
      pg.query(
        `INSERT INTO hosts (id, hostname, mac_address, updated_at) VALUES (gen_random_uuid(), 'pc01', '00:11:22:33:44:09', now())`,
      ),
    ).rejects.toThrow(/hosts_hostname_school_id_key/);
    await expect(
      pg.query(
        `INSERT INTO hosts (id, hostname, mac_address, updated_at) VALUES (gen_random_uuid(), 'pc09', '00:11:22:33:44:01', now())`,
      ),
    ).rejects.toThrow(/hosts_dc_id_mac_address_key/);
    // a host's school must be its room's school (composite foreign key)
    await pg.query(
      `INSERT INTO schools (id, name, updated_at) VALUES ('44444444-4444-4444-8444-444444444444', 'gsm', now())`,
    );
    await expect(
      pg.query(`UPDATE hosts SET school_id = '44444444-4444-4444-8444-444444444444' WHERE hostname = 'pc01'`),
    ).rejects.toThrow(/hosts_room_id_school_id_fkey/);
  });
});
