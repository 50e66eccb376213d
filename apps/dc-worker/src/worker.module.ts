import { DynamicModule, Module } from '@nestjs/common';

import { RedisStreamsModule } from '@app/redis-streams';

import { BatchCoordinator } from './batch/batch-coordinator';
import { KeyDcCheck } from './check/key-dc';
import { WORKER_CONFIG, WorkerConfig } from './config/worker-config';
import { StreamConsumer } from './consumer/stream-consumer';
import { DeltaFile } from './files/delta-file';
import { MasterFile } from './files/master-file';
import { OtherSchoolFiles } from './files/school-files';
import { ImportRunner } from './import/import-runner';
import { ProvisionLock } from './lock/provision-lock';
import { WORKER_LOGGER, WorkerLogger } from './logging/worker-logger';
import { MetricsServer } from './metrics/metrics-server';
import { WorkerMetrics } from './metrics/worker-metrics';
import { ImportStep } from './pipeline/import-step';
import { LookAhead } from './pipeline/look-ahead';
import { MergeStep } from './pipeline/merge-step';
import { VerificationStep } from './pipeline/verification-step';
import { MacctRepairProcessor } from './processors/macct-repair-processor';
import { ProvisionProcessor } from './processors/provision-processor';
import { ApiClient } from './report/api-client';
import { ApiTransport } from './report/api-transport';
import { JobReporter } from './report/job-reporter';
import { SambaTool } from './verify/samba-tool';
import { Verifier } from './verify/verifier';
import { WORKER_RUN_MODE, WorkerLoop, WorkerRunMode } from './worker.loop';

/**
 * The worker's slim root module (CONVENTIONS.md habit 6): the DOMAIN.md §9 pipeline steps as providers,
 * composed by ProvisionProcessor and driven by WorkerLoop.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig, logger: WorkerLogger, mode: WorkerRunMode): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        RedisStreamsModule.forRoot({ url: config.redisUrl, connectionName: `dc-worker:${config.consumerName}` }),
      ],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: WORKER_LOGGER, useValue: logger },
        { provide: WORKER_RUN_MODE, useValue: mode },
        WorkerMetrics,
        MetricsServer,
        StreamConsumer,
        BatchCoordinator,
        ProvisionLock,
        MasterFile,
        DeltaFile,
        OtherSchoolFiles,
        ImportRunner,
        SambaTool,
        Verifier,
        ApiTransport,
        ApiClient,
        KeyDcCheck,
        JobReporter,
        LookAhead,
        MergeStep,
        ImportStep,
        VerificationStep,
        ProvisionProcessor,
        MacctRepairProcessor,
        WorkerLoop,
      ],
    };
  }
}
