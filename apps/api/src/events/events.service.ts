import { Injectable, Logger } from '@nestjs/common';
import { ApiEvent, ApiEventMap, ApiEventType } from './event-types';

export type ApiEventListener = (event: ApiEvent) => void;

/**
 * In-process event bus of the API. Services emit after their transaction committed; the
 * WebSocket gateway (and tests) subscribe. Delivery is synchronous, so listeners see events in
 * exactly the order they were emitted (DOMAIN.md §7: job events in order).
 */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);
  private readonly listeners = new Set<ApiEventListener>();

  emit<T extends ApiEventType>(type: T, data: ApiEventMap[T]): void {
    const event: ApiEvent<T> = { type, data, timestamp: new Date().toISOString() };
    for (const listener of this.listeners) {
      try {
        listener(event as ApiEvent);
      } catch (err) {
        // one broken listener must not stop the others or fail the request that emitted
        this.logger.warn(`event listener failed on ${type}: ${(err as Error).message}`);
      }
    }
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: ApiEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
