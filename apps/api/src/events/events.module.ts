import { Global, Module } from '@nestjs/common';

import { AuthModule } from '../auth/auth.module';
import { EventsFanout } from './events.fanout';
import { EventsGateway } from './events.gateway';
import { EventsService } from './events.service';

/**
 * Live events (DOMAIN.md §7): EventsService is global so every module can emit after a commit;
 * EventsFanout carries them to the other API replicas through Redis pub/sub.
 */
@Global()
@Module({
  imports: [AuthModule],
  providers: [EventsService, EventsGateway, EventsFanout],
  exports: [EventsService],
})
export class EventsModule {}
