import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

import {
  BULK_MAX_ITEMS,
  BulkStatusReport,
  BulkStatusRequest,
  OPERATION_STATUSES,
  OperationQuery,
  OperationStatus,
  StatusReport,
} from '@app/provisioning';

/** Longest error text we keep: the worker quotes import output, which can be long. */
const MAX_ERROR_LENGTH = 20_000;

/** PATCH /internal/operations/:id/status (DOMAIN.md §7). */
export class StatusReportDto implements StatusReport {
  @ApiProperty({ enum: OPERATION_STATUSES })
  @IsIn(OPERATION_STATUSES, { message: `status must be one of ${OPERATION_STATUSES.join(', ')}` })
  status!: OperationStatus;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject({ message: 'result must be a JSON object' })
  result?: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString({ message: 'error must be a string' })
  @MaxLength(MAX_ERROR_LENGTH, { message: `error must be at most ${MAX_ERROR_LENGTH} characters` })
  error?: string;

  @ApiPropertyOptional({ minimum: 0, description: 'informational: the API counts tries itself' })
  @IsOptional()
  @IsInt({ message: 'attempt must be an integer' })
  @Min(0, { message: 'attempt must not be negative' })
  attempt?: number;
}

/** POST /internal/operations/:id/retry. */
export class WorkerRetryDto {
  @ApiPropertyOptional({ description: 'why the try failed (kept as the operation error)' })
  @IsOptional()
  @IsString({ message: 'error must be a string' })
  @MaxLength(MAX_ERROR_LENGTH, { message: `error must be at most ${MAX_ERROR_LENGTH} characters` })
  error?: string;
}

/** POST /internal/operations/query: the snapshots of a whole batch in one request. */
export class OperationQueryDto implements OperationQuery {
  @ApiProperty({ type: [String], format: 'uuid', minItems: 1, maxItems: BULK_MAX_ITEMS })
  @IsArray({ message: 'ids must be an array of operation ids' })
  @ArrayMinSize(1, { message: 'ids must name at least one operation' })
  @ArrayMaxSize(BULK_MAX_ITEMS, { message: `ids must name at most ${BULK_MAX_ITEMS} operations` })
  @IsUUID('all', { each: true, message: 'each of ids must be a UUID' })
  ids!: string[];
}

/** One item of PATCH /internal/operations/status: validated exactly like the single PATCH body. */
export class BulkStatusReportDto extends StatusReportDto implements BulkStatusReport {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id!: string;
}

/** PATCH /internal/operations/status: the reports of a whole batch, applied in order. */
export class BulkStatusRequestDto implements BulkStatusRequest {
  @ApiProperty({ type: [BulkStatusReportDto], minItems: 1, maxItems: BULK_MAX_ITEMS })
  @IsArray({ message: 'reports must be an array' })
  @ArrayMinSize(1, { message: 'reports must hold at least one report' })
  @ArrayMaxSize(BULK_MAX_ITEMS, { message: `reports must hold at most ${BULK_MAX_ITEMS} reports` })
  @ValidateNested({ each: true })
  @Type(() => BulkStatusReportDto)
  reports!: BulkStatusReportDto[];
}
