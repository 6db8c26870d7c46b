/**
 * Both participants encrypted; Bob reloads mid-call. The demo places the call again, both popups return to
 * `encrypted` under a new key epoch (so a new security code, the same on both sides), and Alice sees Bob again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllCalls, type Call, type Topology } from '../support/call';
import { waitFor } from '../support/wait';
import {
  SECURITY_CODE_FORMAT,
  expectEachSeesTheOther,
  startEncryptedCall,
  waitForNewCall,
  waitForRemoteColor,
} from './helpers';

describe('reload during an encrypted call', () => {
  let call: Call | undefined;
  afterEach(async () => {
    call = undefined;
    await closeAllCalls(); // also what a test that timed out inside startCall() had started
  });

  for (const topology of ['p2p', 'split'] satisfies Topology[]) {
    it(`${topology}: after Bob reloads, both are encrypted again with a new code and Alice sees Bob`, async () => {
      const started = await startEncryptedCall({ topology });
      const { alicePopup, bobPopup, aliceCode: before } = started;
      call = started.call;
      expect(before).toMatch(SECURITY_CODE_FORMAT);
      expect(started.bobCode).toBe(before);
      await call.waitUntilConnected(20_000);
      await expectEachSeesTheOther(call);
      const callBefore = (await call.alice.demo()).callId;

      await call.bob.reload();

      await waitForNewCall(call.alice, callBefore, 20_000);
      const after = await waitFor(
        async () => {
          const [aliceState, bobState, aliceCode, bobCode] = await Promise.all([
            alicePopup.state(),
            bobPopup.state(),
            alicePopup.securityCode(),
            bobPopup.securityCode(),
          ]);
          const settled = aliceState === 'encrypted' && bobState === 'encrypted' && aliceCode === bobCode;
          return settled && aliceCode !== before ? aliceCode : undefined;
        },
        { timeout: 20_000, interval: 200, message: 'both popups encrypted again under a new, shared code' },
      );
      expect(after).toMatch(SECURITY_CODE_FORMAT);
      await waitForRemoteColor(call.alice, call.bob);
      await waitForRemoteColor(call.bob, call.alice);
    }, 50_000);
  }
});
