import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';

import { runChecks } from './check/preflight-check';
import { ConfigError, loadWorkerConfig, WORKER_VARIABLES, WorkerConfig } from './config/worker-config';
import { createWorkerLogger, NestPinoLogger, WorkerLogger } from './logging/worker-logger';
import { WorkerLoop, WorkerRunMode } from './worker.loop';
import { WorkerModule } from './worker.module';

const USAGE = `Usage: dc-worker [--check | --once] [--config FILE] [--help]

Consumes provisioning jobs from Redis (linbo:jobs), merges them into devices.csv, runs
linuxmuster-import-devices once per batch and verifies AD/DNS/DHCP (DOMAIN.md §9).

  --check        validate config, files, tools, Redis and API; print OK/FAIL per check; exit 0/1
  --once         process what is queued, then exit (75 when jobs had to stay pending)
  --config FILE  KEY=VALUE file; variables set in the environment win over the file
  --help         this text

Variables (default in brackets):
${Object.entries(WORKER_VARIABLES)
  .map(([k, v]) => `  ${k.padEnd(27)} ${v.help}${v.def ? ` [${v.def}]` : ''}`)
  .join('\n')}
`;

interface Args {
  mode: WorkerRunMode;
  configFile?: string;
  help: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { mode: 'service', help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--check')
      args.mode = args.mode === 'once' ? fail('--check and --once exclude each other') : 'check';
    else if (a === '--once') args.mode = args.mode === 'check' ? fail('--check and --once exclude each other') : 'once';
    else if (a === '--config') args.configFile = argv[++i] ?? fail('--config needs a FILE');
    else if (a.startsWith('--config=')) args.configFile = a.slice('--config='.length);
    else fail(`unknown argument "${a}"`);
  }
  return args;
}

function fail(message: string): never {
  process.stderr.write(`dc-worker: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function check(config: WorkerConfig, logger: WorkerLogger): Promise<number> {
  const results = await runChecks(config, logger);
  for (const r of results) process.stdout.write(`${r.ok ? 'OK  ' : 'FAIL'} ${r.name}: ${r.detail}\n`);
  const failedCount = results.filter((r) => !r.ok).length;
  process.stdout.write(failedCount ? `${failedCount} check(s) failed\n` : 'all checks passed\n');
  return failedCount ? 1 : 0;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig(process.env, args.configFile);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`dc-worker: ${err.message}\n`);
    if (args.mode === 'check') process.stdout.write(`FAIL config: ${err.problems.join('; ')}\n`);
    process.exit(args.mode === 'check' ? 1 : 2);
  }
  const logger = createWorkerLogger(config.logLevel);
  if (args.mode === 'check') {
    process.exitCode = await check(config, createWorkerLogger('silent'));
    return;
  }

  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logger, args.mode), {
    logger: new NestPinoLogger(logger),
  });
  const loop = app.get(WorkerLoop);

  let closing: Promise<void> | null = null;
  const shutdown = (reason: string, code: number) => {
    closing ??= (async () => {
      logger.info({ reason }, 'shutting down');
      // hard limit: a graceful stop that hangs must not keep systemd waiting forever
      setTimeout(() => {
        logger.error('graceful shutdown timed out; exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs + 10_000).unref();
      await loop.stop(); // stop reading, finish or hand back the batch
      await app.close(); // then the Redis connections, the command connection last
      logger.info('stopped');
      logger.flush?.();
      process.exit(code);
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM', 0));
  process.once('SIGINT', () => shutdown('SIGINT', 0));

  const code = await loop.start();
  shutdown(args.mode === 'once' ? 'queue drained (--once)' : 'loop ended', code);
}

main().catch((err: Error) => {
  process.stderr.write(`dc-worker: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
