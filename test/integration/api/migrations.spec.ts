/**
 * The SQL migrations and prisma/schema.prisma describe the same database (the schema engine that
 * would diff them cannot be installed here, see scripts/db-migrate.js): a fresh database is
 * migrated with our runner, compared column by column with the schema, every model round-trips
 * through the generated client, and the CHECK constraints of DOMAIN.md §6 refuse bad rows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';

import { PrismaClient } from '../../../apps/api/src/generated/prisma/client';
import { pgUrl, testDbName } from '../../setup/services';

const { ensureDatabase, migrate } = require('../../../scripts/db-migrate.js') as {
  ensureDatabase(url: string): Promise<void>;
  migrate(url: string, log?: (line: string) => void): Promise<number>;
};

jest.setTimeout(60_000);

const DB_NAME = testDbName('linbo_test_api_migrations');
const URL = pgUrl('linbo_test_api_migrations');
const ROOT = join(__dirname, '..', '..', '..');

interface SchemaField {
  name: string;
  column: string;
  type: string;
  optional: boolean;
  unique: boolean;
  varchar?: number;
}
interface SchemaModel {
  name: string;
  table: string;
  fields: SchemaField[];
  indexes: string[][];
}

/** A small reader for the parts of schema.prisma that become DDL (models, scalar fields, enums). */
function readSchema(): { models: SchemaModel[]; enums: Map<string, string[]> } {
  const lines = readFileSync(join(ROOT, 'prisma', 'schema.prisma'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/\/\/.*$/, '').trim());
  // blocks end at a line that is just "}" (a default like @default("{}") must not end them)
  const blocks: Array<{ kind: string; name: string; body: string[] }> = [];
  let current: { kind: string; name: string; body: string[] } | undefined;
  for (const line of lines) {
    const start = /^(model|enum)\s+(\w+)\s*\{$/.exec(line);
    if (start) current = { kind: start[1], name: start[2], body: [] };
    else if (line === '}' && current) {
      blocks.push(current);
      current = undefined;
    } else if (current && line) current.body.push(line);
  }
  const enums = new Map<string, string[]>();
  for (const b of blocks.filter((x) => x.kind === 'enum')) enums.set(b.name, b.body);
  const modelNames = new Set(blocks.filter((b) => b.kind === 'model').map((b) => b.name));
  const models: SchemaModel[] = [];
  for (const b of blocks.filter((x) => x.kind === 'model')) {
    const table = b.body.map((l) => /^@@map\("([^"]+)"\)/.exec(l)?.[1]).find(Boolean) ?? b.name;
    const fields: SchemaField[] = [];
    const indexes: string[][] = [];
    for (const line of b.body) {
      const idx = /^@@(?:index|unique)\(\[([^\]]+)\]/.exec(line);
      if (idx) indexes.push(idx[1].split(',').map((x) => x.trim()));
      const f = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!f) continue;
      const [, name, type, list, optional, attrs] = f;
      if (list || modelNames.has(type)) continue; // relation fields have no column
      const varchar = /@db\.VarChar\((\d+)\)/.exec(attrs);
      fields.push({
        name,
        column: /@map\("([^"]+)"\)/.exec(attrs)?.[1] ?? name,
        type,
        optional: optional === '?',
        unique: /@unique\b/.test(attrs),
        varchar: varchar ? Number(varchar[1]) : undefined,
      });
    }
    models.push({ name: b.name, table, fields, indexes });
  }
  return { models, enums };
}

const PG_TYPE: Record<string, string[]> = {
  String: ['uuid', 'varchar', 'text'],
  Int: ['int2', 'int4'],
  BigInt: ['int8'],
  DateTime: ['timestamptz'],
  Json: ['jsonb'],
  Boolean: ['bool'],
};

