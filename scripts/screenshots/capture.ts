/**
 * `npm run screenshots`: the popup of the real built extension (`dist/`, run `npm run build` first) in real Chromium,
 * in every state a call can be in, light and dark (`prefers-color-scheme`, emulated), and the toolbar icons, into
 * docs/screenshots/ (PNG), with docs/screenshots/README.md listing them and what the toolbar said in each state.
 *
 * Every state is reached honestly, with real calls in the demo app (demo/) between two browser profiles:
 * - encrypted: Bob has set his name, so Alice's popup shows it as a claim;
 * - identity-changed: Bob resets his identity during the call (the options page), before Alice verified him;
 * - verified: Alice clicked "Codes match"; Bob leaves (Alice's popup: off) and calls again: "Verified: Bob";
 * - key-changed: Bob leaves, resets his identity and calls again: "Bob's security code has changed";
 * - negotiating: both move to a call through the test relay (tests/e2e/support/relay.ts), which drops every frame
 *   CallSeal sealed (those with its key exchange and, since protocol v3, the media-only ones) — as a network that
 *   strips them would — so the keys are never agreed;
 * - unencrypted: Bob has no CallSeal;
 * - error: a page whose Content-Security-Policy keeps CallSeal's transform worker from running;
 * - blocked: the same call as unencrypted after the admin's policy requires encryption (a real managed policy
 *   file; scripts/screenshots.mjs runs this under `isolated-policies` where it exists, which gives the run a private
 *   /etc/chromium/policies).
 * The toolbar's icons are the built PNGs (dist/icons) laid out on a toolbar-coloured sheet in Chromium, next to the
 * tooltip and badge the background actually set for each state (read with chrome.action while it was live) — the
 * toolbar itself cannot be captured headless. Nothing is rendered from fakes, and the shipped extension has no
 * route for this script.
 *
 * Before each capture the popup must show the state it is filed under (its `data-state`, and the words checked
 * below), and after it must still show it; otherwise the scene (one series of calls) starts over once with new
 * browsers, and if it fails again the script stops, exits non-zero and says what the popup showed.
 *
 *   npm run build && npm run screenshots [-- --out DIR]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ElementHandle, Page } from 'puppeteer';
import UPNG from 'upng-js';
import { startDemoServer, type DemoServer } from '../../demo/server.mjs';
import { endsInMediaMarker, hasCallSealTrailer } from '../../src/e2ee/frame-container';
import type { CallState } from '../../src/shared/call-status';
import { DIST_DIR, launchBrowser, type TestBrowser } from '../../tests/e2e/support/browser';
import { closeAllCalls, popupFor, startCall, type Popup } from '../../tests/e2e/support/call';
import { writeExtensionPolicy, type ManagedPolicy } from '../../tests/e2e/support/managed-policy';
import {
  codesMatch,
  joinAt,
  leave,
  rejoin,
  resetIdentity,
  setOwnName,
  testIdText,
  toolbarOf,
} from '../../tests/e2e/support/people';
import { startRelay, type Relay } from '../../tests/e2e/support/relay';
import { startStaticServer, type StaticServer } from '../../tests/e2e/support/static-server';
import { waitFor } from '../../tests/e2e/support/wait';

const ROOT = resolve(import.meta.dirname, '../..');
const THEMES = ['light', 'dark'] as const;
/** The popup's width (popup.css). */
const POPUP_WIDTH = 340;
/**
 * The PNGs are taken at the popup's own size (1 CSS pixel a pixel) and saved with a palette of at most this many
 * colours (upng-js), lossy only in the anti-aliasing of text: the whole set stays a few hundred KB in the repository.
 */
const SCALE = 1;
const COLORS = 128;

/** Screenshots `element` (cropped to its box) into `path` as a palette PNG. */
async function savePng(element: ElementHandle, path: string): Promise<void> {
  const shot = await element.screenshot();
  const image = UPNG.decode(shot.buffer.slice(shot.byteOffset, shot.byteOffset + shot.byteLength) as ArrayBuffer);
  await writeFile(path, new Uint8Array(UPNG.encode(UPNG.toRGBA8(image), image.width, image.height, COLORS)));
}

