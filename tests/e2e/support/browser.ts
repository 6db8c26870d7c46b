/**
 * Launches real Chromium with the built extension (dist/) for end-to-end tests and the demo.
 *
 * Puppeteer never downloads a browser here: it drives the system Chromium, `/usr/bin/chromium` unless
 * `CHROME_PATH` names another. Every browser gets a fresh profile directory, removed again by `close()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page, type WebWorker } from 'puppeteer';
// The flags known to work on this machine (see DEVELOPERS.md), shared with the demo.
import { CHROME_PATH, CHROMIUM_FLAGS } from '../../../demo/chromium.mjs';

export const DIST_DIR = resolve(import.meta.dirname, '../../../dist');
export { CHROME_PATH, CHROMIUM_FLAGS };

export interface LaunchOptions {
  /** Load the built extension (default true). */
  withExtension?: boolean;
  /** Load this unpacked extension instead of dist/ (e.g. a probe made for one test). */
  extensionDir?: string;
  /** `extensionDir` is a copy of CallSeal (e.g. `patchedExtension()`): its ID is read from its service worker. */
  isCallSeal?: boolean;
  /**
   * CallSeal is not loaded from dist/ but force-installed by managed policy (ExtensionInstallForcelist, see
   * force-install.ts) with this ID: extensions and their updater (background networking) stay on, and the launch
   * waits until the browser has installed it and its service worker runs.
   */
  forceInstalled?: string;
  /** Extra command-line flags, e.g. `--use-file-for-fake-video-capture=…`. */
  args?: string[];
  /** Extra environment for the browser process (on Linux the UI language follows LANGUAGE, not `--lang`). */
  env?: Record<string, string>;
}

export interface TestBrowser {
  browser: Browser;
  /** The extension's ID, read from its service worker's URL (undefined without the extension). */
  extensionId: string | undefined;
  /** `Date.now()` when the browser was launched. */
  launchedAt: number;
  /** The extension's service worker, for evaluating in the background. */
  serviceWorker(): Promise<WebWorker>;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * The extension's tab ID of a page. CallSeal has no "tabs" permission (it needs none), so tab URLs are hidden from
 * it: the page is brought to the front and the active tab of the last focused window is asked for.
 */
export async function tabIdOf(test: TestBrowser, page: Page): Promise<number> {
  await page.bringToFront();
  const worker = await test.serviceWorker();
  const tabId = await worker.evaluate(async () => {
    const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    return tab?.id;
  });
  if (typeof tabId !== 'number') throw new Error('no active tab found for the page');
  return tabId;
}

/** Flags that would keep Chromium from downloading and installing a force-installed extension. */
const NO_EXTENSION_UPDATES = ['--disable-background-networking', '--disable-component-update'];

export async function launchBrowser(options: LaunchOptions = {}): Promise<TestBrowser> {
  const forced = options.forceInstalled;
  const withExtension = forced !== undefined || ((options.withExtension ?? true) && options.extensionDir === undefined);
  const userDataDir = await mkdtemp(join(tmpdir(), 'callseal-profile-'));
  const flags = forced ? CHROMIUM_FLAGS.filter((flag) => !NO_EXTENSION_UPDATES.includes(flag)) : CHROMIUM_FLAGS;
  const launchedAt = Date.now();
  const browser = await puppeteer.launch({
    executablePath: CHROME_PATH,
    headless: true,
    userDataDir,
    args: [...flags, ...(options.args ?? [])],
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    ...(forced
      ? { enableExtensions: true, ignoreDefaultArgs: NO_EXTENSION_UPDATES }
      : withExtension
        ? { enableExtensions: [DIST_DIR] }
        : {}),
    ...(options.extensionDir ? { enableExtensions: [options.extensionDir] } : {}),
  });
  let extensionId: string | undefined;
  const workerPrefix = forced ? `chrome-extension://${forced}/` : 'chrome-extension://';
  // A force-installed extension is downloaded and installed after the browser starts: give it longer the first time.
  let firstWait = forced ? 45_000 : 15_000;
  const serviceWorker = async (): Promise<WebWorker> => {
    const timeout = firstWait;
    firstWait = 15_000;
    const target = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith(workerPrefix), {
      timeout,
    });
    const worker = await target.worker();
    if (!worker) throw new Error('the extension service worker target has no worker');
    return worker;
  };
  if (withExtension || (options.extensionDir !== undefined && options.isCallSeal)) {
    const worker = await serviceWorker().catch(async (error: unknown) => {
      await browser.close();
      await rm(userDataDir, { recursive: true, force: true });
      throw error;
    });
    extensionId = new URL(worker.url()).host;
  }
  return {
    browser,
    extensionId,
    launchedAt,
    serviceWorker,
    newPage: () => browser.newPage(),
    async close() {
      await browser.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
