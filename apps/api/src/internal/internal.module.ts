import { Module } from '@nestjs/common';

import { OperationsModule } from '../operations/operations.module';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { InternalController } from './internal.controller';
import { InternalIdentityController } from './internal-identity.controller';
import { InternalKeyGuard } from './internal-key.guard';

/** The DC worker's routes (DOMAIN.md §7). */
@Module({
  imports: [OperationsModule, ProvisioningModule],
  controllers: [InternalController, InternalIdentityController],
  providers: [InternalKeyGuard],
})
export class InternalModule {}
