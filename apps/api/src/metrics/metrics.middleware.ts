import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { MetricsService } from './metrics.service';

/** The label of a request no controller route matched (404 of an unknown path). */
export const UNMATCHED_ROUTE = 'unmatched';

interface ExpressRoute {
  path?: string;
  methods?: Record<string, boolean>;
}

/**
 * The controller route pattern a request was answered by (`/api/v1/hosts/:id`), never the raw URL,
 * so ids do not explode the label set. Nest 11 registers middleware on Express 5 with `app.all()`
 * (`/api/v1/{*path}`), which adds the route under every HTTP method, and Express leaves `req.route`
 * at the last route it entered. A controller route has exactly one method (the API has no `@All()`
 * handler), so a route with several is a middleware's: no controller matched the request.
 */
export function routeLabel(req: Request): string {
  const route = req.route as ExpressRoute | undefined;
  const methods = Object.keys(route?.methods ?? {});
  if (!route?.path || methods.length !== 1 || methods[0] === '_all') return UNMATCHED_ROUTE;
  return `${req.baseUrl ?? ''}${route.path}`;
}

/** Counts every answered request under the API prefix by method, route pattern and status. */
@Injectable()
export class MetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.observe(req.method, routeLabel(req), res.statusCode, seconds);
    });
    next();
  }
}
