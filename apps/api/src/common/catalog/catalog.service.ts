import type { Prisma } from '../../generated/prisma/client';
import { HostsService } from '../../hosts/hosts.service';
import { PrismaService } from '../../prisma/prisma.service';
import { ApiError } from '../api-error';
import { likeLiteral, pageWindow, Paginated, paginated } from '../pagination';
import { CatalogListQueryDto } from './catalog.dto';

/** A room or a config as the API returns it. */
export interface CatalogEntryView {
  /** rooms only: the school that owns the room */
  schoolId?: string;
  id: string;
  name: string;
  description: string | null;
  hostCount: number;
  createdAt: string;
  updatedAt: string;
}

/** What create and update accept (the DTOs of each catalog; `name: null` gets past `@IsOptional`). */
export interface CatalogEntryInput {
  name?: string | null;
  description?: string | null;
}

/** Rooms are per school (DOMAIN.md §6): names unique within it, listed by it. Configs have no scope. */
export interface CatalogScope {
  schoolId: string;
}

type Db = PrismaService | Prisma.TransactionClient;

const WITH_COUNT = { _count: { select: { hosts: true } } } as const;

interface Row {
  schoolId?: string;
  id: string;
  name: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
  _count: { hosts: number };
}

interface NameWhere {
  name?: { contains?: string; equals?: string; mode: 'insensitive' };
  NOT?: { id: string };
  schoolId?: string;
}

type Counted = { include: typeof WITH_COUNT };

/** The part of a Prisma delegate (`prisma.room`, `prisma.config`) a catalog uses. */
export interface CatalogTable {
  count(args: { where: NameWhere }): Promise<number>;
  findMany(args: Counted & { where: NameWhere; orderBy: { name: 'asc' }; skip: number; take: number }): Promise<Row[]>;
  findUnique(args: Counted & { where: { id: string } }): Promise<Row | null>;
  findFirst(args: { where: NameWhere; select: { name: true } }): Promise<{ name: string } | null>;
  create(args: Counted & { data: { name: string; description: string | null; schoolId?: string } }): Promise<Row>;
  update(args: Counted & { where: { id: string }; data: { name?: string; description?: string | null } }): Promise<Row>;
  delete(args: { where: { id: string } }): Promise<unknown>;
}

/** What makes one catalog differ from the other (the name rule itself lives in its DTO). */
export interface CatalogKind {
  /** `room` / `config`, as messages name an entry */
  noun: string;
  table(db: Db): CatalogTable;
  /** the hosts that point at the entry: they carry its name in devices.csv */
  hostsOf(id: string): Prisma.HostWhereInput;
  inUseMessage(name: string, hosts: number): string;
  /** a name refused in any case, with the reason an admin reads */
  reserved?: { name: string; why: string };
}

function toView(row: Row): CatalogEntryView {
  return {
    ...(row.schoolId !== undefined ? { schoolId: row.schoolId } : {}),
    id: row.id,
    name: row.name,
    description: row.description,
    hostCount: row._count.hosts,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * Rooms and configs (DOMAIN.md §6, §7 "same for /configs"): named entries that hosts reference and whose
 * name is written into every such host's devices.csv line. Names are unique case-insensitively
 * (AD and LINBO names are), although the CSV columns themselves are case-sensitive.
 */
export abstract class CatalogService {
  private readonly label: string;

  protected constructor(
    private readonly prisma: PrismaService,
    private readonly hosts: HostsService,
    private readonly kind: CatalogKind,
  ) {
    this.label = kind.noun[0].toUpperCase() + kind.noun.slice(1);
  }

  async list(q: CatalogListQueryDto, scope?: CatalogScope): Promise<Paginated<CatalogEntryView>> {
    const where: NameWhere = {
      ...(q.search ? { name: { contains: likeLiteral(q.search), mode: 'insensitive' as const } } : {}),
      ...(scope ? { schoolId: scope.schoolId } : {}),
    };
    const table = this.kind.table(this.prisma);
    const [total, rows] = await Promise.all([
      table.count({ where }),
      table.findMany({ where, include: WITH_COUNT, orderBy: { name: 'asc' }, ...pageWindow(q) }),
    ]);
    return paginated(rows.map(toView), total, q.page, q.limit);
  }

  async get(id: string): Promise<CatalogEntryView> {
    return toView(await this.find(id));
  }

  async create(dto: CatalogEntryInput & { name: string }, scope?: CatalogScope): Promise<CatalogEntryView> {
    await this.assertNameFree(dto.name, undefined, this.prisma, scope);
    const row = await this.kind.table(this.prisma).create({
      data: { name: dto.name, description: dto.description ?? null, ...(scope ? { schoolId: scope.schoolId } : {}) },
      include: WITH_COUNT,
    });
    return toView(row);
  }

  /**
   * A rename changes the name in the devices.csv line of every host using the entry, so each of
   * them gets an update job in the same transaction as the rename (DOMAIN.md §8; docs/API.md
   * "Renaming a room or config").
   */
  async update(id: string, dto: CatalogEntryInput): Promise<CatalogEntryView> {
    const { name, description } = dto;
    if (name === null) throw ApiError.validation('name', 'name must not be null');
    const { row, ops, hostIds } = await this.prisma.$transaction(async (tx) => {
      const before = await this.find(id, tx);
      const renamed = name !== undefined && name !== before.name;
      if (renamed) {
        await this.assertNameFree(name, id, tx, before.schoolId ? { schoolId: before.schoolId } : undefined);
      }
      const updated = await this.kind.table(tx).update({
        where: { id },
        data: { ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}) },
        include: WITH_COUNT,
      });
      const requeued = renamed ? await this.hosts.requeueHosts(tx, this.kind.hostsOf(id)) : { ops: [], hostIds: [] };
      return { row: updated, ...requeued };
    });
    await this.hosts.announce(ops, hostIds, 'host.updated');
    return toView(row);
  }

  async remove(id: string): Promise<{ id: string; name: string }> {
    const row = await this.find(id);
    if (row._count.hosts > 0) throw new ApiError(409, 'IN_USE', this.kind.inUseMessage(row.name, row._count.hosts));
    // a host added meanwhile makes the FK refuse the delete: P2003 → 409 IN_USE in the filter
    await this.kind.table(this.prisma).delete({ where: { id } });
    return { id: row.id, name: row.name };
  }

  private async find(id: string, db: Db = this.prisma): Promise<Row> {
    const row = await this.kind.table(db).findUnique({ where: { id }, include: WITH_COUNT });
    if (!row) throw ApiError.notFound(`${this.label} ${id}`);
    return row;
  }

  private async assertNameFree(
    name: string,
    exceptId?: string,
    db: Db = this.prisma,
    scope?: CatalogScope,
  ): Promise<void> {
    const { noun, reserved } = this.kind;
    if (reserved && name.toLowerCase() === reserved.name) {
      throw ApiError.validation('name', `name ${reserved.name} is reserved: ${reserved.why}`);
    }
    const clash = await this.kind.table(db).findFirst({
      where: {
        name: { equals: name, mode: 'insensitive' },
        ...(exceptId ? { NOT: { id: exceptId } } : {}),
        ...(scope ? { schoolId: scope.schoolId } : {}),
      },
      select: { name: true },
    });
    if (clash) throw ApiError.duplicate('name', `${noun} name ${name} is already used by ${noun} ${clash.name}`);
  }
}
