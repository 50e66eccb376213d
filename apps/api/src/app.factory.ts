import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';

export const GLOBAL_PREFIX = 'api/v1';
/** DOMAIN.md §7 import of a whole devices.csv; a school's file is a few hundred KB at most. */
export const BODY_LIMIT = '5mb';
export const DOCS_PATH = 'api/docs';

/** A compiled Nest testing module (`Test.createTestingModule(...).compile()`), without importing @nestjs/testing here. */
export interface NestApplicationSource {
  createNestApplication<T extends INestApplication = INestApplication>(options?: object): T;
}

export type CreateAppSource = AppConfig | NestApplicationSource | undefined;

function isApplicationSource(source: CreateAppSource): source is NestApplicationSource {
  return typeof (source as NestApplicationSource | undefined)?.createNestApplication === 'function';
}

/**
 * Builds the API exactly as production runs it (shared by main.ts, the integration tests and the
 * bench): global prefix, body parsers, WebSocket adapter, pino logger, Swagger, shutdown hooks.
 * Pass an AppConfig to replace the env-derived one, or a compiled testing module with overrides.
 * The app is initialised but not listening.
 */
export async function createApp(source?: CreateAppSource): Promise<NestExpressApplication> {
  const options = { bodyParser: false, bufferLogs: true };
  const app = isApplicationSource(source)
    ? source.createNestApplication<NestExpressApplication>(options)
    : await NestFactory.create<NestExpressApplication>(AppModule.forRoot(source), options);

  app.useLogger(app.get(Logger));
  // Prometheus scrapes the conventional /metrics, outside the versioned API (docs/API.md)
  app.setGlobalPrefix(GLOBAL_PREFIX, { exclude: [{ path: 'metrics', method: RequestMethod.GET }] });
  // JSON for every route; raw text for POST /import/devices (a devices.csv has no quoting, DOMAIN.md §2,
  // so it is taken verbatim and parsed by @app/csv-merge, never by a generic CSV parser)
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useBodyParser('text', { type: ['text/csv', 'text/plain'], limit: BODY_LIMIT });
  app.useWebSocketAdapter(new WsAdapter(app));
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('linbo-provisioning API')
      .setDescription('Hosts, rooms and configs of a linuxmuster.net school, provisioned onto the DC (docs/API.md)')
      .setVersion('1')
      .addBearerAuth()
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Internal-Key' }, 'internal-key')
      .build(),
  );
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: `${DOCS_PATH}-json` });

  await app.init();
  return app;
}
