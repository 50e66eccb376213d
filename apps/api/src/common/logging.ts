import type { IncomingMessage, ServerResponse } from 'node:http';

import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';

import type { AppConfig } from '../config/app-config';

/**
 * pino JSON logs: one line per request (method, url, status, duration) at AppConfig.logLevel.
 * Authorization, the internal key and cookies never reach the log. Tests run with LOG_LEVEL=silent.
 */
export function pinoParams(config: AppConfig): Params {
  return {
    // Express 5 / path-to-regexp 8 wildcard syntax (the default '*' logs a LegacyRouteConverter warning)
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: {
      level: config.logLevel,
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-internal-key"]', 'req.headers.cookie'],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: IncomingMessage & { id?: unknown }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      },
      // 4xx are the client's problem, 5xx ours; successful requests stay at info
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    },
  };
}
