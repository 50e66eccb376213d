import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { likeLiteral, Paginated, paginated, pageWindow } from '../common/pagination';
import type { Config } from '../generated/prisma/client';
import { HostsService } from '../hosts/hosts.service';
import { NO_CONFIG_MARKER } from '../common/device-rules';
import { PrismaService } from '../prisma/prisma.service';
import { CreateConfigDto, ListConfigsQueryDto, UpdateConfigDto } from './dto/config.dto';

export interface ConfigView {
  id: string;
  name: string;
  description: string | null;
  hostCount: number;
  createdAt: string;
  updatedAt: string;
}

type ConfigWithCount = Config & { _count: { hosts: number } };
const WITH_COUNT = { _count: { select: { hosts: true } } } as const;

function toConfigView(config: ConfigWithCount): ConfigView {
  return {
    id: config.id,
    name: config.name,
    description: config.description,
    hostCount: config._count.hosts,
    createdAt: config.createdAt.toISOString(),
    updatedAt: config.updatedAt.toISOString(),
  };
}

/**
 * Configs = LINBO groups (SPEC §6): the name is devices.csv column 2 and a start.conf name. Names
 * differing only in case are refused (409) to avoid look-alike groups, although the column
 * itself is case-sensitive.
 */
@Injectable()
export class ConfigsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly hosts: HostsService,
  ) {}

  async list(q: ListConfigsQueryDto): Promise<Paginated<ConfigView>> {
    const where = q.search ? { name: { contains: likeLiteral(q.search), mode: 'insensitive' as const } } : {};
    const [total, configs] = await Promise.all([
      this.prisma.config.count({ where }),
      this.prisma.config.findMany({ where, include: WITH_COUNT, orderBy: { name: 'asc' }, ...pageWindow(q) }),
    ]);
    return paginated(configs.map(toConfigView), total, q.page, q.limit);
  }

  async get(id: string): Promise<ConfigView> {
    const config = await this.prisma.config.findUnique({ where: { id }, include: WITH_COUNT });
    if (!config) throw ApiError.notFound(`Config ${id}`);
    return toConfigView(config);
  }

  async create(dto: CreateConfigDto): Promise<ConfigView> {
    await this.assertNameFree(dto.name);
    const config = await this.prisma.config.create({
      data: { name: dto.name, description: dto.description ?? null },
      include: WITH_COUNT,
    });
    return toConfigView(config);
  }

  /**
   * A rename changes column 2 of every host with the config, so each of them gets an update job in
   * the same transaction as the rename (SPEC §8; docs/API.md "Renaming a config or config").
   */
  async update(id: string, dto: UpdateConfigDto): Promise<ConfigView> {
    if (dto.name === null) throw ApiError.validation('name', 'name must not be null');
    const { config, ops, hostIds } = await this.prisma.$transaction(async (tx) => {
      const before = await tx.config.findUnique({ where: { id } });
      if (!before) throw ApiError.notFound(`Config ${id}`);
      const renamed = dto.name !== undefined && dto.name !== before.name;
      if (renamed) await this.assertNameFree(dto.name as string, id, tx);
      const updated = await tx.config.update({
        where: { id },
        data: {
          ...(dto.name !== undefined ? { name: dto.name } : {}),
          ...(dto.description !== undefined ? { description: dto.description } : {}),
        },
        include: WITH_COUNT,
      });
      const requeued = renamed ? await this.hosts.requeueHosts(tx, { configId: id }) : { ops: [], hostIds: [] };
      return { config: updated, ...requeued };
    });
    await this.hosts.announce(ops, hostIds, 'host.updated');
    return toConfigView(config);
  }

  async remove(id: string): Promise<{ id: string; name: string }> {
    const config = await this.prisma.config.findUnique({ where: { id }, include: WITH_COUNT });
    if (!config) throw ApiError.notFound(`Config ${id}`);
    if (config._count.hosts > 0) {
      throw new ApiError(
        409,
        'IN_USE',
        `config ${config.name} is still used by ${config._count.hosts} host(s); change or delete them first`,
      );
    }
    // a host added meanwhile makes the FK refuse the delete: P2003 → 409 IN_USE in the filter
    await this.prisma.config.delete({ where: { id } });
    return { id: config.id, name: config.name };
  }

  private async assertNameFree(
    name: string,
    exceptId?: string,
    db: Pick<PrismaService, 'config'> = this.prisma,
  ): Promise<void> {
    if (name.toLowerCase() === NO_CONFIG_MARKER) {
      // devices.csv writes `nopxe` for "no config" (SPEC §2); a config of that name could not round-trip
      throw ApiError.validation(
        'name',
        'name nopxe is reserved: it marks hosts without a LINBO group; leave configId null instead',
      );
    }
    const clash = await db.config.findFirst({
      where: { name: { equals: name, mode: 'insensitive' }, ...(exceptId ? { NOT: { id: exceptId } } : {}) },
      select: { name: true },
    });
    if (clash) throw ApiError.duplicate('name', `config name ${name} is already used by config ${clash.name}`);
  }
}
