import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

/** Injection token of the worker's pino logger (structured JSON lines on stdout). */
export const WORKER_LOGGER = Symbol('WORKER_LOGGER');
export type WorkerLogger = Logger;

export function createWorkerLogger(level: string): WorkerLogger {
  // synchronous writes: a line logged right before a crash (or the fault-injection SIGKILL) is
  // on stdout, not in a buffer; the worker logs a few lines per batch, so the cost is nil
  return pino(
    { level, base: { app: 'dc-worker', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 1, sync: true }),
  );
}

/** Routes Nest's own messages into the same JSON stream. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: WorkerLogger) {}
  log(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
