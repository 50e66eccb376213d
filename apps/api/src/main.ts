import 'reflect-metadata';

import { createApp } from './app.factory';
import { AppConfig, validateApiEnv } from './config/app-config';

async function bootstrap(): Promise<void> {
  try {
    // checked before Nest starts, so a bad variable is one clear line, not a DI stack trace;
    // ConfigModule then validates the same variables by the same function (AppConfigModule)
    validateApiEnv(process.env);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const app = await createApp();
  const config = app.get(AppConfig);
  await app.listen(config.port, config.host);
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
