import 'reflect-metadata';
import { createApp } from './app.factory';
import { AppConfig } from './config/app-config';

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const config = app.get(AppConfig);
  await app.listen(config.port, config.host);
}

bootstrap().catch((err: unknown) => {
  // configuration errors name the variable (STYLE.md habit 1); print them without a stack
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
