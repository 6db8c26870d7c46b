/**
 * The foundation, in real Chromium with the built extension: the service worker starts under the pinned ID, the
 * MAIN-world hook runs before the page's first inline script (in the top frame and in an iframe), and the popup
 * renders. A browser without the extension is the control that shows each check can fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DIST_DIR, launchBrowser, tabIdOf, type TestBrowser } from './support/browser';
import { startStaticServer, type StaticServer } from './support/static-server';
import { waitForElement } from './support/wait';

/** The ID that `key` in manifest.config.ts pins (README: "Extension ID"). */
const EXTENSION_ID = 'nlnkaholkfmhjpfkjcnbpfglhkajpmgc';

/**
 * The page's very first script asks whether its new sender and receiver already have transforms — which only a
 * hook that ran before it can have attached.
 */
const FIRST_SCRIPT = `<script>
  const pc = new RTCPeerConnection();
  const transceiver = pc.addTransceiver('video');
  window.firstScriptSaw = {
    senderTransform: transceiver.sender.transform !== null,
    receiverTransform: transceiver.receiver.transform !== null,
    // What apps rely on keeps holding under the hook.
    looksNative: pc instanceof RTCPeerConnection && pc.constructor === RTCPeerConnection &&
      RTCPeerConnection.name === 'RTCPeerConnection' && /native code/.test(String(RTCPeerConnection)) &&
      typeof RTCPeerConnection.generateCertificate === 'function',
  };
  pc.close();
</script>`;

const routes = {
  '/': { body: `<!doctype html><html><head>${FIRST_SCRIPT}</head><body><iframe src="/frame"></iframe></body></html>` },
  '/frame': { body: `<!doctype html><html><head>${FIRST_SCRIPT}</head><body>frame</body></html>` },
};

interface FirstScriptResult {
  senderTransform: boolean;
  receiverTransform: boolean;
  looksNative: boolean;
}

async function whatFirstScriptsSaw(browser: TestBrowser, server: StaticServer) {
  const page = await browser.newPage();
  await page.goto(server.url('/'), { waitUntil: 'load' });
  const top = await page.evaluate(() => (window as unknown as { firstScriptSaw: FirstScriptResult }).firstScriptSaw);
  const frame = page.frames().find((f) => f.url().endsWith('/frame'));
  if (!frame) throw new Error('the iframe did not load');
  const inFrame = await frame.evaluate(() => (window as unknown as { firstScriptSaw: FirstScriptResult }).firstScriptSaw);
  return { page, top, inFrame };
}

describe('dist/manifest.json', () => {
  it('is MV3 with a module service worker, the hook at document_start in every frame, the popup, policy schema and key', async () => {
    const manifest = JSON.parse(await readFile(join(DIST_DIR, 'manifest.json'), 'utf8'));
    expect(manifest.manifest_version).toBe(3);
    expect(manifest.background).toMatchObject({ type: 'module' });
    expect(manifest.action.default_popup).toBe('src/popup/index.html');
    expect(manifest.storage.managed_schema).toBe('managed-schema.json');
    expect(manifest.key).toMatch(/^MIIB/);
    expect(manifest.permissions).toEqual(['storage', 'alarms', 'notifications']);
    expect(manifest.host_permissions).toBeUndefined();
    const hook = manifest.content_scripts.find((c: { world?: string }) => c.world === 'MAIN');
    expect(hook).toMatchObject({ run_at: 'document_start', all_frames: true, match_about_blank: true });
    // One self-contained script (no loader that imports the real code later, after the page's scripts).
    expect(hook.js).toHaveLength(1);
    const source = await readFile(join(DIST_DIR, hook.js[0]), 'utf8');
    expect(source).not.toMatch(/\bimport\s*\(/);
    expect(source).not.toMatch(/^\s*import\s/m);
  });
});

describe('the built extension in Chromium', () => {
  let server: StaticServer;
  let withExtension: TestBrowser;
  let without: TestBrowser;

  beforeAll(async () => {
    server = await startStaticServer(routes);
    [withExtension, without] = await Promise.all([launchBrowser(), launchBrowser({ withExtension: false })]);
  });

  afterAll(async () => {
    await Promise.all([withExtension?.close(), without?.close()]);
    await server?.close();
  });

  it('starts its module service worker under the pinned extension ID', async () => {
    expect(withExtension.extensionId).toBe(EXTENSION_ID);
    const worker = await withExtension.serviceWorker();
    expect(worker.url()).toBe(`chrome-extension://${EXTENSION_ID}/service-worker-loader.js`);
    expect(await worker.evaluate(() => typeof chrome.runtime.getManifest)).toBe('function');
  });

  it('accepts the managed schema (its keys for the tenant policy included) and reports a non-admin install', async () => {
    // Chromium refuses to load an extension whose managed_schema it cannot parse; loaded, storage.managed answers.
    const worker = await withExtension.serviceWorker();
    expect(await worker.evaluate(() => chrome.storage.managed.get(null))).toEqual({});
    expect(await worker.evaluate(async () => (await chrome.management.getSelf()).installType)).toBe('development');
  });

  it("runs the MAIN-world hook before the page's first inline script, in the top frame and in an iframe", async () => {
    const { top, inFrame } = await whatFirstScriptsSaw(withExtension, server);
    expect(top).toEqual({ senderTransform: true, receiverTransform: true, looksNative: true });
    expect(inFrame).toEqual({ senderTransform: true, receiverTransform: true, looksNative: true });
  });

  it('leaves pages alone without the extension (the control)', async () => {
    const { top, inFrame } = await whatFirstScriptsSaw(without, server);
    expect(top).toEqual({ senderTransform: false, receiverTransform: false, looksNative: true });
    expect(inFrame).toEqual({ senderTransform: false, receiverTransform: false, looksNative: true });
  });

  it('renders the popup with the switch off and no call', async () => {
    const { page } = await whatFirstScriptsSaw(withExtension, server);
    const tabId = await tabIdOf(withExtension, page);
    const popup = await withExtension.newPage();
    await popup.goto(`chrome-extension://${EXTENSION_ID}/src/popup/index.html?tabId=${tabId}`);
    await waitForElement(popup, '[data-testid="e2ee-toggle"]');
    expect(await popup.$eval('[data-testid="e2ee-toggle"]', (el) => el.getAttribute('aria-checked'))).toBe('false');
    await waitForElement(popup, '[data-testid="call-state"]');
    expect(await popup.$eval('[data-testid="call-state"]', (el) => el.getAttribute('data-state'))).toBe('off');
  });
});
