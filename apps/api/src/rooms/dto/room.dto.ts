import { PartialType } from '@nestjs/swagger';
import { CatalogEntryDto } from '../../common/catalog/catalog.dto';
import { roomNameProblem } from '../../common/device-rules';

export class CreateRoomDto extends CatalogEntryDto({
  example: 'r100',
  description: "1–32 of A-Z a-z 0-9 '-' (devices.csv column 0)",
  rule: 'roomName',
  problem: roomNameProblem,
}) {}

export class UpdateRoomDto extends PartialType(CreateRoomDto) {}
