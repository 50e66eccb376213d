import { useQueryClient } from '@tanstack/react-query';
import { createContext, ReactNode, useContext, useEffect, useRef, useState } from 'react';

import type { ApiEvent } from '../api/types';
import { useAuth } from '../auth/auth';
import { applyEvents } from './cache';
import { LiveSocket } from './socket';

type Listener = (events: readonly ApiEvent[]) => void;

interface Live {
  connected: boolean;
  /** pages that follow something (the import's progress) get every batch too */
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<Live>({ connected: false, subscribe: () => () => undefined });

/** Feeds TanStack Query's cache from the socket; after a reconnect every active query refetches once. */
export function LiveProvider({ children }: { children: ReactNode }) {
  const { token, logout } = useAuth();
  const client = useQueryClient();
  const [connected, setConnected] = useState(false);
  const listeners = useRef(new Set<Listener>());

  useEffect(() => {
    if (!token) return;
    const socket = new LiveSocket(token, {
      onBatch: (events) => {
        applyEvents(client, events);
        for (const l of listeners.current) l(events);
      },
      onReconnect: () => void client.invalidateQueries(),
      onUnauthorized: logout,
      onState: setConnected,
    });
    socket.start();
    return () => socket.stop();
  }, [token, client, logout]);

  const [value] = useState<Omit<Live, 'connected'>>(() => ({
    subscribe: (l: Listener) => {
      listeners.current.add(l);
      return () => listeners.current.delete(l);
    },
  }));
  return <LiveContext.Provider value={{ ...value, connected }}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  return useContext(LiveContext);
}
