import Papa from 'papaparse';

import { ExportService, HOSTS_SHEET_COLUMNS } from '../../../apps/api/src/import/export.service';
import { useTestApp } from './helpers/app';

const PREFIX = '/api/v1';

describe('GET /export/hosts (spreadsheet CSV, the one place papaparse is used)', () => {
  const t = useTestApp();

  it('lists every host with its state; commas, quotes, newlines survive and formulas are defused', async () => {
    const op = await t.authHeader('operator');
    const room = (await t.http.post(`${PREFIX}/rooms`).set(op).send({ name: 'r101' }).expect(201)).body.data;
    await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'pc02', macAddress: '00-11-22-33-44-02', ipAddress: null, roomId: room.id })
      .expect(201);
    const pc01 = (
      await t.http
        .post(`${PREFIX}/hosts`)
        .set(op)
        .send({ hostname: 'PC01', macAddress: '00:11:22:33:44:01', ipAddress: '10.0.101.1' })
        .expect(201)
    ).body.data;
    const nasty = 'VERIFY_FAILED: "A record", PTR missing\nsecond line';
    await t.prisma.host.update({ where: { id: pc01.id }, data: { provisionStatus: 'failed', provisionError: nasty } });
    await t.prisma.host.updateMany({
      where: { hostname: 'pc02' },
      data: { provisionStatus: 'failed', provisionError: '=HYPERLINK("x")' },
    });

    const res = await t.http
      .get(`${PREFIX}/export/hosts`)
      .set(await t.authHeader('viewer'))
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('hosts.csv');
    const parsed = Papa.parse<string[]>(res.text.trimEnd(), { newline: '\r\n' });
    expect(parsed.errors).toEqual([]);
    const [header, ...rows] = parsed.data;
    expect(header).toEqual([...HOSTS_SHEET_COLUMNS]);
    expect(rows.map((r) => r.slice(0, 9))).toEqual([
      ['pc01', '00:11:22:33:44:01', '10.0.101.1', '', '', 'classroom-studentcomputer', '0', 'failed', nasty],
      ['pc02', '00:11:22:33:44:02', 'DHCP', 'r101', '', 'classroom-studentcomputer', '0', 'failed', `'=HYPERLINK("x")`],
    ]);
    expect(Number.isNaN(Date.parse(rows[0][9]))).toBe(false);
  });

  it('streams in batches that add up to one unparse of every host, across schools with the same names', async () => {
    const admin = await t.authHeader('admin');
    const op = await t.authHeader('operator');
    const exporter = t.app.get(ExportService);
    const whole = async (school?: string, batch?: number) => {
      let text = '';
      const s = school === undefined ? undefined : await exporter.school(school);
      for await (const chunk of exporter.hostsSpreadsheetChunks(s, batch)) text += chunk;
      return text;
    };
    // no host at all: the header line and papaparse's empty line, in batches as in one
    expect(await whole(undefined, 2)).toBe(`${HOSTS_SHEET_COLUMNS.join(',')}\r\n\r\n`);
    for (const [i, name] of ['gsm', 'nord'].entries()) {
      await t.http.post(`${PREFIX}/schools`).set(admin).send({ name }).expect(201);
      const room = (await t.http.post(`${PREFIX}/rooms`).set(op).send({ name: 'r1', school: name }).expect(201)).body
        .data;
      // pc1…pc3 in both schools: batches of 2 end between two hosts of one name
      for (const n of [1, 2, 3]) {
        await t.http
          .post(`${PREFIX}/hosts`)
          .set(op)
          .send({ hostname: `pc${n}`, macAddress: `00:11:22:33:4${i}:0${n}`, roomId: room.id })
          .expect(201);
      }
    }
    const one = await whole(undefined, 1000);
    const rows = Papa.parse<string[]>(one.trimEnd(), { newline: '\r\n' }).data.slice(1);
    // both schools' hosts of a name, each once (the MAC tells the school)
    expect(new Set(rows.map((r) => r[1])).size).toBe(6);
    expect(rows.map((r) => r[0])).toEqual(['pc1', 'pc1', 'pc2', 'pc2', 'pc3', 'pc3']);
    for (const batch of [1, 2, 5]) expect(await whole(undefined, batch)).toBe(one);
    const gsm = await whole('gsm', 2);
    expect(
      Papa.parse<string[]>(gsm.trimEnd(), { newline: '\r\n' })
        .data.slice(1)
        .map((r) => r[0]),
    ).toEqual(['pc1', 'pc2', 'pc3']);
    const res = await t.http.get(`${PREFIX}/export/hosts`).set(op).expect(200);
    expect(res.text).toBe(one);
  });

  it('needs a login', async () => {
    const res = await t.http.get(`${PREFIX}/export/hosts`).expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });
});
