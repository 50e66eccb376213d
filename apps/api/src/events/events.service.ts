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
  private readonly emitted = new Set<ApiEventListener>();

  emit<T extends ApiEventType>(type: T, data: ApiEventMap[T]): void {
    const event: ApiEvent<T> = { type, data, timestamp: new Date().toISOString() };
    this.dispatch(event as ApiEvent, this.emitted);
    this.dispatch(event as ApiEvent, this.listeners);
  }

  /** An event another API replica emitted (EventsFanout): delivered to the listeners, not sent on again. */
  receive(event: ApiEvent): void {
    this.dispatch(event, this.listeners);
  }

  private dispatch(event: ApiEvent, listeners: Set<ApiEventListener>): void {
    const type = event.type;
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        // one broken listener must not stop the others or fail the request that emitted
        this.logger.warn(`event listener failed on ${type}: ${(err as Error).message}`);
      }
    }
  }

  /** Every event, emitted here or received from another replica. Returns the unsubscribe function. */
  subscribe(listener: ApiEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Only the events this process emitted (what EventsFanout sends to the other replicas). */
  onEmit(listener: ApiEventListener): () => void {
    this.emitted.add(listener);
    return () => this.emitted.delete(listener);
  }
}
