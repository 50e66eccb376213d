import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

import { SatisfiesRule } from '../device-rules';
import { PaginationQueryDto } from '../pagination';

/** How a catalog documents and checks its names (a `…Problem` function of device-rules.ts). */
export interface CatalogNameRule {
  example: string;
  description: string;
  rule: string;
  problem: (value: unknown, field: string) => string | null;
}

/**
 * The create body of a catalog: its own name rule plus the description every entry has. A class
 * per call, because class-validator and Swagger keep their metadata per class; extend the result
 * (`class CreateRoomDto extends CatalogEntryDto({…}) {}`) so the schema keeps the DTO's name.
 */
export function CatalogEntryDto(name: CatalogNameRule) {
  class CatalogEntryDto {
    @ApiProperty({ example: name.example, description: name.description })
    @SatisfiesRule(name.rule, name.problem)
    name!: string;

    @ApiPropertyOptional({ maxLength: 255, nullable: true, type: String })
    @IsOptional()
    @IsString({ message: 'description must be a string' })
    @MaxLength(255, { message: 'description must be at most 255 characters long' })
    description?: string | null;
  }
  return CatalogEntryDto;
}

export class CatalogListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'case-insensitive substring of the name' })
  @IsOptional()
  @IsString()
  @MaxLength(64, { message: 'search must be at most 64 characters long' })
  search?: string;
}
