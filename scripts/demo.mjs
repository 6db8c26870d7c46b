/**
 * `npm start`: shows CallSeal working, end to end, without any setup.
 *
 * Starts the demo call app (`demo/server.mjs`), launches two Chromium profiles ("alice" and "bob") with the
 * built extension (`dist/`), switches E2EE on in each through the extension's popup, places a call between them and
 * prints what each popup shows (state and security code) and whether the codes match. Then it keeps running,
 * printing every change, until Ctrl-C.
 *
 *   node scripts/demo.mjs [--port N] [--topology p2p] [--once] [--headless]
 *
 *   --port N      the demo server's port (default 8080; 0 picks a free one)
 *   --topology    p2p only: the relayed topologies need the test relay (tests/e2e/support/relay.ts)
 *   --once        print the result and exit: 0 when both sides show the same code, 1 otherwise (after ~45 s)
 *   --headless    no browser windows, even where there is a display (without a display they are always headless)
 *
 * CHROME_PATH overrides /usr/bin/chromium.
 */
/* global chrome -- the extension API, in the service worker that worker.evaluate() runs in */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer';
import { CHROME_PATH, CHROMIUM_FLAGS } from '../demo/chromium.mjs';
import { startDemoServer } from '../demo/server.mjs';

const DIST_DIR = resolve(import.meta.dirname, '../dist');
const ONCE_TIMEOUT_MS = 45_000;
const POLL_MS = 500;
const CODE_FORMAT = /^\d{5} \d{5} \d{5} \d{5}$/;
const SELECTORS = {
  toggle: '[data-testid="e2ee-toggle"]',
  state: '[data-testid="call-state"]',
  code: '[data-testid="security-code"]',
};

const usage = 'usage: node scripts/demo.mjs [--port N] [--topology p2p] [--once] [--headless]';
let options;
try {
  options = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      topology: { type: 'string', default: 'p2p' },
      once: { type: 'boolean', default: false },
      headless: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  process.exit(2);
}
if (options.help) {
  console.log(usage);
  process.exit(0);
}
const port = Number(options.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: not a port number: ${options.port}\n${usage}`);
  process.exit(2);
}
if (options.topology !== 'p2p') {
  console.error(
    `--topology ${options.topology}: this script runs p2p calls only. The relayed topologies (single, split) need the ` +
      'werift media relay the end-to-end tests start (tests/e2e/call/).',
  );
  process.exit(2);
}
if (!existsSync(join(DIST_DIR, 'manifest.json'))) {
  console.error(`No built extension in ${DIST_DIR}: run \`npm run build\` first (\`npm start\` does).`);
  process.exit(2);
}
if (!existsSync(CHROME_PATH)) {
  console.error(`No Chromium at ${CHROME_PATH}: install it (apt-get install -y chromium) or set CHROME_PATH.`);
  process.exit(2);
}

