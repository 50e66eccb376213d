import type { StreamConsumer } from '../consumer/stream-consumer';
import type { DeltaFile } from '../files/delta-file';
import type { MasterFile } from '../files/master-file';
import type { OtherSchoolFiles } from '../files/school-files';
import type { ImportRunner } from '../import/import-runner';
import type { ProvisionLock } from '../lock/provision-lock';
import type { ApiClient } from '../report/api-client';
import type { Verifier } from '../verify/verifier';

/**
 * What the pipeline steps need from the world, as interfaces: Nest injects the real providers
 * (by their class token), the in-process tests hand in fakes they own.
 */
export type MasterPort = Pick<MasterFile, 'read' | 'write'>;
export type DeltaPort = Pick<DeltaFile, 'read' | 'write'>;
export type OtherSchoolsPort = Pick<OtherSchoolFiles, 'read'>;
export type LockPort = Pick<ProvisionLock, 'acquire'>;
export type ImportPort = Pick<ImportRunner, 'run'>;
/** the verifier's calls, with their signatures as the verifier defines them */
export type VerifierPort = Pick<Verifier, 'captureDhcp' | 'checkEarly' | 'verify'>;
export type OperationsPort = Pick<ApiClient, 'fetchOperations'>;
export type ReportsPort = Pick<ApiClient, 'reportMany' | 'retry'>;
export type AckPort = Pick<StreamConsumer, 'ack'>;
