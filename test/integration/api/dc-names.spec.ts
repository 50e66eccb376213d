/**
 * The name a host gets on the DC (DOMAIN.md §2 "school prefixes"): in a non-default school it is
 * `S-hostname`, and the computer account name must fit the NetBIOS limit of 15 characters. Every
 * route where that name can change refuses a name that does not fit with 400 DC_NAME_TOO_LONG and
 * changes nothing (no host row, no operation).
 */
import { useTestApp } from './helpers/app';

const PREFIX = '/api/v1';

describe('S-hostname must fit the NetBIOS limit (DC_NAME_TOO_LONG)', () => {
  const t = useTestApp({ DC_PROVISIONING_ENABLED: 'true', OUTBOX_POLL_MS: '600000' });
  /** POST /import/devices as text/csv; answers 200 with the summary in body.data */
  const importCsv = (auth: Record<string, string>, query: string, csv: string) =>
    t.http.post(`${PREFIX}/import/devices${query}`).set(auth).type('text/csv').send(csv).expect(200);

  // `north` + '-' leaves 9 characters for a hostname
  const setUp = async () => {
    const admin = await t.authHeader('admin');
    const op = await t.authHeader('operator');
    await t.http.post(`${PREFIX}/schools`).set(admin).send({ name: 'north' }).expect(201);
    const room = (await t.http.post(`${PREFIX}/rooms`).set(op).send({ name: 'r1', school: 'north' }).expect(201)).body
      .data;
    return { admin, op, room };
  };
  const counts = async () => ({ hosts: await t.prisma.host.count(), operations: await t.prisma.operation.count() });

  it('creating a host: 9 characters fit in north, 10 do not; default-school has no prefix', async () => {
    const { op, room } = await setUp();
    await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'abcdefghi', macAddress: '00:11:22:33:44:01', roomId: room.id })
      .expect(201);
    const before = await counts();
    const res = await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'ABCDEFGHIJ', macAddress: '00:11:22:33:44:02', roomId: room.id })
      .expect(400);
    expect(res.body.error).toMatchObject({
      code: 'DC_NAME_TOO_LONG',
      details: { field: 'hostname', dcName: 'north-abcdefghij', length: 16, max: 15 },
    });
    expect(res.body.error.message).toContain('north-abcdefghij');
    expect(res.body.error.message).toContain('16 characters');
    expect(res.body.error.message).toContain('at most 9');
    expect(await counts()).toEqual(before);
    // the same name without a room lands in default-school, whose names carry no prefix
    await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'abcdefghij', macAddress: '00:11:22:33:44:02' })
      .expect(201);
  });

  it('renaming a host or moving it into a school with a prefix is refused when it would not fit', async () => {
    const { op, room } = await setUp();
    const inNorth = (
      await t.http
        .post(`${PREFIX}/hosts`)
        .set(op)
        .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:01', roomId: room.id })
        .expect(201)
    ).body.data;
    const plain = (
      await t.http
        .post(`${PREFIX}/hosts`)
        .set(op)
        .send({ hostname: 'abcdefghij', macAddress: '00:11:22:33:44:02' })
        .expect(201)
    ).body.data;
    const before = await counts();

    const rename = await t.http
      .patch(`${PREFIX}/hosts/${inNorth.id}`)
      .set(op)
      .send({ hostname: 'pc0123456789' })
      .expect(400);
    expect(rename.body.error).toMatchObject({ code: 'DC_NAME_TOO_LONG', details: { dcName: 'north-pc0123456789' } });

    const move = await t.http.patch(`${PREFIX}/hosts/${plain.id}`).set(op).send({ roomId: room.id }).expect(400);
    expect(move.body.error).toMatchObject({
      code: 'DC_NAME_TOO_LONG',
      details: { dcName: 'north-abcdefghij', length: 16 },
    });

    expect(await counts()).toEqual(before);
    const unchanged = await t.prisma.host.findUniqueOrThrow({ where: { id: plain.id }, include: { school: true } });
    expect(unchanged).toMatchObject({ roomId: null, provisionOpId: plain.provisionOpId });
    expect(unchanged.school.name).toBe('default-school');
    expect((await t.prisma.host.findUniqueOrThrow({ where: { id: inNorth.id } })).hostname).toBe('pc01');

    // a name that fits moves and renames as before
    await t.http.patch(`${PREFIX}/hosts/${plain.id}`).set(op).send({ hostname: 'pc02', roomId: room.id }).expect(200);
    await t.http.patch(`${PREFIX}/hosts/${inNorth.id}`).set(op).send({ hostname: 'abcdefghi' }).expect(200);
  });

  it('a host that already does not fit can still be edited when its DC name stays the same', async () => {
    const { op, room } = await setUp();
    const school = await t.prisma.school.findUniqueOrThrow({ where: { name: 'north' } });
    // written past the API, as a database from before the rule could hold it
    const legacy = await t.prisma.host.create({
      data: {
        hostname: 'legacy-pc-0001',
        macAddress: '00:11:22:33:44:09',
        roomId: room.id,
        schoolId: school.id,
        dcId: school.dcId,
        role: 'classroom-studentcomputer',
        pxeFlag: 0,
      },
    });
    await t.http.patch(`${PREFIX}/hosts/${legacy.id}`).set(op).send({ macAddress: '00:11:22:33:44:0a' }).expect(200);
    // re-importing its line is not a new name either
    const csv = 'r1;legacy-pc-0001;nopxe;00:11:22:33:44:0A;DHCP;;;;classroom-studentcomputer;;0;;;;;\n';
    const res = await importCsv(op, '?school=north', csv);
    expect(res.body.data).toMatchObject({ failed: 0, skipped: 1 });
  });

  it('import: a new host whose S-hostname does not fit fails on its line; the other lines go on', async () => {
    const { op } = await setUp();
    const csv = [
      '# devices.csv of north',
      'r1;pc01;nopxe;00:11:22:33:44:01;DHCP;;;;classroom-studentcomputer;;0;;;;;',
      'r1;abcdefghij;nopxe;00:11:22:33:44:02;DHCP;;;;classroom-studentcomputer;;0;;;;;',
      'r1;abcdefghi;nopxe;00:11:22:33:44:03;DHCP;;;;classroom-studentcomputer;;0;;;;;',
      '',
    ].join('\n');
    const dry = await importCsv(op, '?school=north&dryRun=true', csv);
    expect(dry.body.data).toMatchObject({ created: 2, failed: 1 });
    expect(await t.prisma.host.count()).toBe(0);

    const res = await importCsv(op, '?school=north', csv);
    expect(res.body.data).toMatchObject({ created: 2, failed: 1, jobsQueued: 2 });
    expect(res.body.data.errors).toEqual([{ line: 3, message: expect.stringContaining('north-abcdefghij') }]);
    expect(res.body.data.errors[0].message).toContain('16 characters');
    const names = (await t.prisma.host.findMany({ orderBy: { hostname: 'asc' } })).map((h) => h.hostname);
    expect(names).toEqual(['abcdefghi', 'pc01']);

    // the same file into default-school (its own MACs): no prefix, every line fits
    const plain = csv.replace(/00:11:22:33:44:/g, '00:11:22:33:55:');
    const intoDefault = await t.http.post(`${PREFIX}/import/devices`).set(op).type('text/csv').send(plain).expect(200);
    expect(intoDefault.body.data).toMatchObject({ created: 3, failed: 0 });
  });

  it('a new school whose prefix leaves no room for a hostname is refused (names never change)', async () => {
    const admin = await t.authHeader('admin');
    const long = await t.http.post(`${PREFIX}/schools`).set(admin).send({ name: 'abcdefghijklmn' }).expect(400);
    expect(long.body.error).toMatchObject({ code: 'DC_NAME_TOO_LONG', details: { field: 'name', length: 14 } });
    expect(long.body.error.message).toContain('at most 13');
    expect(await t.prisma.school.count({ where: { name: 'abcdefghijklmn' } })).toBe(0);
    // 13 characters leave one for a hostname
    await t.http.post(`${PREFIX}/schools`).set(admin).send({ name: 'abcdefghijklm' }).expect(201);
    const op = await t.authHeader('operator');
    const room = (
      await t.http.post(`${PREFIX}/rooms`).set(op).send({ name: 'r1', school: 'abcdefghijklm' }).expect(201)
    ).body.data;
    await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'a', macAddress: '00:11:22:33:44:01', roomId: room.id })
      .expect(201);
    const two = await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'ab', macAddress: '00:11:22:33:44:02', roomId: room.id })
      .expect(400);
    expect(two.body.error.code).toBe('DC_NAME_TOO_LONG');
    // a PATCH of the school cannot change its name at all
    const s = await t.prisma.school.findUniqueOrThrow({ where: { name: 'abcdefghijklm' } });
    const rename = await t.http.patch(`${PREFIX}/schools/${s.id}`).set(admin).send({ name: 'x' }).expect(400);
    expect(rename.body.error.code).toBe('VALIDATION_ERROR');
  });
});
