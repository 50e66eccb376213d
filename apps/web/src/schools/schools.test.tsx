import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { NamedResource, Role, School } from '../api/types';
import { AppRoutes } from '../App';
import { ApiRoutes, Call, host, page, renderUi, signedInAs as signIn, stubWebSocket } from '../test/render';

const DEFAULT_ID = '00000000-0000-4000-8000-000000000001';
const NORTH_ID = '00000000-0000-4000-8000-0000000000aa';

function school(overrides: Partial<School>): School {
  return {
    id: DEFAULT_ID,
    name: 'default-school',
    description: null,
    dcId: 'default',
    csvCol0Source: 'room',
    roomCount: 0,
    hostCount: 0,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
    ...overrides,
  };
}

const SCHOOLS = [
  school({ hostCount: 3 }),
  school({ id: NORTH_ID, name: 'north', dcId: 'dc-north', csvCol0Source: 'group', roomCount: 1, hostCount: 1 }),
];
const NORTH_ROOM: NamedResource = {
  id: 'room-n1',
  schoolId: NORTH_ID,
  name: 'r100',
  description: null,
  hostCount: 1,
  createdAt: SCHOOLS[0].createdAt,
  updatedAt: SCHOOLS[0].updatedAt,
};
const NORTH_HOST = host({
  hostname: 'pc01',
  roomId: NORTH_ROOM.id,
  room: 'r100',
  schoolId: NORTH_ID,
  school: 'north',
});

function signedInAs(role: Role, extra: ApiRoutes = {}): Call[] {
  return signIn(role, {
    'GET /schools': () => ({ status: 200, body: { data: SCHOOLS } }),
    'GET /dcs': () => ({
      status: 200,
      body: {
        data: [
          { id: 'default', description: null, schools: ['default-school'], keys: [] },
          { id: 'dc-north', description: 'Nord', schools: ['north'], keys: [] },
        ],
      },
    }),
    'GET /hosts': (c) => ({ status: 200, body: page(c.path.includes('school=north') ? [NORTH_HOST] : []) }),
    'GET /rooms': () => ({ status: 200, body: page([NORTH_ROOM]) }),
    'GET /configs': () => ({ status: 200, body: page([]) }),
    ...extra,
  });
}

/** The router's current location, so a test can see what the page put into the URL. */
function Where() {
  const loc = useLocation();
  return <output data-testid="where">{loc.pathname + loc.search}</output>;
}

/** Opens a Mantine Select by its label and picks an option. */
async function choose(label: RegExp, option: string, root: HTMLElement = document.body) {
  // Mantine gives the input the combobox role only in some variants
  const input =
    within(root).queryByRole('combobox', { name: label }) ?? within(root).getByRole('textbox', { name: label });
  fireEvent.click(input);
  // the options of this input's own listbox (another Select's may be mounted too); the dropdown is
  // still in its opening transition, hence `hidden`
  await waitFor(() => expect(input.getAttribute('aria-controls')).toBeTruthy());
  const listbox = document.getElementById(input.getAttribute('aria-controls')!)!;
  fireEvent.click(within(listbox).getByRole('option', { name: option, hidden: true }));
}

beforeEach(stubWebSocket);

