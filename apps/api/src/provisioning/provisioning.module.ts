import { Module } from '@nestjs/common';
import { OperationStatusService } from './operation-status.service';
import { OutboxRelay } from './outbox.relay';
import { ProvisioningService } from './provisioning.service';

/**
 * Provisioning jobs (SPEC §8): operations written with the host change, published by the
 * outbox relay, moved through their lifecycle by status reports and retries.
 */
@Module({
  providers: [ProvisioningService, OperationStatusService, OutboxRelay],
  exports: [ProvisioningService, OperationStatusService, OutboxRelay],
})
export class ProvisioningModule {}
