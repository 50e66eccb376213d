/**
 * Debian's Chromium (`apt-get install chromium`) driven by playwright-core: no browser download.
 * The flags are the ones that work in this sandbox (no GPU, no namespaces for the sandbox, no
 * background traffic); every launch gets a fresh profile directory, removed on close. Used by the
 * browser tests (test/web-e2e) and by `npm run bench:web`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface LaunchedBrowser {
  /** one profile (one localStorage): sign out before signing in as someone else */
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(locale = 'en-US'): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'linbo-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
    locale,
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
