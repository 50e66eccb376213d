import { Injectable } from '@nestjs/common';

import { CatalogService } from '../common/catalog/catalog.service';
import { NO_CONFIG_MARKER } from '../common/device-rules';
import { HostsService } from '../hosts/hosts.service';
import { PrismaService } from '../prisma/prisma.service';

/** Configs = LINBO groups (DOMAIN.md §6): the name is devices.csv column 2 and a start.conf name. */
@Injectable()
export class ConfigsService extends CatalogService {
  constructor(prisma: PrismaService, hosts: HostsService) {
    super(prisma, hosts, {
      noun: 'config',
      table: (db) => db.config,
      hostsOf: (configId) => ({ configId }),
      inUseMessage: (name, hosts) => `config ${name} is still used by ${hosts} host(s); change or delete them first`,
      // devices.csv writes `nopxe` for "no config" (DOMAIN.md §2); a config of that name could not round-trip
      reserved: {
        name: NO_CONFIG_MARKER,
        why: 'it marks hosts without a LINBO group; leave configId null instead',
      },
    });
  }
}
