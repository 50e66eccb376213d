import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

import { Roles } from '../auth/decorators';
import { pageWindow, paginated, PaginationQueryDto } from '../common/pagination';
import { UuidParam } from '../common/uuid-param';
import { CreateUserDto, UpdateUserDto } from './dto/user.dto';
import { toUserView, UsersService } from './users.service';

/** User management: admins only (DOMAIN.md §7 roles). */
@ApiTags('users')
@ApiBearerAuth()
@Roles('admin')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  async list(@Query() query: PaginationQueryDto) {
    const { skip, take } = pageWindow(query);
    const [items, total] = await this.users.list(skip, take);
    return paginated(items.map(toUserView), total, query.page, query.limit);
  }

  @Post()
  async create(@Body() body: CreateUserDto) {
    return { data: toUserView(await this.users.create(body.username, body.password, body.role)) };
  }

  @Patch(':id')
  async update(@UuidParam() id: string, @Body() body: UpdateUserDto) {
    return { data: toUserView(await this.users.update(id, body)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@UuidParam() id: string): Promise<void> {
    await this.users.remove(id);
  }
}
