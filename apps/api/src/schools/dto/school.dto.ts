import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

import {
  CSV_COL0_SOURCES,
  CsvCol0Source,
  dcIdProblem,
  SatisfiesRule,
  schoolNameProblem,
} from '../../common/device-rules';

export class CreateSchoolDto {
  @ApiProperty({
    example: 'gsm',
    description:
      "a-z 0-9 '-', starting with a letter (sophomorix); at most 13 for a new school, so that its S- prefix " +
      'leaves room for a hostname within 15 characters (400 DC_NAME_TOO_LONG)',
  })
  @SatisfiesRule('schoolName', schoolNameProblem)
  name!: string;

  @ApiPropertyOptional({ example: 'default', description: 'the DC serving the school (default: `default`)' })
  @IsOptional()
  @SatisfiesRule('dcId', (v, f) => dcIdProblem(v, f))
  dcId?: string;

  @ApiPropertyOptional({ enum: CSV_COL0_SOURCES, description: 'devices.csv column 0: room name or config name' })
  @IsOptional()
  @IsIn(CSV_COL0_SOURCES, { message: 'csvCol0Source must be room or group' })
  csvCol0Source?: CsvCol0Source;

  @ApiPropertyOptional({ maxLength: 255, nullable: true, type: String })
  @IsOptional()
  @IsString({ message: 'description must be a string' })
  @MaxLength(255, { message: 'description must be at most 255 characters long' })
  description?: string | null;
}

/** The name is fixed (it names the school's files on the DC and prefixes its AD names). */
export class UpdateSchoolDto {
  @ApiPropertyOptional()
  @IsOptional()
  @SatisfiesRule('dcId', (v, f) => dcIdProblem(v, f))
  dcId?: string;

  @ApiPropertyOptional({ enum: CSV_COL0_SOURCES })
  @IsOptional()
  @IsIn(CSV_COL0_SOURCES, { message: 'csvCol0Source must be room or group' })
  csvCol0Source?: CsvCol0Source;

  @ApiPropertyOptional({ maxLength: 255, nullable: true, type: String })
  @IsOptional()
  @IsString({ message: 'description must be a string' })
  @MaxLength(255, { message: 'description must be at most 255 characters long' })
  description?: string | null;
}

export class CreateDcDto {
  @ApiProperty({ example: 'dc-north', description: "1–32 of a-z 0-9 '-': names the stream linbo:jobs:<id>" })
  @SatisfiesRule('dcId', (v, f) => dcIdProblem(v, f))
  id!: string;

  @ApiPropertyOptional({ maxLength: 255, nullable: true, type: String })
  @IsOptional()
  @IsString({ message: 'description must be a string' })
  @MaxLength(255, { message: 'description must be at most 255 characters long' })
  description?: string | null;
}

export class SchoolQueryDto {
  @ApiPropertyOptional({ description: 'a school name' })
  @IsOptional()
  @SatisfiesRule('schoolName', schoolNameProblem)
  school?: string;
}
