/**
 * A browser without RTCRtpScriptTransform (Chrome/Edge before 141; here Chromium with the feature switched off):
 * CallSeal cannot attach a transform, so where the page must fail closed — policy `required`, or while the settings
 * are not known yet — `new RTCPeerConnection` is refused with NotSupportedError (protocol.md §7.3). With the switch
 * off, peer connections work as soon as the bridge has said so.
 */
import type { Page } from 'puppeteer';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { writeExtensionPolicy, type ManagedPolicy } from '../support/managed-policy';
import { startStaticServer, type StaticServer } from '../support/static-server';
import { waitFor } from '../support/wait';

const WITHOUT_SCRIPT_TRANSFORM = '--disable-blink-features=RTCRtpScriptTransform';

const PAGE = `<!doctype html><html><head><script>
  window.tryPeerConnection = () => {
    try { new RTCPeerConnection().close(); return 'made'; } catch (error) { return error.name; }
  };
  window.firstScript = { scriptTransform: typeof RTCRtpScriptTransform, peerConnection: tryPeerConnection() };
</script></head><body></body></html>`;

let server: StaticServer;
let browser: TestBrowser | undefined;
let policy: ManagedPolicy | undefined;

beforeAll(async () => {
  server = await startStaticServer({ '/': { body: PAGE } });
});
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await policy?.remove();
  policy = undefined;
});
afterAll(async () => {
  await server?.close();
});

const tryPeerConnection = (page: Page): Promise<string> =>
  page.evaluate(() => (window as unknown as { tryPeerConnection(): string }).tryPeerConnection());

it('with the switch off: refused only until the settings are known, then peer connections work', async () => {
  browser = await launchBrowser({ args: [WITHOUT_SCRIPT_TRANSFORM] });
  const page = await browser.newPage();
  await page.goto(server.url('/'));
  expect(await page.evaluate(() => (window as unknown as { firstScript: unknown }).firstScript)).toEqual({
    scriptTransform: 'undefined',
    peerConnection: 'NotSupportedError',
  });
  await waitFor(async () => (await tryPeerConnection(page)) === 'made', { message: 'a peer connection once the bridge said fail-open' });
});

it('under policy required: every peer connection is refused', async () => {
  policy = await writeExtensionPolicy({ E2EEMode: 'required' });
  browser = await launchBrowser({ args: [WITHOUT_SCRIPT_TRANSFORM] });
  const worker = await browser.serviceWorker();
  await waitFor(() => worker.evaluate(async () => (await chrome.storage.managed.get('E2EEMode')).E2EEMode === 'required'), {
    timeout: 15_000,
    message: 'the browser to deliver the policy',
  });
  // A spy on the bridges' ports: the page's bridge asks for the settings (and reports 'unsupported-browser').
  await worker.evaluate(() => {
    const seen: string[] = [];
    (self as unknown as { bridgeKinds: string[] }).bridgeKinds = seen;
    chrome.runtime.onConnect.addListener((port) => port.onMessage.addListener((m: { kind?: string }) => seen.push(String(m.kind))));
  });
  const page = await browser.newPage();
  await page.goto(server.url('/'));
  expect(await page.evaluate(() => (window as unknown as { firstScript: { peerConnection: string } }).firstScript.peerConnection)).toBe(
    'NotSupportedError',
  );
  await waitFor(() => worker.evaluate(() => (self as unknown as { bridgeKinds: string[] }).bridgeKinds.includes('attach')), {
    message: "the page's bridge to fetch the settings",
  });
  // The answer takes milliseconds (with the switch off, the first test's connections work by then); for two
  // seconds after it, not one connection is made.
  const outcomes: string[] = [];
  await waitFor(
    async () => {
      outcomes.push(await tryPeerConnection(page));
      return outcomes.length >= 20;
    },
    { interval: 100, message: '20 attempts' },
  );
  expect(outcomes.filter((outcome) => outcome !== 'NotSupportedError')).toEqual([]);
});
