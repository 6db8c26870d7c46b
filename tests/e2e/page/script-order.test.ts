/**
 * The order the one-shot handover relies on (protocol.md §7.2, §7.5), in every kind of frame:
 *
 * 1. Chromium: a probe extension with CallSeal's own content-script entries (from dist/manifest.json, scripts
 *    replaced by markers) shows the isolated script (B) before the MAIN-world script (H), both before the page's
 *    first script (P) — top frames, iframes with a src, srcdoc, about:blank, data: and nested frames, and windows
 *    from window.open('') and window.open(url).
 * 2. CallSeal: in each kind the page's first script finds its new sender and receiver already transformed. Frames
 *    with a document of their own (top, data:, about:blank made by script, window.open('')) take their own
 *    handover: their transform worker reports to the background through their bridge (a spy on the service
 *    worker's ports sees it). Frames whose Window the page reached before their first document came (iframes with
 *    a same-origin src or srcdoc, window.open(url): the Window is reused) are covered by the page's hook and worker,
 *    and their own bridge takes no offer and never connects.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'puppeteer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIST_DIR, launchBrowser, type TestBrowser } from '../support/browser';
import { ONE_WAY_FLAGS } from '../support/one-way-call';
import { startStaticServer, type StaticServer } from '../support/static-server';
import { waitFor } from '../support/wait';

/** The page's first script in every document: marks P, and asks whether a new transceiver got transforms. */
const FIRST = `<script>
  const root = document.documentElement;
  root.setAttribute('data-order', (root.getAttribute('data-order') || '') + 'P');
  if (window.RTCPeerConnection) {
    const t = new RTCPeerConnection().addTransceiver('video');
    window.transformed = t.sender.transform !== null && t.receiver.transform !== null;
  }
</script>`;
const page = (body = ''): string => `<!doctype html><html><head>${FIRST}</head><body>${body}</body></html>`;
const DATA_URL = `data:text/html,${encodeURIComponent(page())}`;

/** What the test does in the top page's realm to make a frame of each kind; returns that frame's URL. */
const KINDS = {
  top: null,
  'iframe src': `document.body.append(Object.assign(document.createElement('iframe'), { src: '/child' }))`,
  'iframe srcdoc': `document.body.append(Object.assign(document.createElement('iframe'), { srcdoc: ${JSON.stringify(page())} }))`,
  'iframe data:': `document.body.append(Object.assign(document.createElement('iframe'), { src: ${JSON.stringify(DATA_URL)} }))`,
  'nested iframe': `document.body.append(Object.assign(document.createElement('iframe'), { src: '/nest' }))`,
  'window.open(url)': `window.open('/child')`,
} as const;

/** Frames whose first script is the page's code right after it made them (about:blank has no script of its own). */
const BLANK_KINDS = {
  'iframe about:blank': `(() => { const f = document.createElement('iframe'); document.body.append(f); return f.contentWindow; })()`,
  'iframe src=about:blank': `(() => { const f = document.createElement('iframe'); f.src = 'about:blank'; document.body.append(f); return f.contentWindow; })()`,
  "window.open('')": `window.open('')`,
} as const;
/** Runs the page's first script in a blank realm it just made. */
const FIRST_IN_BLANK = `(w) => {
  const root = w.document.documentElement;
  root.setAttribute('data-order', (root.getAttribute('data-order') || '') + 'P');
  const t = new w.RTCPeerConnection().addTransceiver('video');
  w.transformed = t.sender.transform !== null && t.receiver.transform !== null;
  return root.getAttribute('data-order');
}`;

let server: StaticServer;
/** The browser of the running describe block; each test closes every page it opened (popups included). */
let current: TestBrowser | undefined;
const firstTabs = new Set<Page>();

async function newTop(browser: TestBrowser, path: string): Promise<Page> {
  if (firstTabs.size === 0) for (const tab of await browser.browser.pages()) firstTabs.add(tab);
  current = browser;
  const top = await browser.newPage();
  await top.goto(server.url(path));
  return top;
}

