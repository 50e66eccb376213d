import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { configNameProblem, SatisfiesRule } from '../../common/device-rules';
import { PaginationQueryDto } from '../../common/pagination';

export class CreateConfigDto {
  @ApiProperty({ example: 'win11', description: "1–64 of A-Z a-z 0-9 '_' '-' (LINBO group, devices.csv column 2)" })
  @SatisfiesRule('configName', configNameProblem)
  name!: string;

  @ApiPropertyOptional({ maxLength: 255, nullable: true, type: String })
  @IsOptional()
  @IsString({ message: 'description must be a string' })
  @MaxLength(255, { message: 'description must be at most 255 characters long' })
  description?: string | null;
}

export class UpdateConfigDto extends PartialType(CreateConfigDto) {}

export class ListConfigsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'case-insensitive substring of the name' })
  @IsOptional()
  @IsString()
  @MaxLength(64, { message: 'search must be at most 64 characters long' })
  search?: string;
}