/** The browser the popup belongs to, and the page to bring back to the front after a capture (the call's). */
interface Front {
  browser: TestBrowser;
  page: Page;
}

interface Shot {
  /** File name part: popup-<name>-<theme>.png. */
  name: string;
  state: CallState;
  /** What the screenshot shows, for docs/screenshots/README.md. */
  caption: string;
  toolbar: { title: string; badge: string; badgeColor: string };
}

interface Expected {
  state: CallState;
  /** The headline (`call-state`), exactly. */
  headline?: string;
  /** `data-warning` of the warning box. */
  warning?: string;
  /** Text that must be in the popup. */
  contains?: string[];
}

/** What the popup shows now, checked against `expected`; undefined when it matches, else what differs. */
async function mismatch(popup: Popup, expected: Expected): Promise<string | undefined> {
  const seen = await popup.page.evaluate(() => ({
    state: document.querySelector('[data-testid="call-state"]')?.getAttribute('data-state') ?? null,
    headline: document.querySelector('[data-testid="call-state"]')?.textContent ?? null,
    warning: document.querySelector('[data-testid="call-warning"]')?.getAttribute('data-warning') ?? null,
    text: document.body.textContent ?? '',
  }));
  const problems: string[] = [];
  if (seen.state !== expected.state) problems.push(`state ${seen.state}`);
  if (expected.headline !== undefined && seen.headline !== expected.headline) problems.push(`headline "${seen.headline}"`);
  if ((expected.warning ?? null) !== seen.warning) problems.push(`warning ${seen.warning}`);
  for (const text of expected.contains ?? []) if (!seen.text.includes(text)) problems.push(`no "${text}"`);
  return problems.length ? `${problems.join(', ')} (the popup says: ${seen.text.replace(/\s+/g, ' ').slice(0, 300)})` : undefined;
}

/** Two frames rendered after a change (a theme, a viewport). */
const painted = (page: Page): Promise<void> =>
  page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));

export class Capture {
  readonly shots: Shot[] = [];
  constructor(readonly out: string) {}

  /**
   * Screenshots the popup in both themes once it shows `expected` (waiting up to `timeout`), and files it under
   * `name`. The call's page is brought back to the front afterwards (a page in the background stops its video).
   */
  async popup(p: Front, popup: Popup, name: string, caption: string, expected: Expected, timeout = 60_000): Promise<void> {
    console.log(`  ${name}: waiting for the popup to show “${expected.headline ?? expected.state}”`);
    await popup.waitForState(expected.state, timeout);
    let problem: string | undefined;
    await waitFor(async () => !(problem = await mismatch(popup, expected)), { timeout: 15_000, message: `${name}` }).catch(() => {
      throw new Error(`popup "${name}": expected ${JSON.stringify(expected)}, but: ${problem}`);
    });
    const toolbar = await toolbarOf(p, popup);
    const worker = await p.browser.serviceWorker();
    const color = await worker.evaluate((tabId) => chrome.action.getBadgeBackgroundColor({ tabId }), popup.tabId);
    const page = popup.page;
    await page.bringToFront();
    await page.setViewport({ width: POPUP_WIDTH, height: 600, deviceScaleFactor: SCALE });
    await page.waitForFunction(() => [...document.images].every((image) => image.complete));
    try {
      for (const theme of THEMES) {
        await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: theme }]);
        await painted(page);
        await savePng((await page.$('body'))!, join(this.out, `popup-${name}-${theme}.png`));
      }
    } finally {
      await page.emulateMediaFeatures([]);
      await p.page.bringToFront();
    }
    const after = await mismatch(popup, expected);
    if (after) throw new Error(`popup "${name}" changed while it was captured: ${after}`);
    this.shots.push({
      name,
      state: expected.state,
      caption,
      toolbar: { ...toolbar, badgeColor: `rgb(${color.slice(0, 3).join(', ')})` },
    });
    console.log(`  ${name}: saved popup-${name}-{${THEMES.join(',')}}.png (toolbar: ${toolbar.title}${toolbar.badge ? `, badge ${toolbar.badge}` : ''})`);
  }

  /** A page of the extension (the options page), both themes. */
  async page(page: Page, name: string, width: number): Promise<void> {
    console.log(`  ${name}: capturing the page…`);
    await page.bringToFront();
    await page.setViewport({ width, height: 600, deviceScaleFactor: SCALE });
    for (const theme of THEMES) {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: theme }]);
      await painted(page);
      await savePng((await page.$('body'))!, join(this.out, `${name}-${theme}.png`));
    }
    await page.emulateMediaFeatures([]);
    console.log(`  ${name}: saved ${name}-{${THEMES.join(',')}}.png`);
  }
}

