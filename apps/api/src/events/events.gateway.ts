import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { AuthService } from '../auth/auth.service';
import { ApiEvent } from './event-types';
import { EventsService } from './events.service';

/** Close codes: 4401 = our "unauthorized" (4000–4999 is the application range of RFC 6455). */
export const WS_CLOSE_UNAUTHORIZED = 4401;

/**
 * Live events at `/ws?token=<jwt>` (SPEC §7), a plain WebSocket through WsAdapter. The socket
 * authenticates in handleConnection and is closed on failure (STYLE.md habit 8); only
 * authenticated sockets receive the broadcast `{type, data, timestamp}` messages. The server
 * never expects messages from clients.
 */
@WebSocketGateway({ path: '/ws' })
export class EventsGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventsGateway.name);
  private readonly clients = new Set<WebSocket>();
  private unsubscribe?: () => void;

  constructor(
    private readonly events: EventsService,
    private readonly auth: AuthService,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((event) => this.broadcast(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    for (const client of this.clients) client.close(1001, 'server shutting down');
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
    this.clients.add(client);
    this.logger.debug(`socket of ${user.username} connected (${this.clients.size} open)`);
  }

  handleDisconnect(client: WebSocket): void {
    this.clients.delete(client);
  }

  /** How many authenticated sockets are open (health/metrics and tests). */
  get connectedClients(): number {
    return this.clients.size;
  }

  private broadcast(event: ApiEvent): void {
    if (this.clients.size === 0) return;
    const message = JSON.stringify(event);
    for (const client of this.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(message);
    }
  }
}

function tokenFrom(request: IncomingMessage | undefined): string | undefined {
  if (!request?.url) return undefined;
  const token = new URL(request.url, 'http://localhost').searchParams.get('token');
  return token || undefined;
}
