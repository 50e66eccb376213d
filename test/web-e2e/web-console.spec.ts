/**
 * The web console in Debian's Chromium (issue 12), against the real built API + worker + fake DC
 * of the e2e harness: no mocked network. The browser talks to the API on its own origin, exactly
 * as an admin's browser would. Screenshots for the README land in docs/screenshots/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from 'playwright-core';

import { ADMIN, E2eEnv, macFor, ROOT, useE2e } from '../e2e/harness';
import { launchChromium, LaunchedBrowser } from '../e2e/support/browser';

// the browser's globals, for the functions that run inside the page (this tier compiles without lib "dom")
declare const window: { __seen: string[]; __marker?: string };
declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };
declare const localStorage: { setItem(key: string, value: string): void };

const SHOTS = join(ROOT, 'docs', 'screenshots');
const VIEWER = { username: 'e2e-viewer', password: 'viewer-password-0123' };
// a slow fake import and a 1 s debounce keep Queued and Provisioning… on screen long enough to see
const e2e = useE2e({ fakeDc: { delayMs: 1500 }, worker: { PROVISION_DEBOUNCE_SEC: '1' } });

let browser: LaunchedBrowser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'web', 'index.html'))) throw new Error('dist/web missing: npm run build');
  browser = await launchChromium('en-US');
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(20_000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

const url = (env: E2eEnv, path = '/') => `http://127.0.0.1:${env.port}${path}`;

async function signIn(env: E2eEnv, user: { username: string; password: string }): Promise<void> {
  await page.goto(url(env, '/login'));
  await page.getByRole('textbox', { name: 'User name' }).fill(user.username);
  await page.getByRole('textbox', { name: 'Password' }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Hosts', level: 2 }).waitFor();
  await page.getByTestId('live-state').getByText('Live').waitFor();
}

async function signOut(): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

const badge = (hostname: string) => page.locator(`tr[data-hostname="${hostname}"] [data-testid="status-badge"]`);

/**
 * Records every provision status the row of `hostname` shows, sampled every 20 ms inside the page
 * (a MutationObserver would miss nothing either, but the row may not exist yet when we start).
 */
async function recordBadges(hostname: string): Promise<() => Promise<string[]>> {
  await page.evaluate((name) => {
    const w = window;
    w.__seen = [];
    w.__marker = 'no reload';
    setInterval(() => {
      const el = document.querySelector(`tr[data-hostname="${name}"] [data-testid="status-badge"]`);
      const s = el?.getAttribute('data-status');
      if (s && w.__seen.at(-1) !== s) w.__seen.push(s);
    }, 20);
  }, hostname);
  return () => page.evaluate(() => window.__seen);
}

const sameDocument = () => page.evaluate(() => window.__marker);

async function pickOption(label: string, option: string): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('combobox', { name: label }).click();
  await dialog.getByRole('combobox', { name: label }).fill(option);
  await page.getByRole('option', { name: option, exact: true }).click();
}

