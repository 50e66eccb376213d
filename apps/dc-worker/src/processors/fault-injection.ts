import { WorkerConfig } from '../config/worker-config';
import { WorkerLogger } from '../logging/worker-logger';

/**
 * TEST ONLY (DOMAIN.md §11 scenario 9): with WORKER_FAULT_POINT set, the worker SIGKILLs itself at
 * that step so the crash-recovery tests can hit the exact windows between writing and ACKing.
 * SIGKILL, not an exception: nothing may run after it (no finally, no shutdown hooks).
 */
export function faultPoint(config: WorkerConfig, logger: WorkerLogger, point: string): void {
  if (config.faultPoint !== point) return;
  logger.fatal({ faultPoint: point }, 'WORKER_FAULT_POINT reached: killing the worker (test hook)');
  logger.flush?.();
  process.kill(process.pid, 'SIGKILL');
}
