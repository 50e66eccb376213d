import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { vi } from 'vitest';

import type { Host, Page, Role } from '../api/types';
import { AuthProvider } from '../auth/auth';
import { FakeWebSocket } from './FakeWebSocket';

export function testClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } });
}

/** Mantine + TanStack Query (+ auth and a router when asked) around `ui`. */
export function renderUi(
  ui: ReactElement,
  { client = testClient(), route, auth = false }: { client?: QueryClient; route?: string; auth?: boolean } = {},
) {
  let tree: ReactNode = ui;
  if (route) tree = <MemoryRouter initialEntries={[route]}>{tree}</MemoryRouter>;
  if (auth) tree = <AuthProvider>{tree}</AuthProvider>;
  const result = render(
    <MantineProvider>
      <QueryClientProvider client={client}>{tree}</QueryClientProvider>
    </MantineProvider>,
  );
  return { ...result, client };
}

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

/**
 * Stands in for the API at the network boundary: `routes` maps `METHOD /path` (without the
 * query) to a status and a body; every call is recorded. Unknown routes answer 404.
 */
export type ApiRoutes = Record<string, (call: Call) => { status: number; body?: unknown }>;

export function stubApi(routes: ApiRoutes): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    const url = new URL(input, 'http://console.test');
    const method = init.method ?? 'GET';
    const call: Call = {
      method,
      path: url.pathname.replace(/^\/api\/v1/, '') + url.search,
      body: typeof init.body === 'string' && init.body.startsWith('{') ? JSON.parse(init.body) : init.body,
    };
    calls.push(call);
    const handler = routes[`${method} ${url.pathname.replace(/^\/api\/v1/, '')}`];
    const { status, body } = handler
      ? handler(call)
      : { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no stub' } } };
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' },
    });
  });
  return calls;
}

/** A signed-in user of `role` (a token in storage, GET /auth/me) and the API's other `routes`. */
export function signedInAs(role: Role, routes: ApiRoutes): Call[] {
  localStorage.setItem('linbo.token', 'test-token');
  return stubApi({
    'GET /auth/me': () => ({ status: 200, body: { data: { id: 'u1', username: `a-${role}`, role } } }),
    ...routes,
  });
}

/** The live socket connects to a FakeWebSocket (call it in beforeEach). */
export function stubWebSocket(): void {
  FakeWebSocket.instances = [];
  vi.stubGlobal('WebSocket', FakeWebSocket);
}

export function page<T>(data: T[]): Page<T> {
  return { data, pagination: { page: 1, limit: 20, total: data.length, pages: 1 } };
}

let seq = 0;
export function host(overrides: Partial<Host> = {}): Host {
  seq += 1;
  return {
    id: `h${seq}`,
    hostname: `r100-pc${String(seq).padStart(2, '0')}`,
    macAddress: `00:16:3E:00:00:${String(seq).padStart(2, '0')}`,
    ipAddress: `10.0.100.${seq}`,
    roomId: 'room1',
    room: 'r100',
    configId: 'cfg1',
    config: 'win11',
    schoolId: '00000000-0000-4000-8000-000000000001',
    school: 'default-school',
    role: 'classroom-studentcomputer',
    pxeFlag: 1,
    provisionStatus: null,
    provisionOpId: null,
    provisionError: null,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
    ...overrides,
  };
}
