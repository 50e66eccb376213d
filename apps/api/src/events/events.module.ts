import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { EventsGateway } from './events.gateway';
import { EventsService } from './events.service';

/** Live events (DOMAIN.md §7): EventsService is global so every module can emit after a commit. */
@Global()
@Module({
  imports: [AuthModule],
  providers: [EventsService, EventsGateway],
  exports: [EventsService],
})
export class EventsModule {}
