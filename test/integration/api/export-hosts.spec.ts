import Papa from 'papaparse';

import { HOSTS_SHEET_COLUMNS } from '../../../apps/api/src/import/export.service';
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

  it('needs a login', async () => {
    const res = await t.http.get(`${PREFIX}/export/hosts`).expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });
});
