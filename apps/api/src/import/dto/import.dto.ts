import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';

import { SatisfiesRule, schoolNameProblem } from '../../common/device-rules';

/** 'true'/'false' in a query string; anything else stays as-is and fails @IsBoolean. */
const queryBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export const MAX_IMPORT_CHARS = 5 * 1024 * 1024;

/** `POST /import/devices` with `Content-Type: application/json` (DOMAIN.md §7). */
export class ImportDevicesJsonDto {
  @ApiProperty({ description: 'devices.csv text (15 semicolon-separated columns, no quoting, DOMAIN.md §2)' })
  @IsString({ message: 'csv must be a string holding the devices.csv text' })
  @MaxLength(MAX_IMPORT_CHARS, { message: 'csv must be at most 5 MB' })
  csv!: string;

  @ApiPropertyOptional({ default: false, description: 'report what would happen, change nothing' })
  @IsOptional()
  @IsBoolean({ message: 'dryRun must be a boolean' })
  dryRun?: boolean;
}

export class ImportQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'report what would happen, change nothing' })
  @IsOptional()
  @Transform(queryBool)
  @IsBoolean({ message: 'dryRun must be true or false' })
  dryRun?: boolean;

  @ApiPropertyOptional({ example: 'default-school', description: 'the school whose devices.csv this is' })
  @IsOptional()
  @SatisfiesRule('schoolName', schoolNameProblem)
  school?: string;
}

export class ImportErrorDto {
  @ApiProperty({ description: '1-based line number in the uploaded text' })
  line!: number;
  @ApiProperty()
  message!: string;
}

/** The import report (DOMAIN.md §7) plus what it created besides hosts. */
export class ImportSummaryDto {
  @ApiProperty() dryRun!: boolean;
  @ApiProperty() created!: number;
  @ApiProperty() updated!: number;
  @ApiProperty() skipped!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: [ImportErrorDto] }) errors!: ImportErrorDto[];
  @ApiProperty({ type: [String], description: 'rooms created on demand (or that would be)' }) roomsCreated!: string[];
  @ApiProperty({ type: [String], description: 'configs created on demand (or that would be)' })
  configsCreated!: string[];
  @ApiProperty({ description: 'provisioning jobs queued (0 when provisioning is off or dry run)' }) jobsQueued!: number;
}
