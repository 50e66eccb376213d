import { Inject, Injectable } from '@nestjs/common';

import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { ApiClient, WhoamiAnswer } from '../report/api-client';

/**
 * Whether this worker may run with its key: `ok` (go on), `fatal` (refuse to run — every report
 * would be refused), or neither (the API cannot tell now: ask again before the next batch).
 */
export interface KeyDcVerdict {
  ok: boolean;
  fatal: boolean;
  detail: string;
}

/**
 * A DC's key must belong to DC_ID: a worker with DC_ID=a and the key of DC b would read
 * `linbo:jobs:a` and get 403 on every report, its jobs stuck un-ACKed. The shared INTERNAL_API_KEY
 * reaches every DC (a single-DC installation). Pure: the answer is fetched by the caller.
 */
export function judgeKeyDc(config: Pick<WorkerConfig, 'dcId' | 'jobsStream'>, answer: WhoamiAnswer): KeyDcVerdict {
  switch (answer.kind) {
    case 'identity': {
      const { dcId } = answer.identity;
      if (dcId === null) return { ok: true, fatal: false, detail: 'the shared INTERNAL_API_KEY (every DC)' };
      if (dcId === config.dcId) return { ok: true, fatal: false, detail: `a key of DC ${dcId}` };
      return {
        ok: false,
        fatal: true,
        detail:
          `DC_ID=${config.dcId} but INTERNAL_API_KEY is a key of DC ${dcId}: this worker would read ` +
          `${config.jobsStream} and the API would refuse every report (403). Set DC_ID=${dcId}, or give ` +
          `it a key of DC ${config.dcId} (POST /dcs/${config.dcId}/keys)`,
      };
    }
    case 'refused':
      return {
        ok: false,
        fatal: true,
        detail: `the API refuses INTERNAL_API_KEY (HTTP ${answer.httpStatus}): mistyped or revoked; create a key with POST /dcs/${config.dcId}/keys`,
      };
    case 'unknown':
      return {
        ok: true,
        fatal: false,
        detail: `the API cannot tell the key's DC (GET /internal/whoami: HTTP ${answer.httpStatus}); not checked`,
      };
    case 'unreachable':
      return { ok: false, fatal: false, detail: `cannot ask the API which DC the key belongs to: ${answer.error}` };
  }
}

/**
 * The start-up check of the key's DC, kept until the API has answered: asked before the first read
 * and, while the API cannot tell (down at start), again before each batch — so a wrong key is found
 * before any job of it is reported, without the worker waiting for the API to start.
 */
@Injectable()
export class KeyDcCheck {
  private settled: KeyDcVerdict | null = null;
  private warned = false;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    @Inject(ApiClient) private readonly api: Pick<ApiClient, 'whoami'>,
  ) {}

  /** The verdict; `fatal`: the worker must not run with this key (the loop stops, jobs stay pending). */
  async confirm(): Promise<KeyDcVerdict> {
    if (this.settled) return this.settled;
    const verdict = judgeKeyDc(this.config, await this.api.whoami());
    if (verdict.ok || verdict.fatal) {
      this.settled = verdict;
      if (verdict.ok) this.logger.info({ dcId: this.config.dcId, key: verdict.detail }, 'internal key checked');
    } else if (!this.warned) {
      this.warned = true;
      this.logger.warn(
        { dcId: this.config.dcId, why: verdict.detail },
        'key not checked yet; asked again before the next batch',
      );
    }
    return verdict;
  }
}
