import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { roomNameProblem, SatisfiesRule } from '../../common/device-rules';
import { PaginationQueryDto } from '../../common/pagination';

export class CreateRoomDto {
  @ApiProperty({ example: 'r100', description: "1–32 of A-Z a-z 0-9 '-' (devices.csv column 0)" })
  @SatisfiesRule('roomName', roomNameProblem)
  name!: string;

  @ApiPropertyOptional({ maxLength: 255, nullable: true, type: String })
  @IsOptional()
  @IsString({ message: 'description must be a string' })
  @MaxLength(255, { message: 'description must be at most 255 characters long' })
  description?: string | null;
}

export class UpdateRoomDto extends PartialType(CreateRoomDto) {}

export class ListRoomsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'case-insensitive substring of the name' })
  @IsOptional()
  @IsString()
  @MaxLength(64, { message: 'search must be at most 64 characters long' })
  search?: string;
}
