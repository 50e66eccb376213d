import { Module } from '@nestjs/common';

import { ProvisioningModule } from '../provisioning/provisioning.module';
import { HostsController } from './hosts.controller';
import { HostsService } from './hosts.service';

@Module({
  imports: [ProvisioningModule],
  controllers: [HostsController],
  providers: [HostsService],
  exports: [HostsService],
})
export class HostsModule {}
