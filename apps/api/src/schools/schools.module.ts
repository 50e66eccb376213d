import { Module } from '@nestjs/common';

import { HostsModule } from '../hosts/hosts.module';
import { DcsController, SchoolsController } from './schools.controller';
import { SchoolsService } from './schools.service';

@Module({
  imports: [HostsModule],
  controllers: [SchoolsController, DcsController],
  providers: [SchoolsService],
  exports: [SchoolsService],
})
export class SchoolsModule {}