describe('migrations match prisma/schema.prisma', () => {
  let pg: Client;
  let prisma: PrismaClient;
  const schema = readSchema();

  beforeAll(async () => {
    const admin = new Client({ connectionString: pgUrl('postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${DB_NAME}" WITH (FORCE)`);
    await admin.end();
    await ensureDatabase(URL);
    pg = new Client({ connectionString: URL });
    await pg.connect();
    prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: URL }) });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await pg?.end();
  });

  it('a fresh database gets every migration once; a second run applies nothing', async () => {
    const folders = readdirSync(join(ROOT, 'prisma', 'migrations'), { withFileTypes: true }).filter((d) =>
      d.isDirectory(),
    );
    expect(await migrate(URL, () => undefined)).toBe(folders.length);
    expect(await migrate(URL, () => undefined)).toBe(0);
    const { rows } = await pg.query('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL');
    expect(rows.map((r) => r.migration_name).sort()).toEqual(folders.map((d) => d.name).sort());
  });

  it('the schema reader sees every model', () => {
    expect(schema.models.map((m) => m.name).sort()).toEqual([
      'Config',
      'Dc',
      'Host',
      'Operation',
      'Room',
      'School',
      'User',
      'WorkerKey',
    ]);
  });

  it('every model field has its column with the same type, nullability and length; no extra columns', async () => {
    for (const model of schema.models) {
      const { rows } = await pg.query(
        `SELECT column_name, is_nullable, udt_name, character_maximum_length
           FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [model.table],
      );
      const columns = new Map(rows.map((r) => [r.column_name as string, r]));
      expect([...columns.keys()].sort()).toEqual(model.fields.map((f) => f.column).sort());
      for (const field of model.fields) {
        const col = columns.get(field.column);
        const where = `${model.name}.${field.name}`;
        expect({ where, nullable: col.is_nullable === 'YES' }).toEqual({ where, nullable: field.optional });
        const expected = schema.enums.has(field.type) ? [field.type] : PG_TYPE[field.type];
        expect({ where, ok: expected?.includes(col.udt_name) }).toEqual({ where, ok: true });
        if (field.varchar !== undefined) {
          expect({ where, length: col.character_maximum_length }).toEqual({ where, length: field.varchar });
        }
      }
    }
  });

  it('enums carry the same values; @unique and @@index have their indexes', async () => {
    for (const [name, values] of schema.enums) {
      const { rows } = await pg.query(
        `SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = $1 ORDER BY e.enumsortorder`,
        [name],
      );
      expect({ name, values: rows.map((r) => r.enumlabel) }).toEqual({ name, values });
    }
    const { rows } = await pg.query(
      `SELECT t.relname AS table, i.indisunique AS unique,
              array_agg(a.attname::text ORDER BY array_position(i.indkey, a.attnum)) AS columns
         FROM pg_index i
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)
        WHERE t.relnamespace = 'public'::regnamespace
        GROUP BY t.relname, i.indexrelid, i.indisunique`,
    );
    const has = (table: string, columns: string[], unique: boolean) =>
      rows.some(
        (r) => r.table === table && (!unique || r.unique) && (r.columns as string[]).join(',') === columns.join(','),
      );
    for (const model of schema.models) {
      for (const f of model.fields.filter((x) => x.unique)) {
        expect({ index: `${model.table}(${f.column}) unique`, ok: has(model.table, [f.column], true) }).toEqual({
          index: `${model.table}(${f.column}) unique`,
          ok: true,
        });
      }
      for (const idx of model.indexes) {
        const columns = idx.map((name) => model.fields.find((f) => f.name === name)?.column ?? name);
        expect({ index: `${model.table}(${columns})`, ok: has(model.table, columns, false) }).toEqual({
          index: `${model.table}(${columns})`,
          ok: true,
        });
      }
    }
  });

  it('every model round-trips through the generated client', async () => {
    const user = await prisma.user.create({ data: { username: 'mig-admin', passwordHash: 'x', role: 'admin' } });
    expect(await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toEqual(user);
    const room = await prisma.room.create({ data: { name: 'r100', description: 'first floor' } });
    const config = await prisma.config.create({ data: { name: 'win11_pro' } });
    const host = await prisma.host.create({
      data: {
        hostname: 'r100-pc01',
        macAddress: '00:11:22:33:44:55',
        ipAddress: '10.0.100.1',
        roomId: room.id,
        configId: config.id,
        pxeFlag: 1,
        provisionStatus: 'pending',
      },
    });
    expect(host).toMatchObject({ role: 'classroom-studentcomputer', provisionError: null });
    const read = await prisma.host.findUniqueOrThrow({ where: { id: host.id }, include: { room: true, config: true } });
    expect(read).toMatchObject({ ...host, room, config });
    const op = await prisma.operation.create({
      data: {
        type: 'provision_host',
        action: 'create',
        targetHost: host.hostname,
        hostId: host.id,
        options: { hostname: 'r100-pc01', dryRun: true, nested: { list: [1, 2] } },
        result: { merged: 1 },
      },
    });
    expect(await prisma.operation.findUniqueOrThrow({ where: { id: op.id } })).toEqual(op);
    expect(op).toMatchObject({ status: 'pending', attempt: 0, school: 'default-school', publishedAt: null });
    expect(typeof op.seq).toBe('bigint');
    const second = await prisma.operation.create({
      data: { type: 'macct_repair', action: 'repair', targetHost: 'r100-pc01' },
    });
    expect(second.seq > op.seq).toBe(true);
    // a room with hosts cannot be deleted (ON DELETE RESTRICT)
    await expect(prisma.room.delete({ where: { id: room.id } })).rejects.toMatchObject({ code: 'P2003' });
  });

  // 23514 = check_violation; 22001 = string too long for the VARCHAR (the length half of the rule)
  it.each([
    [
      'an upper-case hostname',
      `INSERT INTO hosts (id, hostname, mac_address, updated_at) VALUES (gen_random_uuid(), 'PC01', '00:11:22:33:44:01', now())`,
    ],
    [
      'a 16-character hostname',
      `INSERT INTO hosts (id, hostname, mac_address, updated_at) VALUES (gen_random_uuid(), 'abcdefghijklmnop', '00:11:22:33:44:02', now())`,
    ],
    [
      'an underscore in a hostname',
      `INSERT INTO hosts (id, hostname, mac_address, updated_at) VALUES (gen_random_uuid(), 'pc_01', '00:11:22:33:44:03', now())`,
    ],
    [
      'a trailing dash',
      `INSERT INTO hosts (id, hostname, mac_address, updated_at) VALUES (gen_random_uuid(), 'pc01-', '00:11:22:33:44:04', now())`,
    ],
    [
      'a non-normalised MAC',
      `INSERT INTO hosts (id, hostname, mac_address, updated_at) VALUES (gen_random_uuid(), 'pc05', '00-11-22-33-44-05', now())`,
    ],
    [
      'a lower-case MAC',
      `INSERT INTO hosts (id, hostname, mac_address, updated_at) VALUES (gen_random_uuid(), 'pc06', 'aa:11:22:33:44:06', now())`,
    ],
    [
      'a non-IPv4 address',
      `INSERT INTO hosts (id, hostname, mac_address, ip_address, updated_at) VALUES (gen_random_uuid(), 'pc07', '00:11:22:33:44:07', 'DHCP', now())`,
    ],
    [
      'pxe flag 4',
      `INSERT INTO hosts (id, hostname, mac_address, pxe_flag, updated_at) VALUES (gen_random_uuid(), 'pc08', '00:11:22:33:44:08', 4, now())`,
    ],
    ['a ; in a room name', `INSERT INTO rooms (id, name, updated_at) VALUES (gen_random_uuid(), 'r1;0', now())`],
    [
      'a newline in a room name',
      `INSERT INTO rooms (id, name, updated_at) VALUES (gen_random_uuid(), E'r1\\n0', now())`,
    ],
    [
      'an underscore in a room name',
      `INSERT INTO rooms (id, name, updated_at) VALUES (gen_random_uuid(), 'r_1', now())`,
    ],
    [
      'a space in a config name',
      `INSERT INTO configs (id, name, updated_at) VALUES (gen_random_uuid(), 'win 11', now())`,
    ],
    ['an empty config name', `INSERT INTO configs (id, name, updated_at) VALUES (gen_random_uuid(), '', now())`],
    [
      'an unknown operation action',
      `INSERT INTO operations (id, type, action, target_host, updated_at) VALUES (gen_random_uuid(), 'provision_host', 'rename', 'pc01', now())`,
    ],
  ])('the database refuses %s', async (_case, sql) => {
    const code = /abcdefghijklmnop/.test(sql) ? '22001' : '23514';
    await expect(pg.query(sql)).rejects.toMatchObject({ code });
  });

  it('the same rows with good values are accepted', async () => {
    await pg.query(
      `INSERT INTO hosts (id, hostname, mac_address, ip_address, pxe_flag, updated_at)
       VALUES (gen_random_uuid(), 'pc-9', 'AA:BB:CC:DD:EE:FF', '10.0.0.9', 3, now())`,
    );
    await pg.query(`INSERT INTO rooms (id, name, updated_at) VALUES (gen_random_uuid(), 'R-1', now())`);
    await pg.query(`INSERT INTO configs (id, name, updated_at) VALUES (gen_random_uuid(), 'win_11-x', now())`);
  });
});
