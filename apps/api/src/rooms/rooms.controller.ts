import { Controller } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CatalogController } from '../common/catalog/catalog.controller';
import { CreateRoomDto, UpdateRoomDto } from './dto/room.dto';
import { RoomsService } from './rooms.service';

@ApiTags('rooms')
@ApiBearerAuth()
@Controller('rooms')
export class RoomsController extends CatalogController({
  createDto: CreateRoomDto,
  updateDto: UpdateRoomDto,
  view: 'RoomView',
  renameQueues: 'every host in the room',
  inUse: 'the room still has hosts',
}) {
  constructor(rooms: RoomsService) {
    super(rooms);
  }
}
