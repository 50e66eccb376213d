import { Global, Module } from '@nestjs/common';
import { InternalModule } from '../internal/internal.module';
import { OperationsModule } from '../operations/operations.module';
import { OperationStatusRepository } from './operation-status.repository';
import { OperationStatusService } from './operation-status.service';
import { OutboxRelay } from './outbox.relay';
import { ProvisioningService } from './provisioning.service';

/**
 * Provisioning jobs (DOMAIN.md §8): operations written with the host change, published by the
 * outbox relay, moved through their lifecycle by status reports and retries. Importing this
 * module brings the whole jobs feature, including the routes of operations/ and internal/;
 * it is global so those modules (and hosts/import) reach its services without an import cycle.
 */
@Global()
@Module({
  imports: [OperationsModule, InternalModule],
  providers: [ProvisioningService, OperationStatusService, OperationStatusRepository, OutboxRelay],
  exports: [ProvisioningService, OperationStatusService, OutboxRelay],
})
export class ProvisioningModule {}
