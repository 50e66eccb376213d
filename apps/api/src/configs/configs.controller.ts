import { Controller } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CatalogController } from '../common/catalog/catalog.controller';
import { ConfigsService } from './configs.service';
import { CreateConfigDto, UpdateConfigDto } from './dto/config.dto';

@ApiTags('configs')
@ApiBearerAuth()
@Controller('configs')
export class ConfigsController extends CatalogController({
  createDto: CreateConfigDto,
  updateDto: UpdateConfigDto,
  view: 'ConfigView',
  renameQueues: 'every host with the config',
  inUse: 'hosts still use the config',
}) {
  constructor(configs: ConfigsService) {
    super(configs);
  }
}
