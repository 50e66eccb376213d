import { Module } from '@nestjs/common';

import { HostsModule } from '../hosts/hosts.module';
import { RoomsController } from './rooms.controller';
import { RoomsService } from './rooms.service';

@Module({ imports: [HostsModule], controllers: [RoomsController], providers: [RoomsService], exports: [RoomsService] })
export class RoomsModule {}
