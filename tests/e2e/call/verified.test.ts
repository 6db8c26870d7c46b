/**
 * "Codes match": once Alice has compared codes and confirmed, her popup shows `verified`; identities persist, so
 * when Bob reloads (a new key epoch, a new code, the same identity key) Alice's call comes back as `verified`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllCalls } from '../support/call';
import { waitFor } from '../support/wait';
import { startEncryptedCall, waitForNewCall } from './helpers';

describe('verifying the security code', () => {
  afterEach(() => closeAllCalls());

  it('p2p: a verified peer stays verified across a reload of the other side', async () => {
    const { call, alicePopup, aliceCode } = await startEncryptedCall({ topology: 'p2p' });
    await alicePopup.page.$eval('[data-testid="mark-verified"]', (el) => (el as HTMLElement).click());
    await alicePopup.waitForState('verified', 5_000);

    const callBefore = (await call.alice.demo()).callId;
    await call.bob.reload();
    await waitForNewCall(call.alice, callBefore, 20_000);
    const newCode = await waitFor(
      async () => {
        const [state, code] = await Promise.all([alicePopup.state(), alicePopup.securityCode()]);
        return state === 'verified' && code && code !== aliceCode ? code : undefined;
      },
      { timeout: 20_000, message: "Alice's popup to show verified with a new code" },
    );
    expect(newCode).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
  }, 60_000);
});