/**
 * Alice and Bob, both with CallSeal, p2p: a claimed name, an identity change, Codes match, the call ending and
 * coming back verified, a contact's key change; then a relay that strips the key exchange (negotiating).
 */
async function contactsAndWarnings(capture: Capture): Promise<void> {
  console.log('  starting an encrypted call between Alice and Bob (two Chromium profiles)…');
  const call = await startCall({
    topology: 'p2p',
    alice: { withExtension: true, e2ee: true },
    bob: { withExtension: true, e2ee: true },
  });
  const [alicePopup, bobPopup] = await Promise.all([call.alice.popup(), call.bob.popup()]);
  // Longer than the tests' waits: the script may run on a busy machine, and a slow key exchange only costs time.
  await Promise.all([alicePopup.waitForState('encrypted', 90_000), bobPopup.waitForState('encrypted', 90_000)]);
  const alice = call.alice;
  await Promise.all([setOwnName(alicePopup, 'Alice'), setOwnName(bobPopup, 'Bob')]);
  // Names go into key exchanges made from now on: Bob calls again.
  await leave(call.bob, call);
  await rejoin(call.bob);
  await waitFor(async () => (await testIdText(alicePopup, 'peer-claim'))?.includes('“Bob”'), {
    timeout: 60_000,
    message: "Alice's popup to show Bob's claimed name",
  });
  await capture.popup(alice, alicePopup, 'encrypted', 'Encrypted end to end; the other side says they are “Bob” (a claim until the codes are compared).', {
    state: 'encrypted',
    headline: 'Encrypted end to end',
    contains: ['Says they are “Bob”', 'Codes match'],
  });

  // Bob resets his identity during the call: his page switches to the new key at once.
  await resetIdentity(call.bob);
  await capture.popup(alice, alicePopup, 'identity-changed', 'The other side’s identity changed during the call (not a contact): compare the new code.', {
    state: 'identity-changed',
    warning: 'identity-changed',
    contains: ['New security code', 'Codes match'],
  });

  await codesMatch(alicePopup);
  await leave(call.bob, call);
  await capture.popup(alice, alicePopup, 'off', 'No call on this tab (the switch is on): the next call is encrypted if the other side has CallSeal on too.', {
    state: 'off',
    headline: 'Off',
  });
  await rejoin(call.bob);
  await capture.popup(alice, alicePopup, 'verified', 'A later call with a contact: “Verified: Bob”, without comparing again.', {
    state: 'verified',
    headline: 'Verified: Bob',
    contains: ['Bob is in your contacts'],
  });

  const options = await alice.browser.newPage();
  await options.goto(`chrome-extension://${alice.browser.extensionId}/src/options/index.html`);
  await options.waitForSelector('[data-testid="contacts"]');
  await capture.page(options, 'options', 720);
  await options.close();
  await alice.page.bringToFront();

  await leave(call.bob, call);
  await alicePopup.waitForState('off', 30_000);
  await resetIdentity(call.bob);
  await rejoin(call.bob);
  await capture.popup(alice, alicePopup, 'key-changed', 'A contact calls with another identity key: “Bob’s security code has changed” (also a notification).', {
    state: 'identity-changed',
    headline: "Bob's security code has changed",
    warning: 'contact-key-changed',
    contains: ['Codes match'],
  });

  // A relay that strips every frame carrying CallSeal's key exchange: the keys are never agreed.
  let relay: Relay | undefined;
  let server: DemoServer | undefined;
  try {
    relay = await startRelay({ mitm: (frame) => (hasCallSealTrailer(frame.payload) || endsInMediaMarker(frame.payload) ? null : frame.payload) });
    server = await startDemoServer({ mediaServer: relay });
    const room = `screenshots-${process.pid}`;
    const where = server;
    await Promise.all([call.alice, call.bob].map((p) => joinAt(p, where, room, 'single')));
    await alice.page.bringToFront();
    await waitFor(async () => (await alice.demo()).connected, { timeout: 60_000, message: "Alice's call through the relay to connect" });
    await capture.popup(alice, alicePopup, 'negotiating', 'Keys are being agreed (here a relay strips the key exchange): nothing is sent in clear meanwhile.', {
      state: 'negotiating',
      headline: 'Setting up encryption…',
    });
  } finally {
    await call.close();
    await server?.close();
    await relay?.close();
  }
}

