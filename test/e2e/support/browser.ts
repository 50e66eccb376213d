/** The browser tests launch Chromium the way `npm run bench:web` does: tools/chromium.ts. */
export { CHROMIUM_PATH, launchChromium, type LaunchedBrowser } from '../../../tools/chromium';
