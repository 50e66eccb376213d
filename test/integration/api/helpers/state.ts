import Redis from 'ioredis';

import { DEFAULT_JOBS_STREAM, JOBS_DLQ_STREAM } from '@app/provisioning';

import type { PrismaService } from '../../../../apps/api/src/prisma/prisma.service';

const TABLES = ['users', 'rooms', 'configs', 'hosts', 'operations'] as const;

/**
 * Everything a request could change, as one comparable string: an md5 of every row of every API
 * table, plus length and last id of the jobs stream and its dead letters. Two equal fingerprints
 * mean the request changed nothing (DOMAIN.md §7, §8).
 */
export async function stateFingerprint(prisma: PrismaService, redis: Redis): Promise<string> {
  const parts: string[] = [];
  for (const table of TABLES) {
    const rows = await prisma.$queryRawUnsafe<Array<{ n: bigint; h: string | null }>>(
      `SELECT count(*) AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS h FROM "${table}" t`,
    );
    parts.push(`${table}:${rows[0].n}:${rows[0].h ?? '-'}`);
  }
  for (const stream of [DEFAULT_JOBS_STREAM, JOBS_DLQ_STREAM]) {
    const [len, last] = await Promise.all([redis.xlen(stream), redis.xrevrange(stream, '+', '-', 'COUNT', 1)]);
    parts.push(`${stream}:${len}:${last[0]?.[0] ?? '-'}`);
  }
  return parts.join(' ');
}
