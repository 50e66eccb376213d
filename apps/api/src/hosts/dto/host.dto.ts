import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

import { normalizeMac } from '@app/csv-merge';

import {
  DEFAULT_ROLE,
  HOST_ROLES,
  hostnameProblem,
  ipProblem,
  macProblem,
  SatisfiesRule,
  schoolNameProblem,
} from '../../common/device-rules';
import { PaginationQueryDto } from '../../common/pagination';

/** Host names are case-insensitive (DNS, NetBIOS): stored lower case (DOMAIN.md §6). */
const toLower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value);
/** Any MAC form sophomorix accepts is stored normalised AA:BB:CC:DD:EE:FF (DOMAIN.md §2, §6). */
const toNormalMac = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? (normalizeMac(value) ?? value) : value;

export class CreateHostDto {
  @ApiProperty({
    example: 'r100-pc01',
    description: "1–15 of a-z 0-9 '-', not starting/ending with '-'; any case in, stored lower case",
  })
  @Transform(toLower)
  @SatisfiesRule('hostname', hostnameProblem)
  hostname!: string;

  @ApiProperty({
    example: '00:11:22:33:44:55',
    description: 'any form sophomorix accepts; stored as AA:BB:CC:DD:EE:FF',
  })
  @SatisfiesRule('macAddress', macProblem)
  @Transform(toNormalMac)
  macAddress!: string;

  @ApiPropertyOptional({ example: '10.0.100.1', nullable: true, type: String, description: 'null (or absent) = DHCP' })
  @IsOptional()
  @SatisfiesRule('ipAddress', ipProblem)
  ipAddress?: string | null;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String })
  @IsOptional()
  @IsUUID('all', { message: 'roomId must be a UUID (or null for no room)' })
  roomId?: string | null;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String })
  @IsOptional()
  @IsUUID('all', { message: 'configId must be a UUID (or null for no config)' })
  configId?: string | null;

  @ApiPropertyOptional({ enum: HOST_ROLES, default: DEFAULT_ROLE })
  @IsOptional()
  @IsIn(HOST_ROLES, { message: `role must be one of: ${HOST_ROLES.join(', ')}` })
  role?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 3,
    description: '0 none, 1 LINBO, 2 LINBO+OPSI, 3 OPSI; default 1 with a config, else 0',
  })
  @IsOptional()
  @IsInt({ message: 'pxeFlag must be an integer 0–3' })
  @Min(0, { message: 'pxeFlag must be an integer 0–3' })
  @Max(3, { message: 'pxeFlag must be an integer 0–3' })
  pxeFlag?: number;
}

/** PATCH: every field optional; `ipAddress: null` switches to DHCP, `roomId/configId: null` clears. */
export class UpdateHostDto extends PartialType(CreateHostDto) {}

export const HOST_SORT_FIELDS = ['hostname', 'createdAt', 'updatedAt', 'ipAddress'] as const;
export type HostSortField = (typeof HOST_SORT_FIELDS)[number];
export const PROVISION_STATUS_FILTERS = ['pending', 'running', 'synced', 'failed'] as const;

export class ListHostsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'case-insensitive substring of hostname, MAC or IP' })
  @IsOptional()
  @IsString()
  @MaxLength(64, { message: 'search must be at most 64 characters long' })
  search?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'roomId must be a UUID' })
  roomId?: string;

  @ApiPropertyOptional({ description: 'only the hosts of this school (its name)' })
  @IsOptional()
  @SatisfiesRule('schoolName', schoolNameProblem)
  school?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'configId must be a UUID' })
  configId?: string;

  @ApiPropertyOptional({ enum: PROVISION_STATUS_FILTERS })
  @IsOptional()
  @IsIn(PROVISION_STATUS_FILTERS, { message: `provisionStatus must be one of: ${PROVISION_STATUS_FILTERS.join(', ')}` })
  provisionStatus?: (typeof PROVISION_STATUS_FILTERS)[number];

  @ApiPropertyOptional({ enum: HOST_SORT_FIELDS, default: 'hostname' })
  @IsOptional()
  @IsIn(HOST_SORT_FIELDS, { message: `sort must be one of: ${HOST_SORT_FIELDS.join(', ')}` })
  sort: HostSortField = 'hostname';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' })
  @IsOptional()
  @IsIn(['asc', 'desc'], { message: 'order must be asc or desc' })
  order: 'asc' | 'desc' = 'asc';
}
