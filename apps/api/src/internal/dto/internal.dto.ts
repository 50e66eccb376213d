import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { OPERATION_STATUSES, OperationStatus, StatusReport } from '@app/provisioning';

/** Longest error text we keep: the worker quotes import output, which can be long. */
const MAX_ERROR_LENGTH = 20_000;

/** PATCH /internal/operations/:id/status (SPEC §7). */
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
