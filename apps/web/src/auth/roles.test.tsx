import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import type { Role } from '../api/types';
import { AppRoutes } from '../App';
import { ApiRoutes, Call, host, page, renderUi, signedInAs as signIn, stubApi, stubWebSocket } from '../test/render';

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

function signedInAs(role: Role, extra: ApiRoutes = {}): Call[] {
  return signIn(role, {
    'GET /hosts': () => ({ status: 200, body: page(ROWS) }),
    'GET /rooms': () => ({ status: 200, body: page(ROOMS) }),
    'GET /configs': () => ({ status: 200, body: page([]) }),
    ...extra,
  });
}

beforeEach(stubWebSocket);

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

  it('an operator may rename a room but gets no Delete', async () => {
    signedInAs('operator');
    renderUi(<AppRoutes />, { route: '/rooms', auth: true });
    await screen.findByText('r100');
    expect(screen.getByRole('button', { name: 'Rename r100' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Delete r100' })).toBeNull();
  });

  it('an admin is asked before a room goes, and a refusal (IN_USE) says why', async () => {
    const calls = signedInAs('admin', {
      'DELETE /rooms/room1': () => ({
        status: 409,
        body: { error: { code: 'IN_USE', message: 'room r100 still has 2 hosts' } },
      }),
    });
    renderUi(<AppRoutes />, { route: '/rooms', auth: true });
    fireEvent.click(await screen.findByRole('button', { name: 'Delete r100' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Delete r100?')).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect((await screen.findByTestId('in-use')).textContent).toBe('Cannot delete: room r100 still has 2 hosts');
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/rooms/room1']);
  });

  it('without a token the console shows the login', async () => {
    stubApi({});
    renderUi(<AppRoutes />, { route: '/hosts', auth: true });
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy());
  });
});
