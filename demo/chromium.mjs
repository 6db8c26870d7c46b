/**
 * How CallSeal's tools launch Chromium: the system browser (`CHROME_PATH` overrides `/usr/bin/chromium`) with the
 * flags known to work on the project's machines. Shared by `scripts/demo.mjs`; `tests/e2e/support/browser.ts`
 * keeps the same list (it may import this module instead).
 */
export const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = Object.freeze([
  '--no-sandbox',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
]);
