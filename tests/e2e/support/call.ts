/**
 * Two-party calls in the demo app (`demo/`) between two real browsers, each with its own profile and its own
 * solid-colour fake camera (Alice red, Bob blue), optionally with CallSeal loaded and switched on, optionally
 * through the werift media relay (`relay.ts`). `close()` stops everything the call started.
 *
 * `popupFor()` opens CallSeal's popup for a page's tab as a page of its own (`…/src/popup/index.html?tabId=N`).
 */
import type { Page } from 'puppeteer';
import type { CallState } from '../../../src/shared/call-status';
import { startDemoServer, type DemoServer } from '../../../demo/server.mjs';
import { launchBrowser, type TestBrowser } from './browser';
import { BLUE, RED, fakeCameras, type FakeCameras, type Rgb } from './fake-camera';
import { startRelay, type Relay } from './relay';
import { waitFor } from './wait';

export type Topology = 'p2p' | 'single' | 'split';

/** Popup states (`data-state` of `[data-testid="call-state"]`). */
export type PopupState = CallState;

export interface Popup {
  page: Page;
  tabId: number;
  /** Clicks the E2EE switch (a setting of the whole browser profile). */
  toggle(): Promise<void>;
  /** Waits until the popup has rendered the switch. */
  waitForToggle(): Promise<true>;
  /** The switch's position, when the control exposes one (checkbox, aria-checked or aria-pressed). */
  switchedOn(): Promise<boolean | undefined>;
  /** `data-state` of the call state, or undefined while the popup has not rendered it. */
  state(): Promise<string | undefined>;
  /** The security code's text, or undefined when none is shown. */
  securityCode(): Promise<string | undefined>;
  waitForState(state: PopupState | readonly PopupState[], timeout?: number): Promise<string>;
  close(): Promise<void>;
}

/** What the demo app exposes on `window.demo`. */
export interface DemoState {
  room: string | null;
  peer: string | null;
  topology: string;
  other: string | null;
  callId: number;
  connected: boolean;
  remoteVideoPlaying: boolean;
  remoteFrames: number;
  connections: { name: string; connectionState: string; iceConnectionState: string; signalingState: string }[];
  status: string;
  errors: string[];
  history: string[];
}

export interface ParticipantOptions {
  /** Load CallSeal (default false). */
  withExtension?: boolean;
  /** CallSeal force-installed by managed policy with this ID instead of loaded from dist/ (force-install.ts). */
  forceInstalled?: string;
  /** Switch E2EE on in the popup before joining (needs `withExtension`; default false). */
  e2ee?: boolean;
  /** The fake camera's colour (default red for Alice, blue for Bob). */
  color?: Rgb;
  /** Extra Chromium flags. */
  args?: string[];
  /** Load this copy of CallSeal instead of dist/ (`patchedExtension()`); implies `withExtension`. */
  extensionDir?: string;
  /** Runs once the browser and its page exist, before the call page loads (e.g. to watch the service worker). */
  beforeCall?: (browser: TestBrowser, page: Page) => Promise<void>;
}

export interface CallOptions {
  topology?: Topology;
  alice?: ParticipantOptions;
  bob?: ParticipantOptions;
  /** A relay for `single`/`split` the caller owns; without one, the call starts (and closes) its own. */
  relay?: Relay;
  room?: string;
  /** The demo's video codec (`vp8` by default; `h264`, `h264-mode0`, `vp9`, `av1`). */
  codec?: string;
  /** Publish the camera in three simulcast layers (`single` and `split`). */
  simulcast?: boolean;
  /** A Content-Security-Policy the demo server sends with the call page. */
  csp?: string;
}

/** A video codec a connection uses, from getStats (`window.demo.videoCodecs()`). */
export interface VideoCodecInUse {
  connection: string;
  direction: 'send' | 'receive';
  mimeType: string;
  sdpFmtpLine: string;
  /** The simulcast layer of an outbound stream ('' without simulcast). */
  rid: string;
  /** Frames encoded (send) or decoded (receive). */
  frames: number;
}

export interface Participant {
  name: string;
  color: Rgb;
  browser: TestBrowser;
  page: Page;
  /** The demo URL this participant joined. */
  url: string;
  /** The popup, when the participant has CallSeal (opened on first use, then kept). */
  popup(): Promise<Popup>;
  demo(): Promise<DemoState>;
  /** The video codecs the call's connections send and receive (getStats). */
  videoCodecs(): Promise<VideoCodecInUse[]>;
  /** Reloads the call page (rejoining the room). */
  reload(): Promise<void>;
}

export interface Call {
  topology: Topology;
  server: DemoServer;
  relay: Relay | undefined;
  alice: Participant;
  bob: Participant;
  /** Waits until both sides' connections are up and both remote videos play. */
  waitUntilConnected(timeout?: number): Promise<void>;
  /** A page on the demo origin in a browser WITHOUT the extension, for `decodesToColor` (launched on first use). */
  decoderPage(): Promise<Page>;
  close(): Promise<void>;
}

