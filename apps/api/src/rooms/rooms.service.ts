import { Injectable } from '@nestjs/common';
import { CatalogService } from '../common/catalog/catalog.service';
import { HostsService } from '../hosts/hosts.service';
import { PrismaService } from '../prisma/prisma.service';

/** Rooms (DOMAIN.md §6): the name is devices.csv column 0 and an AD room group. */
@Injectable()
export class RoomsService extends CatalogService {
  constructor(prisma: PrismaService, hosts: HostsService) {
    super(prisma, hosts, {
      noun: 'room',
      table: (db) => db.room,
      hostsOf: (roomId) => ({ roomId }),
      inUseMessage: (name, hosts) => `room ${name} still has ${hosts} host(s); move or delete them first`,
    });
  }
}
