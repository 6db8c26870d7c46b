/**
 * What Chromium reports as a content script's sender origin in the frames CallSeal's bridge runs in (the manifest's
 * all_frames, match_about_blank, match_origin_as_fallback). The background decides settings per frame by
 * `sender.origin` (docs/admin.md §3.6), so a call in an about:blank, srcdoc or blob: frame must be judged by the
 * origin of the page that made it, and data: and sandboxed frames must come out opaque ("null": outside every call
 * site). A probe extension with the same match options records the senders; it needs no policy.
 */
import { resolve } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROME_PATH, CHROMIUM_FLAGS } from './support/browser';
import { startStaticServer, type StaticServer } from './support/static-server';
import { waitFor } from './support/wait';

const PROBE = resolve(import.meta.dirname, 'fixtures/origin-probe');

const PAGE = `<!doctype html><html><body>
<iframe id="blank" src="about:blank"></iframe>
<iframe id="srcdoc" srcdoc="<p>srcdoc</p>"></iframe>
<iframe id="sandboxed" sandbox="allow-scripts" srcdoc="<p>sandboxed</p>"></iframe>
<iframe id="data" src="data:text/html,<p>data</p>"></iframe>
<script>
  const blob = URL.createObjectURL(new Blob(['<p>blob</p>'], { type: 'text/html' }));
  const frame = document.createElement('iframe');
  frame.src = blob;
  document.body.append(frame);
</script>
</body></html>`;

let server: StaticServer;
let browser: Browser;
let profile: string;

beforeAll(async () => {
  server = await startStaticServer({ '/': { body: PAGE } });
  profile = await mkdtemp(join(tmpdir(), 'callseal-probe-'));
  browser = await puppeteer.launch({
    executablePath: CHROME_PATH,
    headless: true,
    userDataDir: profile,
    args: [...CHROMIUM_FLAGS],
    enableExtensions: [PROBE],
  });
});

afterAll(async () => {
  await browser?.close();
  await rm(profile, { recursive: true, force: true });
  await server?.close();
});

interface Sender {
  name: string;
  url: string;
  origin: string;
  frameId: number;
}

it('reports the creator’s origin for about:blank, srcdoc and blob: frames, and "null" for data: and sandboxed ones', async () => {
  const target = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().endsWith('/sw.js'));
  const worker = await target.worker();
  if (!worker) throw new Error('no probe service worker');
  const page = await browser.newPage();
  await page.goto(server.url('/'));
  const senders = await waitFor(
    async () => {
      const list = (await worker.evaluate(() => (globalThis as unknown as { senders: Sender[] }).senders)) as Sender[];
      return list.length >= 6 ? list : undefined;
    },
    { timeout: 10_000, message: 'six frames to connect' },
  );
  const byScheme = (prefix: string) => senders.filter((s) => s.url.startsWith(prefix));
  const { origin } = server;
  expect(byScheme(`${origin}/`).map((s) => s.origin)).toEqual([origin]);
  expect(byScheme('blob:').map((s) => s.origin)).toEqual([origin]);
  expect(byScheme('data:').map((s) => s.origin)).toEqual(['null']);
  const aboutFrames = byScheme('about:');
  expect(aboutFrames.map((s) => s.url).sort()).toEqual(['about:blank', 'about:srcdoc', 'about:srcdoc']);
  const sandboxed = aboutFrames.filter((s) => s.origin === 'null');
  expect(sandboxed).toHaveLength(1);
  expect(aboutFrames.filter((s) => s.origin === origin)).toHaveLength(2);
});