const CALL_STATE = '[data-testid="call-state"]';
const TOGGLE = '[data-testid="e2ee-toggle"]';
const SECURITY_CODE = '[data-testid="security-code"]';

/**
 * The popup for `page`'s tab. The extension has no `tabs` permission, so tab URLs are hidden from it: the page is
 * brought to the front and the service worker's `chrome.tabs.query({ active: true })` names its tab. The popup then
 * opens in a new page of the same browser and the call page is brought back to the front (background tabs stop
 * rendering video).
 */
export async function popupFor(testBrowser: TestBrowser, page: Page): Promise<Popup> {
  const { extensionId } = testBrowser;
  if (!extensionId) throw new Error('popupFor: this browser runs without the extension');
  await page.bringToFront();
  const worker = await testBrowser.serviceWorker();
  const active = await worker.evaluate(async () => (await chrome.tabs.query({ active: true })).map((tab) => tab.id ?? -1));
  if (active.length !== 1 || active[0] === undefined || active[0] < 0) {
    throw new Error(`popupFor: expected one active tab, found ${JSON.stringify(active)}`);
  }
  const tabId = active[0];
  const popupPage = await testBrowser.newPage();
  // A popup that throws renders nothing: say why in the test's output.
  popupPage.on('pageerror', (error) => console.warn(`[popup of tab ${tabId}: page error]`, error));
  await popupPage.goto(`chrome-extension://${extensionId}/src/popup/index.html?tabId=${tabId}`);
  await page.bringToFront();

  const waitForToggle = (): Promise<true> =>
    waitFor(() => popupPage.evaluate((sel) => document.querySelector(sel) !== null || undefined, TOGGLE), {
      timeout: 10_000,
      message: `the popup's ${TOGGLE}`,
    });
  const state = (): Promise<string | undefined> =>
    popupPage.evaluate((sel) => document.querySelector(sel)?.getAttribute('data-state') ?? undefined, CALL_STATE);
  return {
    page: popupPage,
    tabId,
    waitForToggle,
    async toggle() {
      // A DOM click: the popup page is in the background, where puppeteer's mouse clicks wait for animation frames
      // that never come.
      await waitForToggle();
      await popupPage.evaluate((sel) => {
        const toggle = document.querySelector(sel);
        if (!(toggle instanceof HTMLElement)) throw new Error(`popup: no ${sel}`);
        toggle.click();
      }, TOGGLE);
    },
    switchedOn: () =>
      popupPage.evaluate((sel) => {
        const el = document.querySelector(sel);
        if (!el) return undefined;
        if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) return el.checked;
        const aria = el.getAttribute('aria-checked') ?? el.getAttribute('aria-pressed');
        return aria === null ? undefined : aria === 'true';
      }, TOGGLE),
    state,
    securityCode: () =>
      popupPage.evaluate((sel) => {
        const text = document.querySelector(sel)?.textContent?.trim();
        return text ? text : undefined;
      }, SECURITY_CODE),
    async waitForState(wanted, timeout = 20_000) {
      const accepted: readonly string[] = typeof wanted === 'string' ? [wanted] : wanted;
      let seen: string | undefined;
      return waitFor(
        async () => {
          const current = await state();
          seen = current;
          return current !== undefined && accepted.includes(current) ? current : undefined;
        },
        { timeout, interval: 200, message: `popup of tab ${tabId} to show ${accepted.join(' or ')}` },
      ).catch(async (error: unknown) => {
        const detail = await popupPage
          .$eval('[data-testid="call-detail"]', (el) => el.textContent ?? '')
          .catch(() => 'none');
        throw new Error(`${(error as Error).message}; the popup shows ${seen ?? 'nothing'} (detail: ${detail})`);
      });
    },
    close: () => popupPage.close(),
  };
}

/** Switches E2EE on through `page`'s popup (clicking only when it is off) and returns the popup. */
export async function switchOn(testBrowser: TestBrowser, page: Page): Promise<Popup> {
  const popup = await popupFor(testBrowser, page);
  await popup.waitForToggle();
  if ((await popup.switchedOn()) !== true) {
    await popup.toggle();
    // When the control reports its position, wait for it; otherwise the click is all there is to go on.
    if ((await popup.switchedOn()) !== undefined) {
      await waitFor(() => popup.switchedOn(), { timeout: 5_000, message: 'the E2EE switch to turn on' });
    }
  }
  return popup;
}

export function readDemo(page: Page): Promise<DemoState> {
  return page.evaluate(() => {
    const demo = (window as unknown as { demo?: DemoState }).demo;
    if (!demo) throw new Error('window.demo is missing: is this the demo call page?');
    return {
      room: demo.room,
      peer: demo.peer,
      topology: demo.topology,
      other: demo.other,
      callId: demo.callId,
      connected: demo.connected,
      remoteVideoPlaying: demo.remoteVideoPlaying,
      remoteFrames: demo.remoteFrames,
      connections: demo.connections,
      status: demo.status,
      errors: demo.errors,
      history: demo.history,
    };
  });
}

let roomCounter = 0;

