import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import * as bcrypt from 'bcryptjs';

import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { Prisma, User, UserRole } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

/** bcrypt cost: ~60–100 ms per hash in bcryptjs, slow for guessing, fine for a login. */
export const BCRYPT_ROUNDS = 10;

/** What the API shows of a user: never the hash. */
export interface UserView {
  id: string;
  username: string;
  role: UserRole;
  createdAt: string;
  updatedAt: string;
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Bootstrap admin (DOMAIN.md §7): created from ADMIN_USERNAME/ADMIN_PASSWORD when that user does not
   * exist yet. An existing user is left exactly as it is — a password changed through the API
   * survives a restart with the old env still set, and the env can never silently reset it.
   */
  async onApplicationBootstrap(): Promise<void> {
    const { adminUsername, adminPassword } = this.config;
    if (!adminUsername || !adminPassword) {
      if ((await this.prisma.user.count()) === 0) {
        this.logger.warn('no users exist and ADMIN_USERNAME/ADMIN_PASSWORD are not set: nobody can log in');
      }
      return;
    }
    const created = await this.ensureUser(adminUsername, adminPassword, 'admin');
    if (created) this.logger.log(`bootstrap admin "${adminUsername}" created`);
  }

  /** Creates the user unless the name exists (also when two API instances start at once). Returns whether it created one. */
  async ensureUser(username: string, password: string, role: UserRole): Promise<boolean> {
    const passwordHash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    const { count } = await this.prisma.user.createMany({
      data: [{ username, passwordHash, role }],
      skipDuplicates: true,
    });
    return count > 0;
  }

  findByUsername(username: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { username } });
  }

  findById(id: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }

  async list(skip: number, take: number): Promise<[User[], number]> {
    return Promise.all([
      this.prisma.user.findMany({ orderBy: { username: 'asc' }, skip, take }),
      this.prisma.user.count(),
    ]);
  }

  async create(username: string, password: string, role: UserRole): Promise<User> {
    const passwordHash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    try {
      return await this.prisma.user.create({ data: { username, passwordHash, role } });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw ApiError.duplicate('username', `username "${username}" is already taken`);
      }
      throw err;
    }
  }

  async update(id: string, change: { password?: string; role?: UserRole }): Promise<User> {
    const user = await this.findById(id);
    if (!user) throw ApiError.notFound(`user ${id}`);
    if (change.role && change.role !== 'admin' && user.role === 'admin') await this.assertNotLastAdmin(user.id);
    const data: Prisma.UserUpdateInput = {};
    if (change.role) data.role = change.role;
    if (change.password) data.passwordHash = await bcrypt.hash(change.password, BCRYPT_ROUNDS);
    return this.prisma.user.update({ where: { id }, data });
  }

  async remove(id: string): Promise<void> {
    const user = await this.findById(id);
    if (!user) throw ApiError.notFound(`user ${id}`);
    if (user.role === 'admin') await this.assertNotLastAdmin(user.id);
    await this.prisma.user.delete({ where: { id } });
  }

  /** Verifies a password; unknown users cost the same bcrypt work so timing does not reveal names. */
  async checkPassword(user: User | null, password: string): Promise<boolean> {
    const ok = await bcrypt.compare(password, user?.passwordHash ?? DUMMY_HASH);
    return user !== null && ok;
  }

  /** Nobody could manage users any more once the last admin is demoted or deleted. */
  private async assertNotLastAdmin(exceptId: string): Promise<void> {
    const others = await this.prisma.user.count({ where: { role: 'admin', id: { not: exceptId } } });
    if (others === 0) {
      throw new ApiError(409, 'IN_USE', 'this is the last admin; create another admin first');
    }
  }
}

/** A valid bcrypt hash of a random string: compared against when the user does not exist. */
const DUMMY_HASH = bcrypt.hashSync('linbo-provisioning: no such user', BCRYPT_ROUNDS);
