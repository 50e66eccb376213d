import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiError } from '../common/api-error';
import { toUserView, UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { AuthUser, CurrentUser, LoginRateLimit, Public } from './decorators';
import { LoginDto } from './dto/login.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Post('login')
  @Public()
  @LoginRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange username and password for a JWT (rate-limited per IP)' })
  async login(@Body() body: LoginDto) {
    return { data: await this.auth.login(body.username, body.password) };
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The user of the token' })
  async me(@CurrentUser() current: AuthUser) {
    const user = await this.users.findById(current.id);
    if (!user) throw new ApiError(401, 'UNAUTHORIZED', 'the user of this token no longer exists');
    return { data: toUserView(user) };
  }
}