afterEach(async () => {
  for (const page of (await current?.browser.pages()) ?? []) if (!firstTabs.has(page)) await page.close().catch(() => {});
});

beforeAll(async () => {
  server = await startStaticServer({
    '/': { body: page() },
    '/child': { body: page() },
    '/nest': { body: page(`<iframe src="/child"></iframe>`) },
  });
});
afterAll(async () => {
  await server?.close();
});

/** The frame a kind made: a new popup's main frame, or the newest frame of `top`'s tree with a document. */
async function frameOf(browser: TestBrowser, top: Page, kind: string): Promise<Frame> {
  if (kind === 'window.open(url)') {
    const target = await browser.browser.waitForTarget((t) => t.url().endsWith('/child') && t.type() === 'page');
    const popup = await target.page();
    if (!popup) throw new Error('no popup page');
    await popup.waitForFunction(() => document.readyState !== 'loading', { polling: 50 });
    return popup.mainFrame();
  }
  const url = kind === 'iframe srcdoc' ? 'about:srcdoc' : kind === 'iframe data:' ? 'data:' : kind === 'nested iframe' ? '/nest' : '/child';
  return waitFor(
    async () => {
      const frames = top.frames().filter((f) => f !== top.mainFrame() && f.url().includes(url));
      const frame = frames.at(-1);
      if (!frame) return undefined;
      return (await frame.evaluate(() => document.readyState !== 'loading').catch(() => false)) ? frame : undefined;
    },
    { timeout: 10_000, message: `the ${kind} frame` },
  );
}

async function orderIn(frame: Frame): Promise<string | null> {
  return frame.evaluate(() => document.documentElement.getAttribute('data-order'));
}