/** Every call started and not yet closed, including ones still starting. */
const openCalls = new Set<() => Promise<void>>();

/**
 * Closes every call this module started and has not closed yet: for `afterEach`, so that a test which timed out
 * while `startCall()` was still running (and so never got its handle) leaves no browser behind.
 */
export async function closeAllCalls(): Promise<void> {
  const errors: unknown[] = [];
  for (const close of [...openCalls]) await close().catch((error: unknown) => errors.push(error));
  if (errors.length) throw new AggregateError(errors, 'closing calls failed');
}

export async function startCall(options: CallOptions = {}): Promise<Call> {
  const topology = options.topology ?? 'p2p';
  const room = options.room ?? `room-${process.pid}-${++roomCounter}`;
  const stack: (() => Promise<unknown>)[] = [];
  let closing = false;
  /** Keeps `stop` for `close()`; what starts after `close()` began (a test timed out mid-start) stops at once. */
  const own = (stop: () => Promise<unknown>): void => {
    if (closing) void stop().catch(() => {});
    else stack.push(stop);
  };
  const close = async (): Promise<void> => {
    closing = true;
    openCalls.delete(close);
    const errors: unknown[] = [];
    for (const stop of stack.reverse().splice(0)) {
      await stop().catch((error: unknown) => errors.push(error));
    }
    if (errors.length) throw new AggregateError(errors, 'closing the call failed');
  };
  openCalls.add(close);
  try {
    let relay = options.relay;
    if (!relay && topology !== 'p2p') {
      const ownRelay = await startRelay();
      own(() => ownRelay.close());
      relay = ownRelay;
    }
    const server = await startDemoServer({ ...(relay ? { mediaServer: relay } : {}), ...(options.csp === undefined ? {} : { csp: options.csp }) });
    own(() => server.close());
    const cameras: FakeCameras = await fakeCameras();
    own(() => cameras.cleanup());

    const join = async (name: string, defaults: Rgb, opts: ParticipantOptions = {}): Promise<Participant> => {
      const color = opts.color ?? defaults;
      const withExtension = (opts.withExtension ?? opts.forceInstalled !== undefined) || opts.extensionDir !== undefined;
      if (opts.e2ee && !withExtension) throw new Error(`${name}: e2ee needs withExtension`);
      const browser = await launchBrowser({
        withExtension,
        ...(opts.extensionDir !== undefined ? { extensionDir: opts.extensionDir, isCallSeal: true } : {}),
        ...(opts.forceInstalled !== undefined && { forceInstalled: opts.forceInstalled }),
        args: [await cameras.flag(name, color), ...(opts.args ?? [])],
      });
      own(() => browser.close());
      const page = await browser.newPage();
      page.on('pageerror', (error) => console.warn(`[${name} page error]`, error));
      const query: Record<string, string> = { room, peer: name, topology, loopback: '1' };
      if (options.codec) query.codec = options.codec;
      if (options.simulcast) query.simulcast = '1';
      const url = server.url(`/?${new URLSearchParams(query)}`);
      let popup: Promise<Popup> | undefined;
      if (opts.e2ee) {
        // Switch on before the call page loads, as a user would: open the app's landing page, use the popup.
        await page.goto(server.url('/'));
        popup = switchOn(browser, page);
        await popup;
      }
      await opts.beforeCall?.(browser, page);
      await page.goto(url);
      return {
        name,
        color,
        browser,
        page,
        url,
        popup: () => (popup ??= popupFor(browser, page)),
        demo: () => readDemo(page),
        videoCodecs: () =>
          page.evaluate(async () => {
            const demo = (window as unknown as { demo?: { videoCodecs(): Promise<VideoCodecInUse[]> } }).demo;
            if (!demo) throw new Error('window.demo is missing: is this the demo call page?');
            return demo.videoCodecs();
          }),
        async reload() {
          await page.reload();
        },
      };
    };

    const [alice, bob] = await Promise.all([join('alice', RED, options.alice), join('bob', BLUE, options.bob)]);
    let decoder: Promise<Page> | undefined;
    return {
      topology,
      server,
      relay,
      alice,
      bob,
      async waitUntilConnected(timeout = 20_000) {
        for (const participant of [alice, bob]) {
          let last: DemoState | undefined;
          await waitFor(
            async () => {
              last = await participant.demo();
              return last.connected && last.remoteVideoPlaying;
            },
            { timeout, interval: 200, message: `${participant.name}'s call to connect and the remote video to play` },
          ).catch(async (error: unknown) => {
            const other = participant === alice ? bob : alice;
            const otherDemo = await other.demo().catch(() => undefined);
            throw new Error(
              `${(error as Error).message}; ${participant.name}'s window.demo: ${JSON.stringify(last)}; ` +
                `${other.name}'s: ${JSON.stringify(otherDemo)}`,
            );
          });
        }
      },
      decoderPage: () =>
        (decoder ??= (async () => {
          const browser = await launchBrowser({ withExtension: false });
          own(() => browser.close());
          const page = await browser.newPage();
          await page.goto(server.url('/'));
          return page;
        })()),
      close,
    };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
