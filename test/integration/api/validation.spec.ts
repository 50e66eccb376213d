import { useTestApp } from './helpers/app';

const PREFIX = '/api/v1';

/**
 * DOMAIN.md §11 scenario 12: bad input is a 400 with a clear message naming the field, and nothing
 * is queued — run with provisioning ON so a leaked job would show up in `operations`.
 */
describe('input validation (DOMAIN.md §6, §11 scenario 12)', () => {
  const t = useTestApp({ DC_PROVISIONING_ENABLED: 'true' }, { reset: false });
  let op: Record<string, string>;

  beforeAll(async () => {
    await t.resetDb();
    op = await t.authHeader('operator');
  });

  const good = { hostname: 'pc01', macAddress: '00:11:22:33:44:55', ipAddress: '10.0.0.1' };

  async function expectRejected(path: string, body: object, field: string, message: RegExp): Promise<void> {
    const res = await t.http.post(`${PREFIX}${path}`).set(op).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.message).toMatch(message);
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(await t.prisma.operation.count()).toBe(0);
    expect(await t.prisma.host.count()).toBe(0);
  }

  it.each([
    ['a 16-character hostname', { hostname: 'abcdefghijklmnop' }, 'hostname', /hostname must be at most 15 characters/],
    ['an underscore in the hostname', { hostname: 'pc_01' }, 'hostname', /hostname must not contain '_'/],
    ['a semicolon in the hostname', { hostname: 'pc;01' }, 'hostname', /hostname must not contain ';'/],
    ['a space in the hostname', { hostname: 'pc 01' }, 'hostname', /hostname must not contain a space/],
    ['a leading dash', { hostname: '-pc01' }, 'hostname', /must not start or end with '-'/],
    ['a trailing dash', { hostname: 'pc01-' }, 'hostname', /must not start or end with '-'/],
    ['an empty hostname', { hostname: '' }, 'hostname', /hostname must not be empty/],
    ['a 5-byte MAC', { macAddress: '00:11:22:33:44' }, 'macAddress', /macAddress must be a MAC address/],
    ['a MAC with bad hex', { macAddress: '00:11:22:33:44:GG' }, 'macAddress', /macAddress must be a MAC address/],
    ['octet 256', { ipAddress: '10.0.0.256' }, 'ipAddress', /octet 256 is greater than 255/],
    ['three octets', { ipAddress: '10.0.1' }, 'ipAddress', /ipAddress must be an IPv4 address/],
    ['a leading zero', { ipAddress: '10.0.0.01' }, 'ipAddress', /plain decimal number/],
    ['a broadcast address', { ipAddress: '10.0.0.255' }, 'ipAddress', /must not end in \.0 or \.255/],
    ['a network address', { ipAddress: '10.0.0.0' }, 'ipAddress', /must not end in \.0 or \.255/],
    ['the DHCP literal', { ipAddress: 'DHCP' }, 'ipAddress', /null means DHCP/],
    ['an unknown role', { role: 'computer' }, 'role', /role must be one of/],
    ['pxe flag 4', { pxeFlag: 4 }, 'pxeFlag', /pxeFlag must be an integer 0–3/],
    ['pxe flag as a string', { pxeFlag: '1' }, 'pxeFlag', /pxeFlag must be an integer 0–3/],
  ])('POST /hosts with %s → 400 naming the field', async (_case, patch, field, message) => {
    await expectRejected('/hosts', { ...good, ...patch }, field, message);
  });

  it('names every bad field at once', async () => {
    const res = await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'pc_01', macAddress: 'x', ipAddress: '10.0.0.256' })
      .expect(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'hostname',
      'ipAddress',
      'macAddress',
    ]);
  });

  it('missing required fields → 400', async () => {
    await expectRejected('/hosts', {}, 'hostname', /hostname/);
  });

  it.each([
    ['a semicolon', 'r1;00', /name must not contain ';'/],
    ['a newline', 'r100\nx', /name must not contain a newline/],
    ['a space', 'r 100', /name must not contain a space/],
    ['an underscore', 'r_100', /name must not contain '_'/],
    ['33 characters', 'r'.repeat(33), /at most 32 characters/],
  ])('POST /rooms with %s → 400', async (_case, name, message) => {
    await expectRejected('/rooms', { name }, 'name', message);
    expect(await t.prisma.room.count()).toBe(0);
  });

  it.each([
    ['a semicolon', 'win;11', /name must not contain ';'/],
    ['a newline', 'win11\n', /name must not contain a newline/],
    ['65 characters', 'c'.repeat(65), /at most 64 characters/],
    ['the reserved nopxe', 'NoPxe', /reserved/],
  ])('POST /configs with %s → 400', async (_case, name, message) => {
    await expectRejected('/configs', { name }, 'name', message);
    expect(await t.prisma.config.count()).toBe(0);
  });

  it('underscores are allowed in config names but not in room names', async () => {
    await t.http.post(`${PREFIX}/configs`).set(op).send({ name: 'win_11-pro' }).expect(201);
    await t.http.post(`${PREFIX}/rooms`).set(op).send({ name: 'r_1' }).expect(400);
    await t.prisma.config.deleteMany();
  });

  it('PATCH /hosts/:id with a bad value → 400 and no job', async () => {
    await t.http.post(`${PREFIX}/hosts`).set(op).send(good).expect(201);
    const host = await t.prisma.host.findFirstOrThrow();
    const before = await t.prisma.operation.count();
    const res = await t.http.patch(`${PREFIX}/hosts/${host.id}`).set(op).send({ ipAddress: '10.0.0.256' }).expect(400);
    expect(res.body.error.details[0].field).toBe('ipAddress');
    expect(await t.prisma.operation.count()).toBe(before);
    expect((await t.prisma.host.findUniqueOrThrow({ where: { id: host.id } })).ipAddress).toBe('10.0.0.1');
    await t.resetDb();
    op = await t.authHeader('operator');
  });

  it('413 PAYLOAD_TOO_LARGE above the 5 MB body limit', async () => {
    const res = await t.http
      .post(`${PREFIX}/import/devices`)
      .set(op)
      .set('Content-Type', 'text/csv')
      .send('#'.repeat(5 * 1024 * 1024 + 10))
      .expect(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('404 NOT_FOUND envelope for an unknown route', async () => {
    const res = await t.http.get(`${PREFIX}/nothing-here`).set(op).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
