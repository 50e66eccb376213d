import { Client } from 'pg';

import { parseDevicesCsv } from '@app/csv-merge';

import type { ApiEvent } from '../../../apps/api/src/events/event-types';
import { EventsService } from '../../../apps/api/src/events/events.service';
import { TEST_DATABASE_URL, useTestApp } from './helpers/app';

const PREFIX = '/api/v1';

/** n devices.csv lines over 4 rooms, half with a LINBO group, every 10th on DHCP. */
function devicesCsv(n: number): string {
  const lines = ['# room;host;group;mac;ip;office;windows;dhcp;role;;pxe;;;;comment'];
  for (let i = 1; i <= n; i += 1) {
    const room = `r${(i % 4) + 1}`;
    const mac = `00:16:3E:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
    const ip = i % 10 === 0 ? 'DHCP' : `10.0.${i % 4}.${(i % 250) + 1}`;
    const linbo = i % 2 === 0;
    lines.push(`${room};${room}-pc${i};${linbo ? 'win11' : 'nopxe'};${mac};${ip};;;;;;${linbo ? 1 : 0};;;;`);
  }
  return `${lines.join('\n')}\n`;
}

describe('POST /import/devices and GET /export/devices (DOMAIN.md §7)', () => {
  const t = useTestApp({ DC_PROVISIONING_ENABLED: 'true' });
  let op: Record<string, string>;
  let events: ApiEvent[];

  beforeAll(() => {
    t.app.get(EventsService).subscribe((e) => events.push(e));
  });
  beforeEach(async () => {
    op = await t.authHeader('operator');
    events = [];
  });

  const importCsv = (csv: string, qs = '') =>
    t.http.post(`${PREFIX}/import/devices${qs}`).set(op).set('Content-Type', 'text/csv').send(csv);

  it('imports 200 devices: 200 hosts, 200 jobs, rooms and configs on demand', async () => {
    // speed is proven by `npm run bench:api` (docs/BENCHMARKS.md), never by a timed test
    const res = await importCsv(devicesCsv(200)).expect(200);
    expect(res.body.data).toEqual({
      dryRun: false,
      created: 200,
      updated: 0,
      skipped: 0,
      failed: 0,
      errors: [],
      roomsCreated: ['r2', 'r3', 'r4', 'r1'],
      configsCreated: ['win11'],
      jobsQueued: 200,
    });
    expect(await t.prisma.host.count()).toBe(200);
    expect(await t.prisma.operation.count({ where: { action: 'create', status: 'pending' } })).toBe(200);
    expect(await t.prisma.host.count({ where: { provisionStatus: 'pending' } })).toBe(200);
    // nopxe with pxe 0 means "no config"; DHCP means a null IP
    const pc1 = await t.prisma.host.findFirstOrThrow({ where: { hostname: 'r2-pc1' }, include: { config: true } });
    expect(pc1).toMatchObject({ configId: null, pxeFlag: 0, ipAddress: '10.0.1.2' });
    const pc10 = await t.prisma.host.findFirstOrThrow({ where: { hostname: 'r3-pc10' }, include: { config: true } });
    expect(pc10).toMatchObject({ ipAddress: null, pxeFlag: 1, config: { name: 'win11' } });
    const done = events.filter((e) => e.type === 'import.completed');
    expect(done).toHaveLength(1);
    expect(done[0].data).toMatchObject({ created: 200, failed: 0 });
  });

  it('export → import reports 0 created / 0 updated; the export is a 15-column devices.csv', async () => {
    await importCsv(devicesCsv(40)).expect(200);
    // a host made through the API with pxe 1 and no config still round-trips (written as nopxe)
    await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'solo', macAddress: '00:16:3E:FF:00:01', pxeFlag: 2, role: 'printer' })
      .expect(201);
    const exported = await t.http.get(`${PREFIX}/export/devices`).set(op).expect(200);
    expect(exported.headers['content-type']).toMatch(/^text\/csv/);
    const text: string = exported.text;
    const parsed = parseDevicesCsv(text);
    expect(parsed.lines[0].kind).toBe('comment');
    const data = parsed.lines.filter((l) => l.kind === 'data');
    expect(data).toHaveLength(41);
    for (const line of data) expect(line.fields).toHaveLength(15);
    expect(data.find((l) => l.fields[1] === 'solo')?.raw).toBe(';solo;nopxe;00:16:3E:FF:00:01;DHCP;;;;printer;;2;;;;');

    const jobsBefore = await t.prisma.operation.count();
    const again = await importCsv(text).expect(200);
    expect(again.body.data).toMatchObject({ created: 0, updated: 0, skipped: 41, failed: 0, jobsQueued: 0 });
    expect(await t.prisma.operation.count()).toBe(jobsBefore);
  });

  it('dry run (query or JSON) reports what would happen and changes nothing', async () => {
    const csv = devicesCsv(10);
    const viaQuery = await importCsv(csv, '?dryRun=true').expect(200);
    expect(viaQuery.body.data).toMatchObject({ dryRun: true, created: 10, failed: 0, jobsQueued: 0 });
    expect(viaQuery.body.data.roomsCreated).toHaveLength(4);
    const viaJson = await t.http.post(`${PREFIX}/import/devices`).set(op).send({ csv, dryRun: true }).expect(200);
    expect(viaJson.body.data).toEqual(viaQuery.body.data);
    expect(await t.prisma.host.count()).toBe(0);
    expect(await t.prisma.room.count()).toBe(0);
    expect(await t.prisma.config.count()).toBe(0);
    expect(await t.prisma.operation.count()).toBe(0);
    expect(events.filter((e) => e.type === 'import.completed')).toHaveLength(0);
    await importCsv(csv, '?dryRun=maybe').expect(400);
  });

  it('skips comments and blanks, fails bad rows with their line, updates changed hosts, skips same ones', async () => {
    await importCsv(
      'r1;keep;win11;00:16:3E:00:00:01;10.0.0.1;;;;;;1;;;;\nr1;change;win11;00:16:3E:00:00:02;10.0.0.2;;;;;;1;;;;\n',
    ).expect(200);
    await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'apihost', macAddress: '00:16:3E:00:00:99' })
      .expect(201);
    const jobsBefore = await t.prisma.operation.count();
    const csv = [
      '# a comment', // 1
      '', // 2
      'r1;keep;win11;00:16:3E:00:00:01;10.0.0.1;;;;;;1;;;;', // 3 same → skipped
      'r1;CHANGE;win11;00-16-3e-00-00-02;10.0.0.22;;;;;;1;;;;', // 4 new IP → updated
      'r2;new1;nopxe;0016.3E00.0003;DHCP;;;;printer;;0;;;;\r', // 5 CRLF, Cisco MAC → created
      'r2;abcdefghijklmnop;win11;00:16:3E:00:00:04;10.0.0.4;;;;;;1;;;;', // 6 16 chars
      'r2;pc_5;win11;00:16:3E:00:00:05;10.0.0.5;;;;;;1;;;;', // 7 underscore
      'r2;pc6;win11;00:16:3E:00:00;10.0.0.6;;;;;;1;;;;', // 8 5-byte MAC
      'r2;pc7;win11;00:16:3E:00:00:07;10.0.0.256;;;;;;1;;;;', // 9 IP octet
      'r2;pc8;win11;00:16:3E:00:00:08;10.0.0.8;;;;computer;;1;;;;', // 10 role
      'r2;pc9;win11;00:16:3E:00:00:09;10.0.0.9;;;;;;;;;;', // 11 empty pxe
      'r2;pc10;win11;00:16:3E:00:00:03;10.0.0.10;;;;;;1;;;;', // 12 MAC of line 5
      'r2;pc11;win11;00:16:3E:00:00:99;10.0.0.11;;;;;;1;;;;', // 13 MAC of apihost in the database
      ' #x;pc12;win11;00:16:3E:00:00:12;10.0.0.12;;;;;;1;;;;', // 14 leading space: data, bad room
      '   ', // 15 blank
      'r2;pc13;win11;00:16:3E:00:00:13;10.0.0.13;;;;;;1', // 16 short line, ok → created
    ].join('\n');
    const res = await importCsv(csv).expect(200);
    const summary = res.body.data;
    expect(summary).toMatchObject({ created: 2, updated: 1, skipped: 1, failed: 9, jobsQueued: 3 });
    expect(summary.errors.map((e: { line: number }) => e.line)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14]);
    const message = (line: number) => summary.errors.find((e: { line: number }) => e.line === line).message as string;
    expect(message(6)).toMatch(/at most 15 characters/);
    expect(message(7)).toMatch(/_/);
    expect(message(13)).toMatch(/already used by host apihost/);
    expect(message(12)).toMatch(/00:16:3E:00:00:03/);
    const changed = await t.prisma.host.findFirstOrThrow({ where: { hostname: 'change' } });
    expect(changed.ipAddress).toBe('10.0.0.22');
    const new1 = await t.prisma.host.findFirstOrThrow({ where: { hostname: 'new1' } });
    expect(new1).toMatchObject({ macAddress: '00:16:3E:00:00:03', ipAddress: null, role: 'printer', configId: null });
    expect(await t.prisma.operation.count()).toBe(jobsBefore + 3);
    // the newest job of the changed host carries the new data and supersedes the queued one (DOMAIN.md §8)
    const jobs = await t.prisma.operation.findMany({ where: { hostId: changed.id }, orderBy: { createdAt: 'asc' } });
    expect(jobs.map((j) => j.status)).toEqual(['cancelled', 'pending']);
    expect(jobs[1].options).toMatchObject({ hostname: 'change', ipAddress: '10.0.0.22' });
    expect(changed.provisionOpId).toBe(jobs[1].id);
  });

  it('a row taken by a concurrent request fails alone: the chunk is replayed row by row', async () => {
    const other = new Client({ connectionString: TEST_DATABASE_URL });
    await other.connect();
    try {
      // another request is creating r3-pc2 right now (uncommitted, so the import's plan cannot see it)
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO hosts (id, hostname, mac_address, updated_at) VALUES (gen_random_uuid(), 'r3-pc2', '02:00:00:00:00:01', now())`,
      );
      const sent = importCsv(devicesCsv(5)).then((r) => r);
      let blocked = false;
      for (let i = 0; i < 500 && !blocked; i += 1) {
        // this client is inside its transaction, where pg_stat_activity is a frozen snapshot: refresh it
        await other.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await other.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'transactionid'`,
        );
        blocked = rows[0].n > 0;
        if (!blocked) await new Promise((r) => setTimeout(r, 10));
      }
      // on failure, show what the database was doing
      const activity = blocked
        ? []
        : (
            await other.query(
              `SELECT state, wait_event_type, wait_event, left(query, 80) AS query FROM pg_stat_activity
                WHERE datname = current_database()`,
            )
          ).rows;
      expect({ blocked, activity }).toEqual({ blocked: true, activity: [] });
      await other.query('COMMIT');
      const res = await sent;
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ created: 4, failed: 1, jobsQueued: 4 });
      expect(res.body.data.errors).toEqual([
        { line: 3, message: expect.stringContaining('r3-pc2') as unknown as string },
      ]);
      expect(await t.prisma.host.count()).toBe(5);
      expect(await t.prisma.operation.count()).toBe(4);
    } finally {
      await other.end();
    }
  });

  it('accepts text/plain and JSON; 415 for other types; 400 for a bad JSON body; viewer 403', async () => {
    const csv = 'r1;pc1;win11;00:16:3E:00:00:01;10.0.0.1;;;;;;1;;;;\n';
    const plain = await t.http
      .post(`${PREFIX}/import/devices?dryRun=true`)
      .set(op)
      .set('Content-Type', 'text/plain')
      .send(csv)
      .expect(200);
    expect(plain.body.data.created).toBe(1);
    const xml = await t.http
      .post(`${PREFIX}/import/devices`)
      .set(op)
      .set('Content-Type', 'application/xml')
      .send('<x/>')
      .expect(415);
    expect(xml.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const noCsv = await t.http.post(`${PREFIX}/import/devices`).set(op).send({ text: csv }).expect(400);
    expect(noCsv.body.error.code).toBe('VALIDATION_ERROR');
    await t.http.post(`${PREFIX}/import/devices`).set(op).send({ csv: 42 }).expect(400);
    const viewer = await t.authHeader('viewer');
    await t.http.post(`${PREFIX}/import/devices`).set(viewer).send({ csv }).expect(403);
    await t.http.get(`${PREFIX}/export/devices`).set(viewer).expect(200);
    await t.http.get(`${PREFIX}/export/devices`).expect(401);
    expect(await t.prisma.host.count()).toBe(0);
  });
});
