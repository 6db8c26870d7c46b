/**
 * Issue 7, findings 2 and 3: replays. The relay records what Bob sends Alice during an encrypted, verified call —
 * handshake packets and media — and later plays it back to her in place of Bob's live frames: first within the same
 * session (nothing may decrypt twice), then after Alice reloads (a fresh session: the old handshake must not bring
 * back `encrypted` or `verified`, and no old frame may decrypt). protocol.md §6.2, §8.5.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllCalls, type Popup } from '../support/call';
import { startRelay } from '../support/relay';
import { waitFor } from '../support/wait';
import { startEncryptedCall } from './helpers';

const counter = (popup: Popup, name: string): Promise<number> =>
  popup.page.$eval(`[data-counter="${name}"]`, (el) => Number(el.textContent));

describe('replayed frames and handshakes', () => {
  afterEach(() => closeAllCalls());

  it('never decrypt twice, and after a reload never show encrypted or verified', async () => {
    const recorded: Uint8Array[] = [];
    let mode: 'record' | 'replay' = 'record';
    let replayed = 0;
    const relay = await startRelay({
      mitm: (frame) => {
        if (frame.from !== 'bob' || frame.to !== 'alice') return frame.payload;
        if (mode === 'record') {
          if (frame.kind === 'audio') recorded.push(frame.payload.slice());
          return frame.payload;
        }
        // Replay: Bob's live video is held back, his live audio replaced by what was recorded, in order.
        if (frame.kind !== 'audio') return null;
        return recorded[replayed++ % recorded.length] ?? null;
      },
    });
    try {
      const { call, alicePopup } = await startEncryptedCall({ topology: 'single', relay });
      await alicePopup.page.$eval('[data-testid="mark-verified"]', (el) => (el as HTMLElement).click());
      await alicePopup.waitForState('verified', 5_000);
      await waitFor(() => recorded.length >= 200, { timeout: 15_000, message: '200 of Bob’s audio frames recorded' });

      // 1. Same session: every recorded frame once more. Alice's decrypted count must not move. Counters reach the
      // popup once a second, so the count is read after two reports made during the replay.
      const droppedGrows = async (what: string) => {
        const dropped = await counter(alicePopup, 'dropped');
        await waitFor(async () => (await counter(alicePopup, 'dropped')) > dropped, { timeout: 5_000, message: what });
      };
      mode = 'replay';
      await droppedGrows('a report made during the replay');
      await droppedGrows('a second report made during the replay');
      const before = await counter(alicePopup, 'decrypted');
      const until = replayed + recorded.length;
      await waitFor(() => replayed >= until, { timeout: 15_000, message: 'the whole recording played back once more' });
      await droppedGrows('a report made after the whole recording was replayed');
      expect(await counter(alicePopup, 'decrypted')).toBe(before);

      // 2. Alice reloads: a fresh session meets only the recording. Never encrypted or verified, nothing decrypts.
      replayed = 0;
      await call.alice.page.reload();
      await alicePopup.waitForState('negotiating', 15_000);
      const seen = new Set<string | undefined>();
      for (const end = Date.now() + 8_000; Date.now() < end; ) {
        seen.add(await alicePopup.state());
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(replayed).toBeGreaterThan(100);
      expect(seen.has('encrypted') || seen.has('verified')).toBe(false);
      expect(await counter(alicePopup, 'decrypted')).toBe(0);
    } finally {
      await relay.close();
    }
  }, 120_000);
});
