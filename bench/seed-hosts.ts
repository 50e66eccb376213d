import { Client } from 'pg';

export interface SeedOptions {
  hosts: number;
  /** rooms in all; with `schools`, dealt out evenly (rooms / schools each, named r001… in every school) */
  rooms: number;
  /** provision statuses dealt out in turn, host i gets statuses[i % length] (null: never provisioned) */
  statuses: Array<string | null>;
  /**
   * Schools s000… (issue 13), hosts / schools each, dealt round robin over `dcs` DCs dc1…; 0 or
   * absent: every room and host in default-school on the DC `default` (bench:web).
   */
  schools?: number;
  dcs?: number;
}

/**
 * The benches' host table in a few SQL statements (bench:scale, bench:web): `rooms` rooms r001…, one
 * config, `hosts` hosts spread over the rooms with unique MACs, every 50th without an IP (the others 10.x.y.1–250: the API refuses .0 and .255), a mix of
 * statuses and of creation/update times. Without schools host i is `s<room>-pc<i in room>`; with
 * schools it is `s<school>-pc<i in school>` in school `s<school>` (so `s042-` matches one school's hosts
 * either way at 100 × 1,000). Then VACUUM ANALYZE, so the planner knows the sizes. The caller empties
 * the tables first.
 */
export async function seedHosts(
  pg: Client,
  { hosts, rooms, statuses, schools = 0, dcs = 1 }: SeedOptions,
): Promise<void> {
  const statusList = statuses.map((s) => (s === null ? 'NULL' : `'${s}'`)).join(', ');
  const perRoom = Math.ceil(hosts / rooms);
  if (schools > 0) {
    await pg.query(
      `INSERT INTO dcs (id, updated_at) SELECT 'dc' || d, now() FROM generate_series(1, ${dcs}) d ON CONFLICT DO NOTHING`,
    );
    await pg.query(
      `INSERT INTO schools (id, name, dc_id, updated_at)
       SELECT gen_random_uuid(), 's' || lpad(k::text, 3, '0'), 'dc' || (1 + k % ${dcs}), now()
         FROM generate_series(0, ${schools - 1}) k`,
    );
    const roomsPerSchool = Math.ceil(rooms / schools);
    await pg.query(
      `INSERT INTO rooms (id, name, school_id, updated_at)
       SELECT gen_random_uuid(), 'r' || lpad(j::text, 3, '0'), s.id, now()
         FROM schools s CROSS JOIN generate_series(1, ${roomsPerSchool}) j WHERE s.name ~ '^s[0-9]{3}$'`,
    );
  } else {
    await pg.query(
      `INSERT INTO rooms (id, name, updated_at) SELECT gen_random_uuid(), 'r' || lpad(i::text, 3, '0'), now()
         FROM generate_series(1, ${rooms}) i`,
    );
  }
  await pg.query(`INSERT INTO configs (id, name, updated_at) VALUES (gen_random_uuid(), 'win11', now())`);
  const perName = schools > 0 ? Math.ceil(hosts / schools) : perRoom;
  // room k (0-based, in school then room name order) holds hosts k·perRoom …
  await pg.query(
    `WITH r AS (SELECT r.id, r.school_id, s.dc_id, row_number() OVER (ORDER BY s.name, r.name) - 1 AS k
                  FROM rooms r JOIN schools s ON s.id = r.school_id),
          c AS (SELECT id FROM configs LIMIT 1)
     INSERT INTO hosts (id, hostname, mac_address, ip_address, room_id, school_id, dc_id, config_id, pxe_flag,
                        provision_status, created_at, updated_at)
     SELECT gen_random_uuid(), 's' || lpad((i / ${perName})::text, 3, '0') || '-pc' || lpad((i % ${perName})::text, 4, '0'),
            upper(concat_ws(':', '02', lpad(to_hex((i >> 16) & 255), 2, '0'), lpad(to_hex((i >> 8) & 255), 2, '0'),
                            lpad(to_hex(i & 255), 2, '0'), '00', '01')),
            CASE WHEN i % 50 = 0 THEN NULL
                 ELSE '10.' || (i / 62500)::text || '.' || ((i / 250) % 250)::text || '.' || (i % 250 + 1)::text END,
            r.id, r.school_id, r.dc_id, c.id, 1,
            (ARRAY[${statusList}]::"ProvisionStatus"[])[1 + i % ${statuses.length}],
            now() - (i || ' seconds')::interval, now() - (((i * 7) % ${hosts}) || ' seconds')::interval
       FROM generate_series(0, ${hosts - 1}) i JOIN r ON r.k = i / ${perRoom} CROSS JOIN c`,
  );
  await pg.query('VACUUM ANALYZE hosts');
  await pg.query('ANALYZE rooms');
  await pg.query('ANALYZE schools');
}