/** A page that calls itself, with a Content-Security-Policy that keeps blob: workers (CallSeal's) from running. */
const STRICT_PAGE = `<!doctype html><html><head><title>Strict page</title></head><body><video id="remote" autoplay muted playsinline></video><script>
window.startCall = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: true });
  const a = (window.a = new RTCPeerConnection()), b = (window.b = new RTCPeerConnection());
  const loopback = (e) => e.candidate && e.candidate.address === '127.0.0.1';
  a.onicecandidate = (e) => loopback(e) && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => loopback(e) && a.addIceCandidate(e.candidate);
  b.ontrack = (e) => { document.getElementById('remote').srcObject = new MediaStream([e.track]); };
  a.addTrack(stream.getVideoTracks()[0], stream);
  await a.setLocalDescription(); await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(); await a.setRemoteDescription(b.localDescription);
};
</script></body></html>`;

/** Alice with CallSeal, Bob without: unencrypted; a strict page: error; the admin requires encryption: blocked. */
async function withoutThePeer(capture: Capture): Promise<void> {
  console.log('  starting a call between Alice (CallSeal on) and Bob (no CallSeal)…');
  const call = await startCall({ topology: 'p2p', alice: { withExtension: true, e2ee: true }, bob: { withExtension: false } });
  const alice = call.alice;
  let strict: StaticServer | undefined;
  let policy: ManagedPolicy | undefined;
  try {
    const popup = await alice.popup();
    await setOwnName(popup, 'Alice');
    await capture.popup(alice, popup, 'unencrypted', 'The other side has no CallSeal (or the network strips the key exchange): the call goes on unencrypted.', {
      state: 'unencrypted',
      contains: ['No key exchange received'],
    });

    strict = await startStaticServer({
      '/strict': { body: STRICT_PAGE, headers: { 'content-security-policy': "script-src 'self' 'unsafe-inline'" } },
    });
    const page = await alice.browser.newPage();
    await page.goto(strict.url('/strict'));
    await page.evaluate(() => (window as unknown as { startCall(): Promise<void> }).startCall());
    const strictPopup = await popupFor(alice.browser, page);
    await capture.popup({ browser: alice.browser, page }, strictPopup, 'error', 'CallSeal cannot run on this page (its Content-Security-Policy blocks CallSeal’s worker): not encrypted.', {
      state: 'error',
      contains: ["This page's security settings keep CallSeal's encryption from running here."],
    });
    await strictPopup.close();
    await page.close();
    await alice.page.bringToFront();

    // The admin requires end-to-end encryption (a real managed policy file); Alice calls again.
    policy = await writeExtensionPolicy({ E2EEMode: 'required' });
    const worker = await alice.browser.serviceWorker();
    await waitFor(() => worker.evaluate(async () => (await chrome.storage.managed.get('E2EEMode')).E2EEMode === 'required'), {
      timeout: 180_000,
      interval: 500,
      message: 'the browser to deliver the policy',
    });
    await alice.reload();
    await capture.popup(alice, popup, 'blocked', 'The organization requires encryption and the other side has no CallSeal: blocked, no media either way.', {
      state: 'blocked',
      contains: ['Your organization requires end-to-end encrypted calls'],
    });
  } finally {
    await policy?.remove();
    await strict?.close();
    await call.close();
  }
}