describe('web console', () => {
  e2e.test('the console is served on the API origin; /api and /ws keep their own answers', async (env) => {
    const root = await fetch(url(env, '/hosts'));
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('<div id="root">');
    const api = await fetch(url(env, '/api/v1/nope'));
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await fetch(url(env, '/ws'))).status).toBe(404);
  });

  e2e.test('sign in; a bad token returns to the login; sign out', async (env) => {
    await signIn(env, ADMIN);
    await expect(page.getByTestId('current-user').textContent()).resolves.toContain(ADMIN.username);
    await page.evaluate(() => localStorage.setItem('linbo.token', 'not-a-token'));
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(env, ADMIN);
    await signOut();
    await signIn(env, ADMIN);
  });

  e2e.test('create a host in the form: Queued → Provisioning… → Synced without a reload', async (env) => {
    await env.roomId('r100');
    await env.configId('win11');
    await page.goto(url(env, '/hosts'));
    const seen = await recordBadges('r100-pc01');
    await page.getByRole('button', { name: 'New host' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Host name' }).fill('r100-pc01');
    await dialog.getByRole('textbox', { name: 'MAC address' }).fill(macFor(1).toLowerCase());
    await dialog.getByRole('textbox', { name: 'IP address' }).fill('10.0.100.1');
    await pickOption('Room', 'r100');
    await pickOption('Config', 'win11');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });

    await page.locator('tr[data-hostname="r100-pc01"] [data-status="synced"]').waitFor({ timeout: 45_000 });
    expect(await seen()).toEqual(['pending', 'running', 'synced']);
    expect(await badge('r100-pc01').textContent()).toBe('✓Synced');
    expect(await sameDocument()).toBe('no reload');
    await expect(page.getByTestId('total-synced').textContent()).resolves.toBe('1');
  });

  e2e.test("a hostname with '_' shows the API's message on the field and queues nothing", async (env) => {
    const opsBefore = (await env.api.request<{ pagination: { total: number } }>('GET', '/operations/provision')).body;
    await page.goto(url(env, '/hosts'));
    await page.getByRole('button', { name: 'New host' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Host name' }).fill('bad_name');
    await dialog.getByRole('textbox', { name: 'MAC address' }).fill(macFor(99));
    await dialog.getByRole('button', { name: 'Save' }).click();
    const field = dialog.getByRole('textbox', { name: 'Host name' });
    await page.waitForFunction((el) => el?.getAttribute('aria-invalid') === 'true', await field.elementHandle());
    const describedBy = (await field.getAttribute('aria-describedby')) ?? '';
    const errorText = await dialog
      .locator(`[id="${describedBy.split(' ').find((id) => id.endsWith('error'))}"]`)
      .textContent();
    // the very text the API gives for this field (docs/API.md: the message names the field and says why)
    const direct = await env.api.request<{ error: { details: { field: string; message: string }[] } }>(
      'POST',
      '/hosts',
      {
        body: { hostname: 'bad_name', macAddress: macFor(99) },
      },
    );
    expect(direct.status).toBe(400);
    const apiMessage = direct.body.error.details.find((d) => d.field === 'hostname')?.message;
    expect(apiMessage).toContain("'_'");
    expect(errorText).toBe(apiMessage);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    const opsAfter = (await env.api.request<{ pagination: { total: number } }>('GET', '/operations/provision')).body;
    expect(opsAfter.pagination.total).toBe(opsBefore.pagination.total);
    expect((await env.api.request('GET', '/hosts/by-name/bad_name')).status).not.toBe(200);
  });

  e2e.test('import 3 lines with one bad line: the preview shows it, the good ones reach Synced', async (env) => {
    await page.goto(url(env, '/import'));
    const csv = [
      'r200;r200-pc01;win11;' + macFor(1, 0x20) + ';10.0.200.1;;;;classroom-studentcomputer;;1;;;;',
      'r200;r200_pc02;win11;' + macFor(2, 0x20) + ';10.0.200.2;;;;classroom-studentcomputer;;1;;;;',
      'r200;r200-pc03;win11;' + macFor(3, 0x20) + ';DHCP;;;;classroom-studentcomputer;;1;;;;',
      '',
    ].join('\n');
    await page.getByRole('textbox', { name: 'devices.csv text' }).fill(csv);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByTestId('import-preview').waitFor();
    expect(await page.getByTestId('import-counts').textContent()).toBe('2 new, 0 updated, 0 unchanged, 1 with errors');
    const outcomes = await page
      .locator('tr[data-line]')
      .evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-line'), r.getAttribute('data-outcome')]));
    expect(outcomes).toEqual([
      ['1', 'new'],
      ['2', 'error'],
      ['3', 'new'],
    ]);
    expect(await page.locator('tr[data-line="2"]').textContent()).toContain('r200_pc02');
    await page.screenshot({ path: join(SHOTS, 'import-preview.png'), fullPage: true });
    // the dry run wrote nothing
    expect((await env.api.request('GET', '/hosts/by-name/r200-pc01')).status).toBe(404);

    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-progress-text').getByText('2 of 2 synced').waitFor({ timeout: 45_000 });
    expect(await page.locator('[data-testid="import-progress"] [data-status="synced"]').count()).toBe(2);
  });

  e2e.test('a failing import shows Failed with its error; clear the fault, Retry → Synced', async (env) => {
    env.setFakeDc({ failNext: 1 });
    await page.goto(url(env, '/import'));
    const line = 'r300;r300-pc01;win11;' + macFor(1, 0x40) + ';10.0.30.1;;;;classroom-studentcomputer;;1;;;;\n';
    await page.getByRole('textbox', { name: 'devices.csv text' }).fill(line);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByTestId('import-preview').waitFor();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const row = page.locator('[data-testid="import-progress"] tr[data-hostname="r300-pc01"]');
    await row.locator('[data-status="failed"]').waitFor({ timeout: 45_000 });
    const host = await env.api.get<{ provisionError: string; provisionOpId: string }>('/hosts/by-name/r300-pc01');
    expect(host.provisionError).toEqual(expect.any(String));
    expect(await row.getByTestId('row-error').textContent()).toBe(host.provisionError);

    // the hosts page with mixed badges, and the failed job's detail, for the README
    await page.goto(url(env, '/hosts'));
    await page.locator('tr[data-hostname="r300-pc01"] [data-status="failed"]').waitFor();
    // one more host on its way, so the screenshot shows every badge: synced, failed and queued/provisioning
    await env.createHost({ hostname: 'r300-pc02', macAddress: macFor(2, 0x40), ipAddress: '10.0.30.2', room: 'r300' });
    await page.locator('tr[data-hostname="r300-pc02"] :is([data-status="pending"], [data-status="running"])').waitFor();
    await page.screenshot({ path: join(SHOTS, 'hosts.png') });
    await page.locator('tr[data-hostname="r300-pc02"] [data-status="synced"]').waitFor({ timeout: 45_000 });
    await page.goto(url(env, `/jobs/${host.provisionOpId}`));
    await page.getByTestId('job-status').getByText('failed').waitFor();
    await page.screenshot({ path: join(SHOTS, 'job-detail.png'), fullPage: true });

    env.setFakeDc({ failNext: 0 });
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByTestId('job-status').getByText('completed').waitFor({ timeout: 45_000 });
    await page.goto(url(env, '/hosts'));
    await page.locator('tr[data-hostname="r300-pc01"] [data-status="synced"]').waitFor();
  });

  e2e.test('a school, a room in it, a host in that room: the school filter shows only that host', async (env) => {
    await page.goto(url(env, '/schools'));
    await page.getByRole('button', { name: 'New school' }).click();
    let dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('north');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('tr[data-name="north"]').waitFor();
    expect(await page.locator('tr[data-name="north"] [data-testid="col0"]').textContent()).toBe('room');

    await page.goto(url(env, '/rooms'));
    await page.getByRole('button', { name: 'New' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('n1');
    await pickOption('School', 'north');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('tr[data-name="n1"]').getByText('north').waitFor();

    await page.goto(url(env, '/hosts'));
    await page.getByRole('button', { name: 'New host' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Host name' }).fill('pc01');
    await dialog.getByRole('textbox', { name: 'MAC address' }).fill(macFor(1, 0x60));
    await pickOption('Room', 'n1 · north');
    await dialog.getByText('School (from the room): north').waitFor();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    const created = await env.api.get<{ school: string; room: string }>('/hosts/by-name/pc01?school=north');
    expect(created).toMatchObject({ school: 'north', room: 'n1' });

    // other schools' hosts are listed until the filter is set
    await page.locator('tr[data-hostname="r100-pc01"]').waitFor();
    await page.getByRole('combobox', { name: 'School' }).click();
    await page.getByRole('option', { name: 'north', exact: true }).click();
    await page.waitForURL(/\/hosts\?school=north$/);
    const listed = () =>
      page.locator('tr[data-hostname]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-hostname')));
    await page.waitForFunction(() => document.querySelector('tr[data-hostname="r100-pc01"]') === null);
    expect(await listed()).toEqual(['pc01']);
    expect(await page.locator('tr[data-hostname="pc01"] [data-testid="school"]').textContent()).toBe('north');
    // the filter lives in the URL: a reload shows the same school
    await page.reload();
    await page.locator('tr[data-hostname="pc01"]').waitFor();
    expect(await listed()).toEqual(['pc01']);

    // the schools with their counts, for the README
    await page.goto(url(env, '/schools'));
    await page.locator('tr[data-name="north"]').waitFor();
    await page.screenshot({ path: join(SHOTS, 'schools.png') });
  });

  e2e.test('a viewer sees no write actions', async (env) => {
    await env.api.post('/users', { ...VIEWER, role: 'viewer' });
    await signOut();
    await signIn(env, VIEWER);
    await page.locator('tr[data-hostname="r100-pc01"]').waitFor();
    expect(await page.getByRole('button', { name: 'New host' }).count()).toBe(0);
    expect(await page.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^(Edit|Delete) / }).count()).toBe(0);
    await page.goto(url(env, '/import'));
    await page.getByRole('heading', { name: 'Import devices.csv' }).waitFor();
    expect(await page.getByRole('button', { name: 'Dry run' }).count()).toBe(0);
    await page.goto(url(env, '/rooms'));
    await page.locator('tr[data-name="r100"]').waitFor();
    expect(await page.getByRole('button', { name: 'New' }).count()).toBe(0);
    await signOut();
  });

  e2e.test('switching to German changes the texts (and stays after a reload)', async (env) => {
    await signIn(env, ADMIN);
    await page.getByText('DE', { exact: true }).click();
    await page.getByRole('heading', { name: 'Rechner', level: 2 }).waitFor();
    expect(await page.getByRole('button', { name: 'Neuer Rechner' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Aufträge' }).count()).toBe(1);
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    await page.reload();
    await page.getByRole('heading', { name: 'Rechner', level: 2 }).waitFor();
    await page.getByText('EN', { exact: true }).click();
    await page.getByRole('heading', { name: 'Hosts', level: 2 }).waitFor();
  });
});
