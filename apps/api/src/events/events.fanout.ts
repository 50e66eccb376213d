import { randomUUID } from 'node:crypto';

import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';

import { RedisConnections } from '@app/redis-streams';

import { ApiEvent } from './event-types';
import { EventsService } from './events.service';

/** Redis pub/sub channel every API replica publishes its events to and subscribes on. */
export const EVENTS_CHANNEL = 'linbo:events';

interface FanoutMessage {
  /** the replica that emitted the event; it has already delivered it to its own sockets */
  origin: string;
  event: ApiEvent;
}

/**
 * WebSocket events across API replicas (docs/OPERATIONS.md "Running several API replicas"): each event a replica emits is
 * delivered to its own subscribers at once (EventsService) and PUBLISHed on `linbo:events`; every
 * other replica receives it on its subscriber connection and delivers it to its sockets. Publishing
 * goes through the one command connection in emit order and Redis keeps a publisher's order, so job
 * events stay in order on every replica (DOMAIN.md §7). Pub/sub is at-most-once: while Redis is down
 * the other replicas miss events (this replica's sockets still get them); clients re-read state with
 * GET after a reconnect, as they do after any socket loss.
 */
@Injectable()
export class EventsFanout implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventsFanout.name);
  readonly origin = randomUUID();
  private subscriber?: Redis;
  private stopEmit?: () => void;
  private publishFailing = false;
  /** resolves once this replica receives the others' events */
  subscribed: Promise<void> = Promise.resolve();

  constructor(
    private readonly events: EventsService,
    private readonly redis: RedisConnections,
  ) {}

  onModuleInit(): void {
    // a subscribed connection serves nothing else: its own connection, like a blocking reader
    this.subscriber = this.redis.createBlocking('events');
    this.subscriber.on('message', (channel: string, text: string) => this.onMessage(channel, text));
    this.stopEmit = this.events.onEmit((event) => this.publish(event));
    // not awaited: with Redis down at boot the API still starts (ioredis subscribes once connected and
    // re-subscribes after every reconnect); `subscribed` tells tests when cross-replica events flow
    this.subscribed = this.subscriber.subscribe(EVENTS_CHANNEL).then(
      () => undefined,
      (err: Error) => this.logger.warn(`cannot subscribe to ${EVENTS_CHANNEL}: ${err.message}`),
    );
  }

  onModuleDestroy(): void {
    this.stopEmit?.();
    // RedisConnections closes the subscriber connection with the others
  }

  private publish(event: ApiEvent): void {
    const message: FanoutMessage = { origin: this.origin, event };
    this.redis.command.publish(EVENTS_CHANNEL, JSON.stringify(message)).then(
      () => {
        if (this.publishFailing) this.logger.log('events reach the other API replicas again');
        this.publishFailing = false;
      },
      (err: Error) => {
        if (!this.publishFailing) this.logger.warn(`events do not reach the other API replicas: ${err.message}`);
        this.publishFailing = true;
      },
    );
  }

  private onMessage(channel: string, text: string): void {
    if (channel !== EVENTS_CHANNEL) return;
    let message: FanoutMessage;
    try {
      message = JSON.parse(text) as FanoutMessage;
    } catch {
      this.logger.warn(`ignoring a message on ${EVENTS_CHANNEL} that is not JSON`);
      return;
    }
    if (message.origin === this.origin || typeof message.event?.type !== 'string') return;
    this.events.receive(message.event);
  }
}