describe('Schools page', () => {
  it('lists every school with its DC and column-0 source', async () => {
    signedInAs('viewer');
    renderUi(<AppRoutes />, { route: '/schools', auth: true });
    const row = await screen.findByText('north');
    const cells = within(row.closest('tr')!)
      .getAllByRole('cell')
      .map((c) => c.textContent);
    expect(cells.slice(0, 5)).toEqual(['north', 'dc-north', 'group', '1', '1']);
  });

  it('a viewer and an operator get no write control, and the console never asks for the DCs', async () => {
    for (const role of ['viewer', 'operator'] as const) {
      const calls = signedInAs(role);
      const { unmount } = renderUi(<AppRoutes />, { route: '/schools', auth: true });
      await screen.findByText('north');
      expect(screen.queryByRole('button', { name: 'New school' })).toBeNull();
      expect(screen.queryAllByRole('button', { name: /^(Edit|Delete) / })).toHaveLength(0);
      expect(calls.some((c) => c.path.startsWith('/dcs'))).toBe(false);
      unmount();
    }
  });

  it('an admin creates a school; the API’s refusal of the name lands on the name field', async () => {
    let tries = 0;
    const calls = signedInAs('admin', {
      'POST /schools': () =>
        ++tries === 1
          ? {
              status: 400,
              body: {
                error: {
                  code: 'DC_NAME_TOO_LONG',
                  message: 'school name abcdefghijklmn (14 characters) leaves no room for a hostname',
                  details: { field: 'name', length: 14 },
                },
              },
            }
          : { status: 201, body: { data: school({ id: 'new', name: 'south' }) } },
    });
    renderUi(<AppRoutes />, { route: '/schools', auth: true });
    fireEvent.click(await screen.findByRole('button', { name: 'New school' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByRole('textbox', { name: /^Name/ }), { target: { value: 'abcdefghijklmn' } });
    fireEvent.click(within(dialog).getByRole('radio', { name: 'group (config)' }));
    await choose(/^DC/, 'dc-north – Nord');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    const name = within(dialog).getByRole('textbox', { name: /^Name/ });
    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('true'));
    expect(dialog.textContent).toContain('leaves no room for a hostname');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      name: 'abcdefghijklmn',
      dcId: 'dc-north',
      csvCol0Source: 'group',
      description: null,
    });

    fireEvent.change(name, { target: { value: 'south' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(2);
  });

  it('an edit cannot change the name and sends only DC, column 0 and description', async () => {
    const calls = signedInAs('admin', {
      'PATCH /schools/00000000-0000-4000-8000-0000000000aa': () => ({ status: 200, body: { data: SCHOOLS[1] } }),
    });
    renderUi(<AppRoutes />, { route: '/schools', auth: true });
    fireEvent.click(await screen.findByRole('button', { name: 'Edit north' }));
    const dialog = await screen.findByRole('dialog');
    expect((within(dialog).getByRole('textbox', { name: /^Name/ }) as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(within(dialog).getByRole('radio', { name: 'room' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({
      dcId: 'dc-north',
      csvCol0Source: 'room',
      description: null,
    });
  });

  it('default-school has no delete; a school with rooms says why it cannot go (IN_USE)', async () => {
    signedInAs('admin', {
      'DELETE /schools/00000000-0000-4000-8000-0000000000aa': () => ({
        status: 409,
        body: { error: { code: 'IN_USE', message: 'school north still has rooms or hosts; delete them first' } },
      }),
    });
    renderUi(<AppRoutes />, { route: '/schools', auth: true });
    await screen.findByText('north');
    expect(screen.queryByRole('button', { name: 'Delete default-school' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Delete north' }));
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Delete' }));
    expect((await screen.findByTestId('in-use')).textContent).toBe(
      'Cannot delete: school north still has rooms or hosts; delete them first',
    );
  });
});

describe('schools elsewhere in the console', () => {
  it('the hosts list filters by school, keeps it in the URL and shows each host’s school', async () => {
    const calls = signedInAs('operator');
    renderUi(
      <>
        <AppRoutes />
        <Where />
      </>,
      { route: '/hosts?school=north', auth: true },
    );
    const row = await screen.findByText('pc01');
    expect(within(row.closest('tr')!).getByTestId('school').textContent).toBe('north');
    const hostCalls = () => calls.filter((c) => c.path.startsWith('/hosts?') && c.path.includes('limit=20'));
    expect(hostCalls().at(-1)?.path).toContain('school=north');
    // rooms offered by the filter are the school's
    expect(calls.some((c) => c.path.startsWith('/rooms?') && c.path.includes('school=north'))).toBe(true);

    await choose(/^School/, 'default-school');
    await waitFor(() => expect(screen.getByTestId('where').textContent).toBe('/hosts?school=default-school'));
    await waitFor(() => expect(screen.queryByText('pc01')).toBeNull());
    expect(hostCalls().at(-1)?.path).toContain('school=default-school');
  });

  it('a new room is created in the chosen school', async () => {
    const calls = signedInAs('operator', {
      'POST /rooms': () => ({ status: 201, body: { data: NORTH_ROOM } }),
    });
    renderUi(<AppRoutes />, { route: '/rooms', auth: true });
    // the list shows each room's school
    const row = await screen.findByText('r100');
    expect(within(row.closest('tr')!).getAllByRole('cell')[1].textContent).toBe('north');
    fireEvent.click(screen.getByRole('button', { name: 'New' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByRole('textbox', { name: /^Name/ }), { target: { value: 'r200' } });
    await choose(/^School/, 'north', dialog);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'r200', description: null, school: 'north' });
  });

  it('import and export work on the chosen school', async () => {
    const summary = {
      dryRun: true,
      created: 1,
      updated: 0,
      skipped: 0,
      failed: 0,
      errors: [],
      roomsCreated: [],
      configsCreated: [],
      jobsQueued: 0,
    };
    const calls = signedInAs('operator', {
      'POST /import/devices': () => ({ status: 200, body: { data: summary } }),
      'GET /export/devices': () => ({ status: 200, body: '' }),
    });
    URL.createObjectURL = () => 'blob:x';
    URL.revokeObjectURL = () => undefined;
    // jsdom cannot follow the download link's navigation
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    renderUi(<AppRoutes />, { route: '/import', auth: true });
    await screen.findByRole('heading', { name: 'Import devices.csv' });
    await choose(/^School/, 'north');
    fireEvent.change(screen.getByRole('textbox', { name: /devices\.csv text/ }), {
      target: { value: 'r100;pc02;nopxe;00:16:3e:00:00:02;DHCP;;;;classroom-studentcomputer;;0;;;;;\n' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Dry run' }));
    await screen.findByTestId('import-preview');
    const dry = calls.find((c) => c.method === 'POST' && c.path.startsWith('/import/devices'));
    expect(new URLSearchParams(dry!.path.split('?')[1])).toEqual(new URLSearchParams('dryRun=true&school=north'));
    expect(calls.find((c) => c.path.startsWith('/hosts/by-name/pc02'))?.path).toBe('/hosts/by-name/pc02?school=north');

    fireEvent.click(screen.getByRole('button', { name: 'Export devices.csv' }));
    await waitFor(() => expect(calls.some((c) => c.path === '/export/devices?school=north')).toBe(true));
  });
});
