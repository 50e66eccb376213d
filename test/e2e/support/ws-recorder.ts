/**
 * A WebSocket subscriber (DOMAIN.md §7: `/ws?token=<jwt>`, messages `{type, data, timestamp}`) that
 * keeps every message in arrival order, so a test can assert the sequence of job events.
 */
import WebSocket from 'ws';

import { waitFor, WaitOptions } from '../../support/wait-for';

export interface WsMessage<D = unknown> {
  type: string;
  data: D;
  timestamp: string;
}

/** `data` of provision.job.* events (DOMAIN.md §7). */
export interface JobEventData {
  operationId: string;
  hostId: string | null;
  hostname: string;
  action: string;
  status: string;
  provisionStatus: string | null;
  error?: string | null;
}

export class WsRecorder {
  readonly messages: WsMessage[] = [];
  /** frames that were not JSON `{type, data, timestamp}` (must stay empty) */
  readonly malformed: string[] = [];
  private closed = false;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const text = String(raw);
      try {
        const msg = JSON.parse(text) as WsMessage;
        if (typeof msg?.type !== 'string' || typeof msg.timestamp !== 'string') this.malformed.push(text);
        else this.messages.push(msg);
      } catch {
        this.malformed.push(text);
      }
    });
    socket.on('close', () => {
      this.closed = true;
    });
  }

  /** Connects to `ws://host:port/ws?token=…` and resolves once the socket is open. */
  static connect(url: string, timeoutMs = 10_000): Promise<WsRecorder> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`WebSocket ${url.replace(/token=[^&]+/, 'token=…')} did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(new WsRecorder(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        reject(new Error(`WebSocket upgrade refused with HTTP ${res.statusCode}`));
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === WebSocket.OPEN;
  }

  /** provision.job.* events of one operation, in arrival order. */
  jobEvents(operationId: string, type?: string): WsMessage<JobEventData>[] {
    return (this.messages as unknown as WsMessage<JobEventData>[]).filter(
      (m) => m.type.startsWith('provision.job.') && m.data?.operationId === operationId && (!type || m.type === type),
    );
  }

  ofType<D = unknown>(type: string): WsMessage<D>[] {
    return this.messages.filter((m) => m.type === type) as WsMessage<D>[];
  }

  waitForMessage<D = unknown>(
    what: string,
    predicate: (msg: WsMessage<D>) => boolean,
    options?: WaitOptions,
  ): Promise<WsMessage<D>> {
    return waitFor(() => (this.messages as WsMessage<D>[]).find(predicate), `WebSocket message: ${what}`, {
      timeoutMs: 20_000,
      intervalMs: 100,
      ...options,
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.terminate();
        resolve();
      }, 2_000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.close();
    });
  }
}
