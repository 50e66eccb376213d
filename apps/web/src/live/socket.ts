import type { ApiEvent } from '../api/types';

export interface LiveSocketHandlers {
  /** a burst of events, delivered at most every `flushMs` (never one callback per event) */
  onBatch(events: ApiEvent[]): void;
  /** the socket came back after a drop: what happened meanwhile is unknown, refetch once */
  onReconnect(): void;
  onUnauthorized(): void;
  onState(connected: boolean): void;
}

/** the API closes a socket with a bad or expired token with 4401 (docs/API.md "WebSocket events") */
const CLOSE_UNAUTHORIZED = 4401;

/**
 * `/ws?token=…` on the same origin, reconnecting with backoff. Events are buffered and handed
 * over in one batch per `flushMs`, so 200 hosts changing at once cost a few renders, not 600.
 */
export class LiveSocket {
  private ws?: WebSocket;
  private buffer: ApiEvent[] = [];
  private flushTimer?: ReturnType<typeof setTimeout>;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private retryMs = 500;
  private everOpened = false;
  private stopped = false;

  constructor(
    private readonly token: string,
    private readonly handlers: LiveSocketHandlers,
    private readonly flushMs = 150,
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
    this.ws?.close(1000, 'bye');
    this.ws = undefined;
  }

  private open(): void {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/ws?token=${encodeURIComponent(this.token)}`);
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.handlers.onState(true);
      if (this.everOpened) this.handlers.onReconnect();
      this.everOpened = true;
    };
    ws.onmessage = (msg) => {
      try {
        this.buffer.push(JSON.parse(String(msg.data)) as ApiEvent);
      } catch {
        return;
      }
      this.flushTimer ??= setTimeout(() => this.flush(), this.flushMs);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.handlers.onState(false);
      if (ev.code === CLOSE_UNAUTHORIZED) {
        this.handlers.onUnauthorized();
        return;
      }
      if (this.stopped) return;
      this.retryTimer = setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }

  private flush(): void {
    this.flushTimer = undefined;
    const events = this.buffer;
    this.buffer = [];
    if (events.length > 0) this.handlers.onBatch(events);
  }
}
