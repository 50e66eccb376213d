import { Module } from '@nestjs/common';

import { ProvisioningModule } from '../provisioning/provisioning.module';
import { OperationsController } from './operations.controller';
import { OperationsService } from './operations.service';

@Module({
  imports: [ProvisioningModule],
  controllers: [OperationsController],
  providers: [OperationsService],
  exports: [OperationsService],
})
export class OperationsModule {}
