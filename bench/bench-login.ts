import * as bcrypt from 'bcryptjs';

import type { PrismaService } from '../apps/api/src/prisma/prisma.service';

/**
 * The in-process benches' user (bench:api, bench:scale): creates the admin `bench` in the app's
 * database, logs it in over HTTP and returns the bearer token of the measured requests.
 */
export async function benchToken(prisma: PrismaService, port: number): Promise<string> {
  await prisma.user.create({
    data: { username: 'bench', passwordHash: await bcrypt.hash('bench-password', 4), role: 'admin' },
  });
  const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'bench', password: 'bench-password' }),
  });
  return ((await login.json()) as { data: { token: string } }).data.token;
}
