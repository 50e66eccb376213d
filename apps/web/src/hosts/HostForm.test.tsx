import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { page, renderUi, stubApi } from '../test/render';
import { HostForm } from './HostForm';

const HOSTNAME_MESSAGE = "hostname must not contain '_': only letters, digits and '-' are allowed";

/** The error text Mantine ties to an input through aria-describedby. */
function errorOf(input: HTMLElement): string | null {
  if (input.getAttribute('aria-invalid') !== 'true') return null;
  const id = (input.getAttribute('aria-describedby') ?? '').split(' ').find((i) => i.endsWith('error'));
  return id ? (document.getElementById(id)?.textContent ?? null) : null;
}

const resources = {
  'GET /rooms': () => ({ status: 200, body: page([]) }),
  'GET /configs': () => ({ status: 200, body: page([]) }),
};

function fill(name: RegExp, value: string) {
  fireEvent.change(screen.getByRole('textbox', { name }), { target: { value } });
}

describe('HostForm', () => {
  it("puts each of the API's details[{field, message}] on its field and stays open", async () => {
    const calls = stubApi({
      ...resources,
      'POST /hosts': () => ({
        status: 400,
        body: {
          error: {
            code: 'VALIDATION_FAILED',
            message: 'request validation failed',
            details: [
              { field: 'hostname', message: HOSTNAME_MESSAGE },
              { field: 'ipAddress', message: 'ipAddress must be an IPv4 address' },
            ],
          },
        },
      }),
    });
    const onClose = vi.fn();
    renderUi(<HostForm onClose={onClose} />);
    fill(/^Host name/, 'bad_name');
    fill(/^MAC address/, '00:16:3e:00:00:01');
    fill(/^IP address/, '10.0.0.300');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    const hostname = screen.getByRole('textbox', { name: /^Host name/ });
    await waitFor(() => expect(errorOf(hostname)).toBe(HOSTNAME_MESSAGE));
    expect(errorOf(screen.getByRole('textbox', { name: /^IP address/ }))).toBe('ipAddress must be an IPv4 address');
    expect(errorOf(screen.getByRole('textbox', { name: /^MAC address/ }))).toBeNull();
    expect(screen.queryByTestId('form-error')).toBeNull();
    expect(onClose).not.toHaveBeenCalled();
    expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({
      hostname: 'bad_name',
      macAddress: '00:16:3e:00:00:01',
      ipAddress: '10.0.0.300',
    });

    // typing in a field clears its message, the others stay
    fill(/^Host name/, 'good-name');
    expect(errorOf(hostname)).toBeNull();
    expect(errorOf(screen.getByRole('textbox', { name: /^IP address/ }))).not.toBeNull();
  });

  it('a 409 names the taken field on that field and says so above the form', async () => {
    stubApi({
      ...resources,
      'POST /hosts': () => ({
        status: 409,
        body: {
          error: {
            code: 'CONFLICT',
            message: 'macAddress is already used by r100-pc07',
            details: [{ field: 'macAddress', message: 'used by r100-pc07' }],
          },
        },
      }),
    });
    renderUi(<HostForm onClose={() => undefined} />);
    fill(/^Host name/, 'r100-pc08');
    fill(/^MAC address/, '00:16:3e:00:00:07');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const mac = screen.getByRole('textbox', { name: /^MAC address/ });
    await waitFor(() => expect(errorOf(mac)).toBe('macAddress is already taken: used by r100-pc07'));
    expect(screen.getByTestId('form-error').textContent).toBe('macAddress is already used by r100-pc07');
  });

  it('a saved host closes the form; an empty IP is sent as null (DHCP)', async () => {
    const calls = stubApi({ ...resources, 'POST /hosts': () => ({ status: 201, body: { data: { id: 'h1' } } }) });
    const onClose = vi.fn();
    renderUi(<HostForm onClose={onClose} />);
    fill(/^Host name/, 'r100-pc01');
    fill(/^MAC address/, '00:16:3e:00:00:01');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
    expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({ ipAddress: null, pxeFlag: 1 });
  });

  it('DC_NAME_TOO_LONG lands on the host name; the school shown is the chosen room’s', async () => {
    const message =
      'hostname abcdefghij becomes north-abcdefghij on the DC of school north (16 characters): a computer ' +
      'account name may have at most 15 (NetBIOS limit), so hostnames of north may have at most 9';
    stubApi({
      'GET /rooms': () => ({
        status: 200,
        body: page([
          {
            id: 'room-n1',
            schoolId: 'school-north',
            name: 'r100',
            description: null,
            hostCount: 0,
            createdAt: '2026-12-01T10:00:00.000Z',
            updatedAt: '2026-12-01T10:00:00.000Z',
          },
        ]),
      }),
      'GET /configs': () => ({ status: 200, body: page([]) }),
      'GET /schools': () => ({
        status: 200,
        body: { data: [{ id: 'school-north', name: 'north', dcId: 'default', csvCol0Source: 'room' }] },
      }),
      'POST /hosts': () => ({
        status: 400,
        body: {
          error: {
            code: 'DC_NAME_TOO_LONG',
            message,
            details: { field: 'hostname', dcName: 'north-abcdefghij', length: 16, max: 15 },
          },
        },
      }),
    });
    renderUi(<HostForm onClose={() => undefined} />);
    // no room: default-school
    expect(await screen.findByText('School (from the room): default-school')).toBeTruthy();
    fireEvent.click(screen.getByRole('combobox', { name: /^Room/ }));
    fireEvent.click(await screen.findByRole('option', { name: 'r100 · north', hidden: true }));
    expect(await screen.findByText('School (from the room): north')).toBeTruthy();
    fill(/^Host name/, 'abcdefghij');
    fill(/^MAC address/, '00:16:3e:00:00:01');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const hostname = screen.getByRole('textbox', { name: /^Host name/ });
    await waitFor(() => expect(errorOf(hostname)).toBe(message));
    expect(screen.queryByTestId('form-error')).toBeNull();
  });
});
