import { Injectable } from '@nestjs/common';

import { ApiError } from '../common/api-error';
import { pageWindow } from '../common/pagination';
import { Operation, OperationType, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { OperationsQueryDto } from './dto/operations.dto';

/** Read side of the operations (the write side is ProvisioningService / OperationStatusService). */
@Injectable()
export class OperationsService {
  constructor(private readonly prisma: PrismaService) {}

  async list(type: OperationType, query: OperationsQueryDto): Promise<[Operation[], number]> {
    const where: Prisma.OperationWhereInput = { type };
    if (query.status) where.status = query.status;
    if (query.hostname) where.targetHost = query.hostname;
    return Promise.all([
      this.prisma.operation.findMany({ where, orderBy: { seq: 'desc' }, ...pageWindow(query) }),
      this.prisma.operation.count({ where }),
    ]);
  }

  /** Any operation by id (the worker's view). */
  async find(id: string): Promise<Operation> {
    const op = await this.prisma.operation.findUnique({ where: { id } });
    if (!op) throw ApiError.notFound(`operation ${id}`);
    return op;
  }

  /**
   * The operations named by `ids` in that order (POST /internal/operations/query); unknown ids are
   * left out. PostgreSQL reads UUIDs in any case and returns them lower case, so match that way.
   */
  async findInOrder(ids: string[]): Promise<Operation[]> {
    const wanted = ids.map((id) => id.toLowerCase());
    const rows = await this.prisma.operation.findMany({ where: { id: { in: [...new Set(wanted)] } } });
    const byId = new Map(rows.map((op) => [op.id, op]));
    return wanted.flatMap((id) => byId.get(id) ?? []);
  }

  async get(type: OperationType, id: string): Promise<Operation> {
    const op = await this.prisma.operation.findUnique({ where: { id } });
    if (!op || op.type !== type) {
      throw ApiError.notFound(`${type === 'macct_repair' ? 'machine-account repair' : 'provisioning'} operation ${id}`);
    }
    return op;
  }
}

/** Exactly one of hostId / hostname (400 naming the fields otherwise). */
export function hostRefOf(body: { hostId?: string; hostname?: string }): { hostId?: string; hostname?: string } {
  if (body.hostId && body.hostname) {
    throw ApiError.validation('hostId', 'give either hostId or hostname, not both');
  }
  if (!body.hostId && !body.hostname) throw ApiError.validation('hostId', 'hostId or hostname is required');
  return body.hostId ? { hostId: body.hostId } : { hostname: body.hostname };
}
