import { Client } from 'pg';

export interface SeedOptions {
  hosts: number;
  rooms: number;
  /** provision statuses dealt out in turn, host i gets statuses[i % length] (null: never provisioned) */
  statuses: Array<string | null>;
}

/**
 * The benches' host table in one SQL statement (bench:scale, bench:web): `rooms` rooms r001…, one
 * config, `hosts` hosts spread over the rooms with unique MACs, every 50th without an IP, a mix of
 * statuses and of creation/update times. Then VACUUM ANALYZE, so the planner knows the sizes.
 */
export async function seedHosts(pg: Client, { hosts, rooms, statuses }: SeedOptions): Promise<void> {
  const statusList = statuses.map((s) => (s === null ? 'NULL' : `'${s}'`)).join(', ');
  await pg.query(
    `INSERT INTO rooms (id, name, updated_at) SELECT gen_random_uuid(), 'r' || lpad(i::text, 3, '0'), now()
       FROM generate_series(1, ${rooms}) i`,
  );
  await pg.query(`INSERT INTO configs (id, name, updated_at) VALUES (gen_random_uuid(), 'win11', now())`);
  const perRoom = Math.ceil(hosts / rooms);
  await pg.query(
    `INSERT INTO hosts (id, hostname, mac_address, ip_address, room_id, config_id, pxe_flag, provision_status,
                        created_at, updated_at)
     SELECT gen_random_uuid(), 's' || lpad((i / ${perRoom})::text, 3, '0') || '-pc' || lpad((i % ${perRoom})::text, 4, '0'),
            upper(concat_ws(':', '02', lpad(to_hex((i >> 16) & 255), 2, '0'), lpad(to_hex((i >> 8) & 255), 2, '0'),
                            lpad(to_hex(i & 255), 2, '0'), '00', '01')),
            CASE WHEN i % 50 = 0 THEN NULL
                 ELSE '10.' || (i / 65536)::text || '.' || ((i / 256) % 256)::text || '.' || (i % 256)::text END,
            (SELECT id FROM rooms WHERE name = 'r' || lpad((i / ${perRoom} + 1)::text, 3, '0')),
            (SELECT id FROM configs LIMIT 1), 1,
            (ARRAY[${statusList}]::"ProvisionStatus"[])[1 + i % ${statuses.length}],
            now() - (i || ' seconds')::interval, now() - (((i * 7) % ${hosts}) || ' seconds')::interval
       FROM generate_series(0, ${hosts - 1}) i`,
  );
  await pg.query('VACUUM ANALYZE hosts');
}
