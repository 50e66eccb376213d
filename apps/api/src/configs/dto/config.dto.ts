import { PartialType } from '@nestjs/swagger';

import { CatalogEntryDto } from '../../common/catalog/catalog.dto';
import { configNameProblem } from '../../common/device-rules';

export class CreateConfigDto extends CatalogEntryDto({
  example: 'win11',
  description: "1–64 of A-Z a-z 0-9 '_' '-' (LINBO group, devices.csv column 2)",
  rule: 'configName',
  problem: configNameProblem,
}) {}

export class UpdateConfigDto extends PartialType(CreateConfigDto) {}
