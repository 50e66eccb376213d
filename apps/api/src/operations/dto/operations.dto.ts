import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, Matches } from 'class-validator';

import { OPERATION_STATUSES, OperationStatus } from '@app/provisioning';

import { SatisfiesRule, schoolNameProblem } from '../../common/device-rules';
import { PaginationQueryDto } from '../../common/pagination';

const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;
const HOSTNAME_MESSAGE = 'hostname must be 1–15 characters of a–z, 0–9 and inner hyphens (DOMAIN.md §6)';
const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class OperationsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: OPERATION_STATUSES })
  @IsOptional()
  @IsIn(OPERATION_STATUSES, { message: `status must be one of ${OPERATION_STATUSES.join(', ')}` })
  status?: OperationStatus;

  @ApiPropertyOptional({ description: 'exact host name (case-insensitive)' })
  @IsOptional()
  @Transform(lower)
  @IsString()
  @Matches(HOSTNAME, { message: HOSTNAME_MESSAGE })
  hostname?: string;
}

/** A host named by id or by name: exactly one of them. */
class HostRefDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'hostId must be a UUID' })
  hostId?: string;

  @ApiPropertyOptional({ example: 'r101-pc01' })
  @IsOptional()
  @Transform(lower)
  @IsString()
  @Matches(HOSTNAME, { message: HOSTNAME_MESSAGE })
  hostname?: string;

  @ApiPropertyOptional({
    example: 'default-school',
    description:
      'the school of `hostname` (names are unique per school); for a host not in the database, default-school',
  })
  @IsOptional()
  @SatisfiesRule('schoolName', schoolNameProblem)
  school?: string;
}

export class ProvisionRequestDto extends HostRefDto {
  @ApiPropertyOptional({ enum: ['create', 'update'], default: 'update' })
  @IsOptional()
  @IsIn(['create', 'update'], {
    message: 'action must be create or update (delete a host with DELETE /hosts/:id)',
  })
  action?: 'create' | 'update';
}

export class MacctRepairRequestDto extends HostRefDto {}
