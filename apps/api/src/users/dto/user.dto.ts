import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

import type { UserRole } from '../../generated/prisma/client';

export const USER_ROLES: readonly UserRole[] = ['admin', 'operator', 'viewer'];

export class CreateUserDto {
  @ApiProperty({ example: 'teacher1', pattern: '^[A-Za-z0-9._@-]{1,64}$' })
  @IsString()
  @Matches(/^[A-Za-z0-9._@-]{1,64}$/, {
    message: 'username must be 1–64 characters of letters, digits and . _ @ -',
  })
  username!: string;

  @ApiProperty({ minLength: 8, maxLength: 72 })
  @IsString()
  @MinLength(8, { message: 'password must be at least 8 characters' })
  // bcrypt only looks at the first 72 bytes; a longer password would silently be truncated
  @MaxLength(72, { message: 'password must be at most 72 characters' })
  password!: string;

  @ApiProperty({ enum: USER_ROLES })
  @IsIn(USER_ROLES, { message: `role must be one of ${USER_ROLES.join(', ')}` })
  role!: UserRole;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ minLength: 8, maxLength: 72 })
  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'password must be at least 8 characters' })
  @MaxLength(72, { message: 'password must be at most 72 characters' })
  password?: string;

  @ApiPropertyOptional({ enum: USER_ROLES })
  @IsOptional()
  @IsIn(USER_ROLES, { message: `role must be one of ${USER_ROLES.join(', ')}` })
  role?: UserRole;
}
