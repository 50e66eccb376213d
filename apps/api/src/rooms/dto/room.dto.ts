import { ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';

import { CatalogEntryDto, CatalogListQueryDto } from '../../common/catalog/catalog.dto';
import { roomNameProblem, SatisfiesRule, schoolNameProblem } from '../../common/device-rules';

export class CreateRoomDto extends CatalogEntryDto({
  example: 'r100',
  description: "1–32 of A-Z a-z 0-9 '-' (devices.csv column 0)",
  rule: 'roomName',
  problem: roomNameProblem,
}) {
  @ApiPropertyOptional({ example: 'default-school', description: 'the school owning the room (fixed once created)' })
  @IsOptional()
  @SatisfiesRule('schoolName', schoolNameProblem)
  school?: string;
}

/** A room stays in its school: moving its hosts to another school is a change of each host's room. */
export class UpdateRoomDto extends PartialType(OmitType(CreateRoomDto, ['school'] as const)) {}

export class RoomListQueryDto extends CatalogListQueryDto {
  @ApiPropertyOptional({ description: 'only the rooms of this school (its name)' })
  @IsOptional()
  @SatisfiesRule('schoolName', schoolNameProblem)
  school?: string;
}
