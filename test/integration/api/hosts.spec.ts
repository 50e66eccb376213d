import { Client } from 'pg';

import type { ApiEvent } from '../../../apps/api/src/events/event-types';
import { EventsService } from '../../../apps/api/src/events/events.service';
import type { ListHostsQueryDto } from '../../../apps/api/src/hosts/dto/host.dto';
import { HostsService } from '../../../apps/api/src/hosts/hosts.service';
import { TEST_DATABASE_URL, useTestApp } from './helpers/app';

const PREFIX = '/api/v1';

describe('hosts (DOMAIN.md §6, §7) with provisioning off', () => {
  const t = useTestApp();
  let op: Record<string, string>;
  let viewer: Record<string, string>;

  beforeEach(async () => {
    op = await t.authHeader('operator');
    viewer = await t.authHeader('viewer');
  });

  const post = (body: object, headers = op) => t.http.post(`${PREFIX}/hosts`).set(headers).send(body);
  const mkRoom = async (name: string) =>
    (await t.http.post(`${PREFIX}/rooms`).set(op).send({ name }).expect(201)).body.data as { id: string };
  const mkConfig = async (name: string) =>
    (await t.http.post(`${PREFIX}/configs`).set(op).send({ name }).expect(201)).body.data as { id: string };

  it('401 UNAUTHORIZED without a token', async () => {
    const res = await t.http.get(`${PREFIX}/hosts`).expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    await t.http.post(`${PREFIX}/hosts`).send({ hostname: 'pc01', macAddress: '00:11:22:33:44:55' }).expect(401);
  });

  it('creates a host: lower-cases the name, normalises the MAC, applies the defaults', async () => {
    const res = await post({ hostname: 'R100-PC01', macAddress: 'aa-bb-cc-dd-ee-0f', ipAddress: '10.0.100.1' }).expect(
      201,
    );
    const host = res.body.data;
    expect(host).toMatchObject({
      hostname: 'r100-pc01',
      macAddress: 'AA:BB:CC:DD:EE:0F',
      ipAddress: '10.0.100.1',
      roomId: null,
      room: null,
      configId: null,
      config: null,
      role: 'classroom-studentcomputer',
      pxeFlag: 0,
      provisionStatus: null,
      provisionOpId: null,
      provisionError: null,
    });
    expect(host.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(host.createdAt).toISOString()).toBe(host.createdAt);
    const stored = await t.prisma.host.findUniqueOrThrow({ where: { id: host.id } });
    expect(stored.hostname).toBe('r100-pc01');
    expect(stored.macAddress).toBe('AA:BB:CC:DD:EE:0F');
    // provisioning off: no operation (DOMAIN.md §7)
    expect(await t.prisma.operation.count()).toBe(0);
  });

  it.each([
    ['colon', '00:11:22:33:44:55'],
    ['dash', '00-11-22-33-44-55'],
    ['space', '00 11 22 33 44 55'],
    ['underscore', '00_11_22_33_44_55'],
    ['cisco', '0011.2233.4455'],
    ['bare', '001122334455'],
    ['lower case', 'aa:bb:cc:00:11:22'],
  ])('accepts a %s MAC and stores it normalised', async (_form, mac) => {
    const res = await post({ hostname: 'pc01', macAddress: mac }).expect(201);
    expect(res.body.data.macAddress).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/);
    expect(res.body.data.macAddress.replace(/:/g, '')).toBe(mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase());
  });

  it('defaults pxeFlag to 1 with a config and keeps an explicit one', async () => {
    const room = await mkRoom('r100');
    const config = await mkConfig('win11');
    const a = await post({ hostname: 'pc01', macAddress: '00:11:22:33:44:01', roomId: room.id, configId: config.id });
    expect(a.status).toBe(201);
    expect(a.body.data).toMatchObject({ room: 'r100', config: 'win11', pxeFlag: 1, roomId: room.id });
    const b = await post({ hostname: 'pc02', macAddress: '00:11:22:33:44:02', configId: config.id, pxeFlag: 3 });
    expect(b.body.data.pxeFlag).toBe(3);
    const c = await post({ hostname: 'pc03', macAddress: '00:11:22:33:44:03', role: 'printer' });
    expect(c.body.data).toMatchObject({ pxeFlag: 0, role: 'printer' });
  });

  it('403 FORBIDDEN for a viewer writing; a viewer may read', async () => {
    const res = await post({ hostname: 'pc01', macAddress: '00:11:22:33:44:55' }, viewer).expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    const created = await post({ hostname: 'pc01', macAddress: '00:11:22:33:44:55' }).expect(201);
    const id = created.body.data.id;
    await t.http.patch(`${PREFIX}/hosts/${id}`).set(viewer).send({ ipAddress: '10.0.0.1' }).expect(403);
    await t.http.delete(`${PREFIX}/hosts/${id}`).set(viewer).expect(403);
    await t.http.get(`${PREFIX}/hosts/${id}`).set(viewer).expect(200);
    await t.http.get(`${PREFIX}/hosts`).set(viewer).expect(200);
  });

  it('GET /hosts/:id: 404 NOT_FOUND for an unknown id, 400 VALIDATION_ERROR for a non-UUID', async () => {
    const nf = await t.http.get(`${PREFIX}/hosts/3f1c2a52-9a53-4d0b-8f5e-6a8f7d1b2c3d`).set(viewer).expect(404);
    expect(nf.body.error.code).toBe('NOT_FOUND');
    const bad = await t.http.get(`${PREFIX}/hosts/not-a-uuid`).set(viewer).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'id' }] });
    await t.http.patch(`${PREFIX}/hosts/not-a-uuid`).set(op).send({}).expect(400);
    await t.http.delete(`${PREFIX}/hosts/3f1c2a52-9a53-4d0b-8f5e-6a8f7d1b2c3d`).set(op).expect(404);
  });

  it('GET /hosts/by-name/:hostname is case-insensitive', async () => {
    const created = await post({ hostname: 'pc07', macAddress: '00:11:22:33:44:07' }).expect(201);
    const res = await t.http.get(`${PREFIX}/hosts/by-name/PC07`).set(viewer).expect(200);
    expect(res.body.data.id).toBe(created.body.data.id);
    const nf = await t.http.get(`${PREFIX}/hosts/by-name/pc08`).set(viewer).expect(404);
    expect(nf.body.error.code).toBe('NOT_FOUND');
  });

  it('409 DUPLICATE_ENTRY naming the field: hostname (any case), MAC (any form), IP', async () => {
    await post({ hostname: 'pc01', macAddress: '00:11:22:33:44:55', ipAddress: '10.0.0.1' }).expect(201);
    const name = await post({ hostname: 'PC01', macAddress: '00:11:22:33:44:56' }).expect(409);
    expect(name.body.error).toMatchObject({ code: 'DUPLICATE_ENTRY', details: [{ field: 'hostname' }] });
    const mac = await post({ hostname: 'pc02', macAddress: '0011.2233.4455' }).expect(409);
    expect(mac.body.error).toMatchObject({ code: 'DUPLICATE_ENTRY', details: [{ field: 'macAddress' }] });
    expect(mac.body.error.message).toContain('pc01');
    const ip = await post({ hostname: 'pc02', macAddress: '00:11:22:33:44:57', ipAddress: '10.0.0.1' }).expect(409);
    expect(ip.body.error).toMatchObject({ code: 'DUPLICATE_ENTRY', details: [{ field: 'ipAddress' }] });
    // two DHCP hosts do not clash
    await post({ hostname: 'pc03', macAddress: '00:11:22:33:44:58', ipAddress: null }).expect(201);
    await post({ hostname: 'pc04', macAddress: '00:11:22:33:44:59' }).expect(201);
    expect(await t.prisma.host.count()).toBe(3);
  });

  it('a unique index still answers 409 when two creates race', async () => {
    const body = { hostname: 'race', macAddress: '00:11:22:33:44:60' };
    const results = await Promise.all([post(body), post(body), post(body)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('DUPLICATE_ENTRY');
  });

  it('PATCH: ipAddress null switches to DHCP and back; rename; room and config set and cleared', async () => {
    const room = await mkRoom('r100');
    const config = await mkConfig('win11');
    const id = (await post({ hostname: 'pc01', macAddress: '00:11:22:33:44:55', ipAddress: '10.0.0.1' })).body.data.id;
    const patch = (body: object) => t.http.patch(`${PREFIX}/hosts/${id}`).set(op).send(body);
    expect((await patch({ ipAddress: null }).expect(200)).body.data.ipAddress).toBeNull();
    expect((await patch({ ipAddress: '10.0.0.2' }).expect(200)).body.data.ipAddress).toBe('10.0.0.2');
    const renamed = await patch({ hostname: 'PC99', roomId: room.id, configId: config.id }).expect(200);
    expect(renamed.body.data).toMatchObject({ hostname: 'pc99', room: 'r100', config: 'win11', ipAddress: '10.0.0.2' });
    const cleared = await patch({ roomId: null, configId: null }).expect(200);
    expect(cleared.body.data).toMatchObject({ roomId: null, room: null, configId: null, config: null });
    const nul = await patch({ hostname: null }).expect(400);
    expect(nul.body.error.details).toEqual([{ field: 'hostname', message: 'hostname must not be null' }]);
    const other = await post({ hostname: 'pc02', macAddress: '00:11:22:33:44:56', ipAddress: '10.0.0.3' });
    const clash = await patch({ ipAddress: '10.0.0.3' }).expect(409);
    expect(clash.body.error.message).toContain(other.body.data.hostname);
  });

  it('400 VALIDATION_ERROR naming roomId / configId that do not exist', async () => {
    const missing = '3f1c2a52-9a53-4d0b-8f5e-6a8f7d1b2c3d';
    const r = await post({ hostname: 'pc01', macAddress: '00:11:22:33:44:55', roomId: missing }).expect(400);
    expect(r.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'roomId' }] });
    const c = await post({ hostname: 'pc01', macAddress: '00:11:22:33:44:55', configId: missing }).expect(400);
    expect(c.body.error.details[0].field).toBe('configId');
    const u = await post({ hostname: 'pc01', macAddress: '00:11:22:33:44:55', roomId: 'r100' }).expect(400);
    expect(u.body.error.details[0].field).toBe('roomId');
    expect(await t.prisma.host.count()).toBe(0);
  });

  it('400 for unknown fields (whitelist) and for a malformed JSON body', async () => {
    const extra = await post({ hostname: 'pc01', macAddress: '00:11:22:33:44:55', owner: 'x' }).expect(400);
    expect(extra.body.error.code).toBe('VALIDATION_ERROR');
    expect(extra.body.error.message).toContain('owner');
    const broken = await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .set('Content-Type', 'application/json')
      .send('{"hostname": "pc01",')
      .expect(400);
    expect(broken.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('DELETE removes the host', async () => {
    const id = (await post({ hostname: 'pc01', macAddress: '00:11:22:33:44:55' })).body.data.id;
    const res = await t.http.delete(`${PREFIX}/hosts/${id}`).set(op).expect(200);
    expect(res.body.data).toEqual({ id, hostname: 'pc01', operationId: null });
    await t.http.get(`${PREFIX}/hosts/${id}`).set(op).expect(404);
  });

  describe('GET /hosts list', () => {
    beforeEach(async () => {
      const room = await mkRoom('r200');
      // created out of order so sorting is observable
      for (const [name, ip, mac] of [
        ['pc10', '10.0.0.10', '00:11:22:33:44:10'],
        ['pc02', '10.0.0.2', '00:11:22:33:44:02'],
        ['lab01', null, 'AA:BB:CC:00:00:01'],
        ['pc01', '10.0.0.1', '00:11:22:33:44:01'],
      ] as const) {
        await post({ hostname: name, ipAddress: ip, macAddress: mac, roomId: name === 'lab01' ? room.id : undefined });
      }
    });

    it('paginates with the envelope of DOMAIN.md §7', async () => {
      const res = await t.http.get(`${PREFIX}/hosts?page=2&limit=3`).set(viewer).expect(200);
      expect(res.body.pagination).toEqual({ page: 2, limit: 3, total: 4, pages: 2 });
      expect(res.body.data.map((h: { hostname: string }) => h.hostname)).toEqual(['pc10']);
      const first = await t.http.get(`${PREFIX}/hosts`).set(viewer).expect(200);
      expect(first.body.pagination).toEqual({ page: 1, limit: 20, total: 4, pages: 1 });
      expect(first.body.data.map((h: { hostname: string }) => h.hostname)).toEqual(['lab01', 'pc01', 'pc02', 'pc10']);
    });

    it.each([
      'limit=101',
      'limit=0',
      'page=0',
      'page=x',
      'sort=macAddress',
      'order=up',
      'provisionStatus=done',
      'roomId=x',
    ])('400 VALIDATION_ERROR for ?%s', async (qs) => {
      const res = await t.http.get(`${PREFIX}/hosts?${qs}`).set(viewer).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details[0].field).toBe(qs.split('=')[0]);
    });

    it('limit=100 is allowed', async () => {
      await t.http.get(`${PREFIX}/hosts?limit=100`).set(viewer).expect(200);
    });

    it('searches hostname, MAC and IP case-insensitively', async () => {
      const names = async (qs: string) =>
        (await t.http.get(`${PREFIX}/hosts?${qs}`).set(viewer).expect(200)).body.data.map(
          (h: { hostname: string }) => h.hostname,
        );
      expect(await names('search=LAB')).toEqual(['lab01']);
      expect(await names('search=aa:bb')).toEqual(['lab01']);
      expect(await names('search=10.0.0.1')).toEqual(['pc01', 'pc10']);
      // LIKE wildcards typed by a user are literal characters
      expect(await names('search=_')).toEqual([]);
      expect(await names('search=p_1')).toEqual([]);
      expect(await names('search=%25')).toEqual([]);
    });

    it('filters by roomId and provisionStatus', async () => {
      const room = await t.prisma.room.findFirstOrThrow({ where: { name: 'r200' } });
      const res = await t.http.get(`${PREFIX}/hosts?roomId=${room.id}`).set(viewer).expect(200);
      expect(res.body.data.map((h: { hostname: string }) => h.hostname)).toEqual(['lab01']);
      const none = await t.http.get(`${PREFIX}/hosts?provisionStatus=pending`).set(viewer).expect(200);
      expect(none.body.pagination.total).toBe(0);
    });

    it('a deep page read from the nearer end holds the rows the offset from the start gives', async () => {
      // DHCP hosts (NULL IPs) and equal creation times make the tail of each order matter
      for (const [name, ip] of [
        ['pc03', null],
        ['pc04', '10.0.0.4'],
        ['pc05', null],
      ] as const) {
        await post({ hostname: name, ipAddress: ip, macAddress: `00:11:22:33:45:${name.slice(-2)}` }).expect(201);
      }
      const hosts = t.app.get(HostsService);
      for (const sort of ['hostname', 'ipAddress', 'createdAt', 'updatedAt'] as const) {
        for (const order of ['asc', 'desc'] as const) {
          for (const limit of [1, 2, 3]) {
            for (let page = 1; page <= Math.ceil(7 / limit) + 1; page += 1) {
              const q = { page, limit, sort, order } as ListHostsQueryDto;
              // deepOffset 0: count first, then the window from the nearer end; Infinity: plain offset
              const deep = await hosts.list(q, 0);
              const plain = await hosts.list(q, Infinity);
              expect([sort, order, limit, page, deep]).toEqual([sort, order, limit, page, plain]);
              expect(deep.pagination.total).toBe(7);
            }
          }
        }
      }
      const last = await hosts.list({ page: 3, limit: 3, sort: 'hostname', order: 'asc' } as ListHostsQueryDto, 0);
      expect(last.data.map((h) => h.hostname)).toEqual(['pc10']);
    });

    it('sorts by ipAddress numerically (DHCP last) and by hostname desc', async () => {
      const ip = await t.http.get(`${PREFIX}/hosts?sort=ipAddress`).set(viewer).expect(200);
      expect(ip.body.data.map((h: { hostname: string }) => h.hostname)).toEqual(['pc01', 'pc02', 'pc10', 'lab01']);
      const ipDesc = await t.http.get(`${PREFIX}/hosts?sort=ipAddress&order=desc&limit=2`).set(viewer).expect(200);
      expect(ipDesc.body.data.map((h: { hostname: string }) => h.hostname)).toEqual(['lab01', 'pc10']);
      expect(ipDesc.body.pagination.total).toBe(4);
      const desc = await t.http.get(`${PREFIX}/hosts?sort=hostname&order=desc`).set(viewer).expect(200);
      expect(desc.body.data.map((h: { hostname: string }) => h.hostname)).toEqual(['pc10', 'pc02', 'pc01', 'lab01']);
      await t.http.get(`${PREFIX}/hosts?sort=createdAt&order=desc`).set(viewer).expect(200);
    });
  });
});