/** Everything to stop, last started first. */
const cleanups = [];
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const stop of cleanups.reverse()) {
    try {
      await stop();
    } catch (error) {
      console.error(`while stopping: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  process.exit(code);
}
process.once('SIGINT', () => {
  console.log('\nStopping…');
  void shutdown(0);
});
process.once('SIGTERM', () => void shutdown(0));

/** Windows only where there is a display to show them on (Linux without X11 or Wayland has none). */
const headless =
  options.headless || (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY);

/** Launches Chromium with CallSeal and a profile of its own. */
async function launch(name) {
  const userDataDir = await mkdtemp(join(tmpdir(), `callseal-demo-${name}-`));
  cleanups.push(() => rm(userDataDir, { recursive: true, force: true }));
  const browser = await puppeteer.launch({
    executablePath: CHROME_PATH,
    headless,
    userDataDir,
    args: [...CHROMIUM_FLAGS],
    enableExtensions: [DIST_DIR],
    // This script stops the browsers itself (and removes their profiles) on Ctrl-C.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  cleanups.push(() => browser.close());
  const target = await browser.waitForTarget(
    (t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'),
    { timeout: 15_000 },
  );
  const worker = await target.worker();
  if (!worker) throw new Error(`${name}: CallSeal's service worker did not start`);
  return { browser, worker, extensionId: new URL(worker.url()).host };
}

/**
 * Opens the app's landing page, then CallSeal's popup for that tab (the popup page takes `?tabId=`; the extension
 * cannot read tab URLs, so the tab is found as the active one), switches E2EE on, and joins the call.
 */
async function joinCall(name, server, room) {
  const { browser, worker, extensionId } = await launch(name);
  const page = await browser.newPage();
  await page.goto(server.url('/'));
  await page.bringToFront();
  const active = await worker.evaluate(async () => (await chrome.tabs.query({ active: true })).map((t) => t.id));
  if (active.length !== 1 || typeof active[0] !== 'number') throw new Error(`${name}: cannot tell which tab is the call`);
  const tabId = active[0];
  const popup = await browser.newPage();
  await popup.goto(`chrome-extension://${extensionId}/src/popup/index.html?tabId=${tabId}`);
  const toggle = await popup.waitForSelector(SELECTORS.toggle, { timeout: 10_000 }).catch(() => null);
  if (!toggle) throw new Error(`${name}: the popup has no E2EE switch (${SELECTORS.toggle}); is dist/ up to date?`);
  const isOn = () =>
    popup.evaluate((sel) => {
      const el = document.querySelector(sel);
      if (el instanceof HTMLInputElement) return el.checked;
      const aria = el?.getAttribute('aria-checked') ?? el?.getAttribute('aria-pressed');
      return aria === null || aria === undefined ? undefined : aria === 'true';
    }, SELECTORS.toggle);
  // A DOM click: puppeteer's mouse click waits for animation frames, which background pages do not get.
  if ((await isOn()) !== true) await toggle.evaluate((el) => el.click());
  await page.goto(server.url(`/?${new URLSearchParams({ room, peer: name, topology: 'p2p', loopback: '1' })}`));
  await page.bringToFront(); // a background tab stops rendering video
  const read = () =>
    popup.evaluate((s) => {
      const state = document.querySelector(s.state)?.getAttribute('data-state') ?? 'unknown';
      const code = document.querySelector(s.code)?.textContent?.trim() || undefined;
      return { state, code };
    }, SELECTORS);
  return { name, read };
}

const describe = ({ state, code }) => `${state.padEnd(12)}${code ? `code ${code}` : ''}`;
const agreed = (a, b) => Boolean(a.code && CODE_FORMAT.test(a.code) && a.code === b.code) &&
  ['encrypted', 'verified'].includes(a.state) && ['encrypted', 'verified'].includes(b.state);

try {
  const server = await startDemoServer({ port });
  cleanups.push(() => server.close());
  const room = `demo-${Math.random().toString(36).slice(2, 8)}`;
  console.log(`Demo call app: ${server.url('/')}`);
  console.log(
    '  To try it yourself: build (npm run build), open chrome://extensions in Chrome or Edge, turn on Developer mode,\n' +
      `  "Load unpacked" the folder ${DIST_DIR}, switch CallSeal on in its popup, and open\n` +
      `  ${server.url('/')} in two profiles: same room, different names.\n`,
  );
  const kind = headless ? 'headless ' : '';
  console.log(`Starting two ${kind}Chromium profiles (${CHROME_PATH}) with CallSeal switched on, room "${room}"…`);
  const [alice, bob] = await Promise.all([joinCall('alice', server, room), joinCall('bob', server, room)]);

  const started = Date.now();
  let last = '';
  let reported = false;
  for (;;) {
    const [a, b] = await Promise.all([alice.read(), bob.read()]);
    const now = `alice: ${describe(a)}\nbob:   ${describe(b)}`;
    if (now !== last) {
      console.log(`\n[${((Date.now() - started) / 1000).toFixed(1)} s]\n${now}`);
      last = now;
      reported = false;
    }
    const match = agreed(a, b);
    if (match && !reported) {
      console.log('The security codes match: the call is end-to-end encrypted between alice and bob.');
      reported = true;
    } else if (a.code && b.code && a.code !== b.code && !reported) {
      console.log('The security codes DIFFER: the two sides did not agree on the same keys.');
      reported = true;
    }
    if (options.once) {
      if (match) await shutdown(0);
      if (Date.now() - started > ONCE_TIMEOUT_MS) {
        console.error(
          `\nFAILED: after ${ONCE_TIMEOUT_MS / 1000} s the two sides do not show the same security code ` +
            `(alice: ${describe(a)}; bob: ${describe(b)}).`,
        );
        await shutdown(1);
      }
    }
    if (stopping) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
} catch (error) {
  if (!stopping) {
    console.error(`The demo failed: ${error instanceof Error ? error.message : String(error)}`);
    await shutdown(1);
  }
}
