import type { IncomingMessage } from 'node:http';

import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import { WebSocket } from 'ws';

import { AuthService } from '../auth/auth.service';
import { ApiEvent } from './event-types';
import { EventsService } from './events.service';

/** Close codes: 4401 = our "unauthorized" (4000–4999 is the application range of RFC 6455). */
export const WS_CLOSE_UNAUTHORIZED = 4401;
/** A socket that did not answer a ping within this time is dropped (lost network, sleeping laptop). */
export const WS_HEARTBEAT_MS = 30_000;
/** A client that reads slower than we send is dropped before its queue eats the API's memory. */
export const WS_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

interface ClientState {
  alive: boolean;
  expiry?: NodeJS.Timeout;
}

/**
 * Live events at `/ws?token=<jwt>` (DOMAIN.md §7), a plain WebSocket through WsAdapter. The socket
 * authenticates in handleConnection and is closed on failure (CONVENTIONS.md habit 8); only
 * authenticated sockets receive the broadcast `{type, data, timestamp}` messages. The server
 * never expects messages from clients.
 */
@WebSocketGateway({ path: '/ws' })
export class EventsGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventsGateway.name);
  private readonly clients = new Map<WebSocket, ClientState>();
  private unsubscribe?: () => void;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly events: EventsService,
    private readonly auth: AuthService,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((event) => this.broadcast(event));
    this.heartbeat = setInterval(() => this.checkAlive(), WS_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    clearInterval(this.heartbeat);
    for (const [client, state] of this.clients) {
      clearTimeout(state.expiry);
      client.close(1001, 'server shutting down');
    }
    this.clients.clear();
  }

  async handleConnection(client: WebSocket, request?: IncomingMessage): Promise<void> {
    const token = tokenFrom(request);
    const user = token ? await this.auth.verifyToken(token).catch(() => undefined) : undefined;
    if (!user) {
      client.close(WS_CLOSE_UNAUTHORIZED, 'unauthorized: a valid ?token=<jwt> is required');
      return;
    }
    // the socket may have gone while the token was being checked
    if (client.readyState !== WebSocket.OPEN) return;
    const state: ClientState = { alive: true };
    client.on('pong', () => (state.alive = true));
    // the token's lifetime bounds the socket's, as it bounds every HTTP request's
    const expiresAt = this.auth.expiresAt(token!);
    if (expiresAt !== undefined) {
      state.expiry = setTimeout(
        () => client.close(WS_CLOSE_UNAUTHORIZED, 'unauthorized: token expired'),
        // setTimeout overflows past 2^31-1 ms (~24.8 days)
        Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1),
      );
      state.expiry.unref();
    }
    this.clients.set(client, state);
    this.logger.debug(`socket of ${user.username} connected (${this.clients.size} open)`);
  }

  handleDisconnect(client: WebSocket): void {
    clearTimeout(this.clients.get(client)?.expiry);
    this.clients.delete(client);
  }

  /** How many authenticated sockets are open (health/metrics and tests). */
  get connectedClients(): number {
    return this.clients.size;
  }

  private broadcast(event: ApiEvent): void {
    if (this.clients.size === 0) return;
    const message = JSON.stringify(event);
    for (const client of this.clients.keys()) {
      if (client.readyState !== WebSocket.OPEN) continue;
      if (client.bufferedAmount > WS_MAX_BUFFERED_BYTES) {
        this.logger.warn('dropping a WebSocket client that does not read its events');
        client.terminate();
        continue;
      }
      client.send(message);
    }
  }

  /** Terminates sockets that did not answer the previous ping, then pings the rest. */
  private checkAlive(): void {
    for (const [client, state] of this.clients) {
      if (!state.alive) {
        client.terminate();
        continue;
      }
      state.alive = false;
      client.ping();
    }
  }
}

function tokenFrom(request: IncomingMessage | undefined): string | undefined {
  if (!request?.url) return undefined;
  const token = new URL(request.url, 'http://localhost').searchParams.get('token');
  return token || undefined;
}
