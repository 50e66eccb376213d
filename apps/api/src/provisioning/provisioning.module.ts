import { Module } from '@nestjs/common';

import { OperationStatusRepository } from './operation-status.repository';
import { OperationStatusService } from './operation-status.service';
import { OutboxRelay } from './outbox.relay';
import { ProvisioningService } from './provisioning.service';

/**
 * Provisioning jobs (DOMAIN.md §8): operations written with the host change, published by the
 * outbox relay, moved through their lifecycle by status reports and retries. No routes of its
 * own: hosts/, import/, operations/ and internal/ import it for its services.
 */
@Module({
  providers: [ProvisioningService, OperationStatusService, OperationStatusRepository, OutboxRelay],
  exports: [ProvisioningService, OperationStatusService, OutboxRelay],
})
export class ProvisioningModule {}