describe('Chromium: isolated script, then MAIN-world script, then the page (a probe with CallSeal\'s entries)', () => {
  let probeDir: string;
  let browser: TestBrowser;

  beforeAll(async () => {
    probeDir = await mkdtemp(join(tmpdir(), 'callseal-order-probe-'));
    const manifest = JSON.parse(await readFile(join(DIST_DIR, 'manifest.json'), 'utf8')) as {
      content_scripts: { world?: string; js: string[] }[];
    };
    const mark = (letter: string): string =>
      `{ const root = document.documentElement; root.setAttribute('data-order', (root.getAttribute('data-order') || '') + '${letter}'); }`;
    await writeFile(join(probeDir, 'isolated.js'), mark('B'));
    await writeFile(join(probeDir, 'main.js'), mark('H'));
    const contentScripts = manifest.content_scripts.map((entry) => ({ ...entry, js: [entry.world === 'MAIN' ? 'main.js' : 'isolated.js'] }));
    expect(contentScripts.map((entry) => entry.js[0])).toEqual(['isolated.js', 'main.js']);
    await writeFile(
      join(probeDir, 'manifest.json'),
      JSON.stringify({ manifest_version: 3, name: 'order probe', version: '1', content_scripts: contentScripts }),
    );
    browser = await launchBrowser({ extensionDir: probeDir, args: ONE_WAY_FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    firstTabs.clear();
    await rm(probeDir, { recursive: true, force: true });
  });

  for (const [kind, make] of Object.entries(KINDS)) {
    it(`${kind}: B H P`, async () => {
      const top = await newTop(browser, '/');
      if (make) await top.evaluate(make);
      const frame = make ? await frameOf(browser, top, kind) : top.mainFrame();
      expect(await orderIn(frame)).toBe('BHP');
      if (kind === 'nested iframe') {
        const inner = await waitFor(() => frame.childFrames()[0], { message: 'the nested frame' });
        await inner.waitForFunction(() => document.readyState !== 'loading', { polling: 50 });
        expect(await orderIn(inner)).toBe('BHP');
      }
    });
  }

  for (const [kind, make] of Object.entries(BLANK_KINDS)) {
    it(`${kind}: B H, before the page's first access`, async () => {
      const top = await newTop(browser, '/');
      expect(await top.evaluate(`(${FIRST_IN_BLANK})(${make})`)).toBe('BHP');
    });
  }
});

describe('CallSeal: transforms before the first script, and the handover in every frame that takes it', () => {
  let browser: TestBrowser;

  beforeAll(async () => {
    browser = await launchBrowser({ args: ONE_WAY_FLAGS });
    const worker = await browser.serviceWorker();
    // A spy on the bridges' ports: which frames' transform workers report (kind 'session') to the background.
    await worker.evaluate(() => {
      const seen: { url: string; frameId: number; tabId: number; kind: string }[] = [];
      (self as unknown as { bridgeTraffic: typeof seen }).bridgeTraffic = seen;
      chrome.runtime.onConnect.addListener((port) => {
        if (port.name !== 'callseal-bridge') return;
        const from = { url: port.sender?.url ?? '', frameId: port.sender?.frameId ?? -1, tabId: port.sender?.tab?.id ?? -1 };
        port.onMessage.addListener((message: { kind?: string }) => seen.push({ ...from, kind: String(message.kind) }));
      });
    });
  });
  afterAll(async () => {
    await browser?.close();
    firstTabs.clear();
  });

  const traffic = async (from: (url: string) => boolean, kind?: string): Promise<number> => {
    const worker = await browser.serviceWorker();
    const seen = await worker.evaluate(() => (self as unknown as { bridgeTraffic: { url: string; kind: string }[] }).bridgeTraffic);
    return seen.filter((t) => from(t.url) && (kind === undefined || t.kind === kind)).length;
  };
  const reportsFrom = (from: (url: string) => boolean): Promise<number> => traffic(from, 'session');

  /** Frames whose Window the page reached before their document came (it is reused): the page's hook covers them. */
  const COVERED: Record<string, (url: string) => boolean> = {
    'iframe src': (u) => u.endsWith('/child'),
    'iframe srcdoc': (u) => u === 'about:srcdoc',
    'nested iframe': (u) => u.endsWith('/nest') || u.endsWith('/child'),
    'window.open(url)': (u) => u.endsWith('/child'),
  };

  for (const [kind, make] of Object.entries(KINDS)) {
    it(`${kind}: the first script finds transforms, and the right worker reports`, async () => {
      const topUrl = server.url(`/?${encodeURIComponent(kind)}`);
      const top = await newTop(browser, `/?${encodeURIComponent(kind)}`);
      if (make) await top.evaluate(make);
      const frame = make ? await frameOf(browser, top, kind) : top.mainFrame();
      expect(await frame.evaluate(() => (window as unknown as { transformed?: boolean }).transformed)).toBe(true);
      if (kind === 'nested iframe') {
        const inner = await waitFor(() => frame.childFrames()[0], { message: 'the nested frame' });
        await inner.waitForFunction(() => document.readyState !== 'loading', { polling: 50 });
        expect(await inner.evaluate(() => (window as unknown as { transformed?: boolean }).transformed)).toBe(true);
      }
      const covered = COVERED[kind];
      if (covered) {
        // The page's own worker reports (twice: heartbeats), and the covered frame's bridge never even connects.
        await waitFor(async () => (await reportsFrom((u) => u === topUrl)) >= 2, { message: "reports from the page's worker" });
        expect(await traffic(covered)).toBe(0);
      } else {
        const own = kind === 'top' ? (u: string) => u === topUrl : (u: string) => u.startsWith('data:');
        await waitFor(() => reportsFrom(own), { message: `reports from the ${kind} frame's own worker` });
      }
    });
  }

  for (const [kind, make] of Object.entries(BLANK_KINDS)) {
    it(`${kind}: the first access finds transforms, and the frame's own worker reports`, async () => {
      const top = await newTop(browser, '/');
      const before = await reportsFrom((u) => u === 'about:blank');
      expect(await top.evaluate(`(${FIRST_IN_BLANK})(${make})`)).toBe('P');
      await waitFor(async () => (await reportsFrom((u) => u === 'about:blank')) > before, {
        message: `reports from the ${kind} frame's own worker`,
      });
    });
  }
});
