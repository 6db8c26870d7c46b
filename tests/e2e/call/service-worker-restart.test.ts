/**
 * Chrome stops an extension's service worker whenever it likes. Mid-call, that must lose nothing the user sees:
 * the bridge reconnects, the worker reports again, and the popup (reconnecting too) shows the call as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllCalls } from '../support/call';
import { waitFor } from '../support/wait';
import { expectEachSeesTheOther, startEncryptedCall } from './helpers';

describe('a service worker restart during an encrypted call', () => {
  afterEach(() => closeAllCalls());

  it('p2p: the popup shows the same encrypted call again (same code) and the call goes on', async () => {
    const { call, alicePopup, aliceCode } = await startEncryptedCall({ topology: 'p2p' });
    // A mark in the running service worker's global scope: a new instance will not have it.
    const before = await call.alice.browser.serviceWorker();
    await before.evaluate(() => Object.assign(globalThis, { beforeRestart: true }));
    // DevTools' "stop" for service workers, from a page of the extension's own origin (the popup).
    const session = await alicePopup.page.createCDPSession();
    await session.send('ServiceWorker.enable');
    await session.send('ServiceWorker.stopAllWorkers');
    await waitFor(
      async () => {
        const worker = await call.alice.browser.serviceWorker();
        return worker.evaluate(() => !('beforeRestart' in globalThis)).catch(() => false);
      },
      { timeout: 10_000, message: 'a new service worker instance' },
    );

    // The page's own messages bring the service worker back; the popup recovers the same call.
    const code = await waitFor(
      async () => ((await alicePopup.state()) === 'encrypted' ? alicePopup.securityCode() : undefined),
      { timeout: 15_000, message: "Alice's popup to show the encrypted call again" },
    );
    expect(code).toBe(aliceCode);
    await expectEachSeesTheOther(call);
  }, 60_000);
});
