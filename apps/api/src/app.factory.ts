import type { Server } from 'node:http';

import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';

import { AppModule } from './app.module';
import {
  BODY_LIMIT,
  HEADER_MAX_BYTES,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
} from './common/limits';
import { answerClientError, jsonValueGuard, urlGuard, verifyJsonBody, verifyTextBody } from './common/request-guards';
import { AppConfig } from './config/app-config';

export const GLOBAL_PREFIX = 'api/v1';
export { BODY_LIMIT };
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
  hardenHttp(app, app.get(AppConfig));
  // Prometheus scrapes the conventional /metrics, outside the versioned API (docs/API.md)
  app.setGlobalPrefix(GLOBAL_PREFIX, { exclude: [{ path: 'metrics', method: RequestMethod.GET }] });
  // JSON for every route; raw text for POST /import/devices (a devices.csv has no quoting, DOMAIN.md §2,
  // so it is taken verbatim and parsed by @app/csv-merge, never by a generic CSV parser)
  // Hostile input is refused here, for every route at once (common/request-guards.ts, docs/API.md)
  app.use(urlGuard);
  app.useBodyParser('json', { limit: BODY_LIMIT, verify: verifyJsonBody });
  app.useBodyParser('text', { type: ['text/csv', 'text/plain'], limit: BODY_LIMIT, verify: verifyTextBody });
  app.use(jsonValueGuard);
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

/**
 * HTTP hygiene (docs/API.md "HTTP hardening"): security headers, no X-Powered-By, CORS only for the
 * origins in CORS_ORIGINS, header size and timeouts from common/limits.ts, and what Node's parser
 * refuses answered with the error envelope.
 */
function hardenHttp(app: NestExpressApplication, config: AppConfig): void {
  app.disable('x-powered-by');
  app.use(helmet());
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins, maxAge: 600 });
  // Node reads maxHeaderSize per connection (a createServer option Nest does not expose); the same
  // value as its default, set here so the limit is ours and documented
  const server = app.getHttpServer() as Server & { maxHeaderSize?: number };
  server.maxHeaderSize = HEADER_MAX_BYTES;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.on('clientError', answerClientError);
}
