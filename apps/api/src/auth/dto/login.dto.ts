import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @IsNotEmpty({ message: 'username is required' })
  @MaxLength(64, { message: 'username must be at most 64 characters' })
  username!: string;

  @ApiProperty({ example: 'secret-password' })
  @IsString()
  @IsNotEmpty({ message: 'password is required' })
  @MaxLength(200, { message: 'password must be at most 200 characters' })
  password!: string;
}
