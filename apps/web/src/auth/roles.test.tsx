import { screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { Role } from '../api/types';
import { AppRoutes } from '../App';
import { FakeWebSocket } from '../test/FakeWebSocket';
import { host, page, renderUi, stubApi } from '../test/render';

const ROWS = [host({ hostname: 'r100-pc01', provisionStatus: 'synced' }), host({ hostname: 'r100-pc02' })];
const ROOMS = [
  {
    id: 'room1',
    name: 'r100',
    description: null,
    hostCount: 2,
    createdAt: ROWS[0].createdAt,
    updatedAt: ROWS[0].updatedAt,
  },
];

function signedInAs(role: Role) {
  localStorage.setItem('linbo.token', 'test-token');
  stubApi({
    'GET /auth/me': () => ({ status: 200, body: { data: { id: 'u1', username: `a-${role}`, role } } }),
    'GET /hosts': () => ({ status: 200, body: page(ROWS) }),
    'GET /rooms': () => ({ status: 200, body: page(ROOMS) }),
    'GET /configs': () => ({ status: 200, body: page([]) }),
  });
}

beforeEach(() => {
  FakeWebSocket.instances = [];
  vi.stubGlobal('WebSocket', FakeWebSocket);
});

describe('roles', () => {
  it('a viewer sees the hosts but no write action', async () => {
    signedInAs('viewer');
    renderUi(<AppRoutes />, { route: '/hosts', auth: true });
    await screen.findByText('r100-pc02');
    expect(screen.queryByRole('button', { name: 'New host' })).toBeNull();
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
    expect(screen.queryAllByRole('button', { name: /^(Edit|Delete) / })).toHaveLength(0);
    expect(screen.queryByRole('columnheader', { name: 'Actions' })).toBeNull();
  });

  it('a viewer gets no New / Rename / Delete on the rooms page', async () => {
    signedInAs('viewer');
    renderUi(<AppRoutes />, { route: '/rooms', auth: true });
    await screen.findByText('r100');
    expect(screen.queryByRole('button', { name: 'New' })).toBeNull();
    expect(screen.queryAllByRole('button', { name: /r100$/ })).toHaveLength(0);
  });

  it('an admin gets New, Rename and Delete on the rooms page', async () => {
    signedInAs('admin');
    renderUi(<AppRoutes />, { route: '/rooms', auth: true });
    await screen.findByText('r100');
    expect(screen.getByRole('button', { name: 'New' })).toBeTruthy();
    expect(screen.getAllByRole('button', { name: /r100$/ }).length).toBeGreaterThanOrEqual(2);
  });

  it.each(['admin', 'operator'] as const)('an %s gets New host, selection, edit and delete', async (role) => {
    signedInAs(role);
    renderUi(<AppRoutes />, { route: '/hosts', auth: true });
    await screen.findByText('r100-pc02');
    expect(screen.getByRole('button', { name: 'New host' })).toBeTruthy();
    // one per row plus "select all"
    expect(screen.getAllByRole('checkbox')).toHaveLength(3);
    expect(screen.getByRole('button', { name: 'Edit r100-pc01' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Delete r100-pc02' })).toBeTruthy();
  });

  it('without a token the console shows the login', async () => {
    stubApi({});
    renderUi(<AppRoutes />, { route: '/hosts', auth: true });
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy());
  });
});