describe('hosts with provisioning on (DOMAIN.md §8: the job is written with the change)', () => {
  const t = useTestApp({ DC_PROVISIONING_ENABLED: 'true' });
  let op: Record<string, string>;

  beforeEach(async () => {
    op = await t.authHeader('operator');
  });

  const ops = () => t.prisma.operation.findMany({ orderBy: { createdAt: 'asc' } });

  it('create queues one create job and marks the host pending', async () => {
    const res = await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:55', ipAddress: '10.0.0.1' })
      .expect(201);
    const [job] = await ops();
    expect(job).toMatchObject({
      type: 'provision_host',
      action: 'create',
      targetHost: 'pc01',
      hostId: res.body.data.id,
    });
    expect(res.body.data).toMatchObject({ provisionStatus: 'pending', provisionOpId: job.id });
    expect(job.options).toMatchObject({ hostname: 'pc01', macAddress: '00:11:22:33:44:55', ipAddress: '10.0.0.1' });
    // the response is built without a re-read: it must match what GET shows (updatedAt aside, the
    // job bumps it a moment later)
    const got = await t.http.get(`${PREFIX}/hosts/${res.body.data.id}`).set(op).expect(200);
    expect({ ...got.body.data, updatedAt: null }).toEqual({ ...res.body.data, updatedAt: null });
  });

  it('PATCH without a devices.csv change queues nothing; a rename passes oldHostname', async () => {
    const id = (
      await t.http
        .post(`${PREFIX}/hosts`)
        .set(op)
        .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:55' })
        .expect(201)
    ).body.data.id;
    // the create job was applied on the DC (as the worker would report it)
    await t.prisma.operation.updateMany({
      data: { status: 'completed', options: { hostname: 'pc01', dryRun: false } },
    });
    await t.http.patch(`${PREFIX}/hosts/${id}`).set(op).send({ macAddress: '00-11-22-33-44-55' }).expect(200);
    expect(await t.prisma.operation.count()).toBe(1);
    const res = await t.http.patch(`${PREFIX}/hosts/${id}`).set(op).send({ hostname: 'pc02' }).expect(200);
    const list = await ops();
    expect(list).toHaveLength(2);
    expect(list[1]).toMatchObject({ action: 'update', targetHost: 'pc02' });
    expect(list[1].options).toMatchObject({ hostname: 'pc02', oldHostname: 'pc01' });
    expect(res.body.data.provisionOpId).toBe(list[1].id);
  });

  it('DELETE queues a delete job with the host as it was', async () => {
    const id = (
      await t.http
        .post(`${PREFIX}/hosts`)
        .set(op)
        .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:55', ipAddress: '10.0.0.9' })
        .expect(201)
    ).body.data.id;
    const res = await t.http.delete(`${PREFIX}/hosts/${id}`).set(op).expect(200);
    const del = (await ops()).find((o) => o.action === 'delete');
    expect(del).toBeDefined();
    expect(res.body.data.operationId).toBe(del?.id);
    expect(del?.options).toMatchObject({ hostname: 'pc01', ipAddress: '10.0.0.9', macAddress: '00:11:22:33:44:55' });
    expect(await t.prisma.host.count()).toBe(0);
  });

  it('emits host.created / host.updated / host.deleted with the host view after the commit', async () => {
    const events: ApiEvent[] = [];
    const unsubscribe = t.app.get(EventsService).subscribe((e) => events.push(e));
    try {
      const created = await t.http
        .post(`${PREFIX}/hosts`)
        .set(op)
        .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:55' })
        .expect(201);
      const id = created.body.data.id;
      const updated = await t.http.patch(`${PREFIX}/hosts/${id}`).set(op).send({ ipAddress: '10.0.0.5' }).expect(200);
      await t.http.patch(`${PREFIX}/hosts/${id}`).set(op).send({ ipAddress: 'x' }).expect(400);
      await t.http.delete(`${PREFIX}/hosts/${id}`).set(op).expect(200);
      const hostEvents = events.filter((e) => e.type.startsWith('host.'));
      expect(hostEvents.map((e) => e.type)).toEqual(['host.created', 'host.updated', 'host.deleted']);
      expect(hostEvents[0].data).toEqual(created.body.data);
      expect(hostEvents[1].data).toEqual(updated.body.data);
      expect(hostEvents[2].data).toMatchObject({ id, hostname: 'pc01', ipAddress: '10.0.0.5' });
      // every queued job is announced too (provision.job.created, DOMAIN.md §7)
      expect(events.filter((e) => e.type === 'provision.job.created')).toHaveLength(3);
    } finally {
      unsubscribe();
    }
  });

  it('a create racing a room rename waits for it and queues the new room name', async () => {
    const room = (await t.http.post(`${PREFIX}/rooms`).set(op).send({ name: 'old' }).expect(201)).body.data;
    const rename = new Client({ connectionString: TEST_DATABASE_URL });
    await rename.connect();
    try {
      await rename.query('BEGIN');
      await rename.query(`UPDATE rooms SET name = 'new' WHERE id = $1`, [room.id]);
      const pending = t.http
        .post(`${PREFIX}/hosts`)
        .set(op)
        .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:55', roomId: room.id });
      const sent = pending.then((r) => r); // start the request now
      // poll until the create is blocked on the room row lock, then let the rename commit
      let blocked = false;
      for (let i = 0; i < 500 && !blocked; i += 1) {
        // this client is inside its transaction, where pg_stat_activity is a frozen snapshot: refresh it
        await rename.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await rename.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'transactionid'`,
        );
        blocked = rows[0].n > 0;
        if (!blocked) await new Promise((r) => setTimeout(r, 10));
      }
      expect(blocked).toBe(true);
      await rename.query('COMMIT');
      const res = await sent;
      expect(res.status).toBe(201);
      expect(res.body.data.room).toBe('new');
      const job = await t.prisma.operation.findFirstOrThrow({ where: { hostId: res.body.data.id } });
      expect(job.options).toMatchObject({ room: 'new' });
    } finally {
      await rename.end();
    }
  });

  it('a refused change queues nothing (409 rolls the whole transaction back)', async () => {
    await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:55' })
      .expect(201);
    await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:56' })
      .expect(409);
    expect(await t.prisma.operation.count()).toBe(1);
  });
});
