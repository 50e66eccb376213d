import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

import { MAX_PAGE } from './limits';

export const MAX_PAGE_LIMIT = 100;

/** `?page&limit` of every list route (DOMAIN.md §7: limit ≤ 100; above it is a 400, not a silent clamp). */
export class PaginationQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'page must be an integer' })
  @Min(1, { message: 'page must be at least 1' })
  @Max(MAX_PAGE, { message: `page must not be greater than ${MAX_PAGE}` })
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(MAX_PAGE_LIMIT, { message: `limit must not be greater than ${MAX_PAGE_LIMIT}` })
  limit: number = 20;
}

export interface Pagination {
  page: number;
  limit: number;
  total: number;
  pages: number;
}

export interface Paginated<T> {
  data: T[];
  pagination: Pagination;
}

/** The list envelope of DOMAIN.md §7. */
export function paginated<T>(items: T[], total: number, page: number, limit: number): Paginated<T> {
  return { data: items, pagination: { page, limit, total, pages: Math.ceil(total / limit) } };
}

/** `skip`/`take` for Prisma from a validated query. */
export function pageWindow(q: { page: number; limit: number }): { skip: number; take: number } {
  return { skip: (q.page - 1) * q.limit, take: q.limit };
}

/**
 * Prisma's `contains` becomes `LIKE '%…%'` without escaping, so `_` or `%` typed in a search box
 * would act as wildcards (`search=_` matched every host). Escape them (PostgreSQL's default
 * escape character is the backslash).
 */
export function likeLiteral(search: string): string {
  return search.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
