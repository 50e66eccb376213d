import { Module } from '@nestjs/common';
import { OperationsModule } from '../operations/operations.module';
import { InternalController } from './internal.controller';
import { InternalKeyGuard } from './internal-key.guard';

// ProvisioningModule (global) provides the services
@Module({
  imports: [OperationsModule],
  controllers: [InternalController],
  providers: [InternalKeyGuard],
})
export class InternalModule {}