const STATE_ORDER: CallState[] = ['off', 'negotiating', 'encrypted', 'verified', 'identity-changed', 'unencrypted', 'blocked', 'error'];

/** The toolbar icons of every state, as built, with the tooltip and badge the background set (both themes). */
async function toolbarSheet(capture: Capture, page: Page): Promise<void> {
  const icon = async (state: CallState, size: number) =>
    `data:image/png;base64,${(await readFile(join(DIST_DIR, `icons/shield-${state}-${size}.png`))).toString('base64')}`;
  const rows: string[] = [];
  for (const state of STATE_ORDER) {
    const shots = capture.shots.filter((shot) => shot.state === state);
    const words = shots.map((shot) => {
      const badge = shot.toolbar.badge
        ? ` <span class="badge" style="background:${shot.toolbar.badgeColor}">${shot.toolbar.badge}</span>`
        : '';
      return `<div>${escapeHtml(shot.toolbar.title)}${badge}</div>`;
    });
    const toolbarIcon = async (size: 16 | 32) => {
      const first = shots[0]?.toolbar;
      const badge = first?.badge ? `<span class="badge on-icon" style="background:${first.badgeColor}">${first.badge}</span>` : '';
      return `<span class="slot s${size}"><img src="${await icon(state, size)}" width="${size}" height="${size}" alt="">${badge}</span>`;
    };
    rows.push(`<tr><th>${state}</th>
      <td class="bar">${await toolbarIcon(16)}</td><td class="bar">${await toolbarIcon(32)}</td>
      <td><img src="${await icon(state, 48)}" width="48" height="48" alt=""></td>
      <td><img src="${await icon(state, 128)}" width="64" height="64" alt=""></td>
      <td class="words">${words.join('') || '—'}</td></tr>`);
  }
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>
  :root { color-scheme: light; --bg: #fff; --ink: #202124; --bar: #f1f3f4; --line: #dadce0; }
  @media (prefers-color-scheme: dark) { :root { color-scheme: dark; --bg: #202124; --ink: #e8eaed; --bar: #35363a; --line: #5f6368; } }
  body { margin: 0; padding: 16px; background: var(--bg); color: var(--ink); font: 13px/1.4 system-ui, sans-serif; width: 900px; }
  table { border-collapse: collapse; }
  th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
  thead th { font-weight: 600; font-size: 12px; }
  td.bar { background: var(--bar); }
  .slot { position: relative; display: inline-block; line-height: 0; }
  .s32 { width: 32px; height: 32px; }
  .badge { display: inline-block; min-width: 12px; padding: 0 3px; border-radius: 6px; color: #fff; font: 600 10px/14px system-ui, sans-serif; text-align: center; }
  .badge.on-icon { position: absolute; right: -6px; bottom: -4px; line-height: 12px; font-size: 9px; }
  .words div + div { margin-top: 4px; }
  </style></head><body><table>
  <thead><tr><th>State</th><th>Toolbar 16 px</th><th>32 px (2×)</th><th>48 px</th><th>128 px (½)</th><th>Tooltip and badge, as the extension set them</th></tr></thead>
  <tbody>${rows.join('')}</tbody></table></body></html>`;
  await page.setViewport({ width: 940, height: 600, deviceScaleFactor: 1 });
  await page.setContent(html);
  await page.waitForFunction(() => [...document.images].every((image) => image.complete));
  for (const theme of THEMES) {
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: theme }]);
    await painted(page);
    await savePng((await page.$('body'))!, join(capture.out, `toolbar-icons-${theme}.png`));
  }
  console.log(`  saved toolbar-icons-{${THEMES.join(',')}}.png`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

/** docs/screenshots/README.md: every screenshot, light and dark, with what the toolbar said. */
async function writeIndex(capture: Capture): Promise<void> {
  const order = ['off', 'negotiating', 'encrypted', 'verified', 'identity-changed', 'key-changed', 'unencrypted', 'blocked', 'error'];
  const shots = [...capture.shots].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  const lines = [
    '# Screenshots',
    '',
    'Made by `npm run screenshots` (scripts/screenshots/capture.ts) from the built extension in real Chromium: every',
    'state reached with real calls in the demo app, light and dark. Do not edit: run the script again.',
    '',
    '| State | Light | Dark | Toolbar tooltip (badge) |',
    '| --- | --- | --- | --- |',
    ...shots.map(
      (shot) =>
        `| **${shot.name}** — ${shot.caption} | <img src="popup-${shot.name}-light.png" width="300" alt="${shot.name}, light"> | ` +
        `<img src="popup-${shot.name}-dark.png" width="300" alt="${shot.name}, dark"> | ${shot.toolbar.title}${shot.toolbar.badge ? ` (${shot.toolbar.badge})` : ''} |`,
    ),
    '',
    '## Contacts and identity (the options page)',
    '',
    '<img src="options-light.png" width="600" alt="The options page, light"> <img src="options-dark.png" width="600" alt="The options page, dark">',
    '',
    '## Toolbar icons',
    '',
    'The built icons (dist/icons) at their sizes, with the tooltip and badge the extension set in each state above.',
    '',
    '<img src="toolbar-icons-light.png" width="900" alt="Toolbar icons, light"> <img src="toolbar-icons-dark.png" width="900" alt="Toolbar icons, dark">',
    '',
  ];
  await writeFile(join(capture.out, 'README.md'), lines.join('\n'));
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } } });
  const out = resolve(values.out ?? join(ROOT, 'docs/screenshots'));
  await mkdir(out, { recursive: true });
  const capture = new Capture(out);
  const started = Date.now();
  /**
   * Runs one scene of calls. Real calls on a busy machine sometimes take a turn of their own (a peer's media arriving
   * unencrypted for a moment after a rejoin, say), and then a state is not the one filed: the scene starts over once,
   * with new browsers, and its screenshots are taken again.
   */
  const scene = async (title: string, run: (capture: Capture) => Promise<void>): Promise<void> => {
    console.log(title);
    const kept = capture.shots.length;
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(capture);
      } catch (error) {
        await closeAllCalls().catch(() => undefined);
        if (attempt >= 2) throw error;
        capture.shots.length = kept;
        console.log(`  (${(error as Error).message.split('\n')[0]})\n  starting the scene again…`);
      }
    }
  };
  try {
    await scene('Contacts and warnings (p2p, then a relay that strips the key exchange):', contactsAndWarnings);
    await scene('Without CallSeal on the other side, a strict page, a policy that requires encryption:', withoutThePeer);
    console.log('Toolbar icons (the built PNGs, with the tooltips and badges seen above):');
    const browser = await launchBrowser({ withExtension: false });
    try {
      await toolbarSheet(capture, await browser.newPage());
    } finally {
      await browser.close();
    }
    await writeIndex(capture);
  } finally {
    await closeAllCalls();
  }
  console.log(`${capture.shots.length * 2 + 4} PNGs in ${relative(ROOT, out)} (${Math.round((Date.now() - started) / 1000)} s).`);
}
