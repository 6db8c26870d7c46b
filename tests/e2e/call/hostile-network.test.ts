/**
 * Issue 8 item 7: a hostile network between the two browsers (protocol.md §1, §6.4, §6.6, §6.7, §8.5), through the
 * test relay (relay.ts):
 * - it strips the handshake packets out of CallSeal's frames: no side is ever `encrypted`; with the fallback allowed
 *   both end `unencrypted` (the downgrade §1 admits), under `required` both are `blocked` and nothing goes in clear;
 * - it flips bits in every handshake packet: never `encrypted`, never `error`, the broken frames dropped and counted;
 * - it replays the first epoch's handshake packets after Bob reloaded: Alice keeps the new epoch and its code — no
 *   rollback to the older keys, and no group call of Bob's old and new pids (this test found that one, §6.6);
 * - it drops and reorders frames: the call stays encrypted, no reordered frame is taken for a replay, every key-frame
 *   request is answered, and the key frame that answers it brings the picture back by itself (WebRTC asks after about
 *   3 s of frames that do not decode, the same without CallSeal, since nothing retransmits what the relay dropped).
 * Replays of media frames, and of handshakes into a fresh session, are replay.test.ts.
 */
import type { Page } from 'puppeteer';
import { afterEach, describe, expect, it } from 'vitest';
import { endsInMediaMarker, hasCallSealTrailer } from '../../../src/e2ee/frame-container';
import { closeAllCalls, startCall, type Call } from '../support/call';
import { corruptHandshakes, stripHandshakes } from '../support/hostile-handshake';
import { writeExtensionPolicy, type ManagedPolicy } from '../support/managed-policy';
import type { TestBrowser } from '../support/browser';
import { keepConnections, presentedFrames, stampPresentedFrames } from '../support/presented';
import { startRelay, type NetworkImpairment } from '../support/relay';
import { reports, watchReports, type StampedReport } from '../support/reports';
import { waitFor, waitForElement } from '../support/wait';
import { startEncryptedCall, waitForCopies, waitForRemoteColor } from './helpers';

const ENCRYPTED = ['encrypted', 'identity-changed', 'verified'];
/** The hostile network of the last test: frames held back and shuffled within this window, and dropped at this rate. */
const REORDER_WINDOW = 4;
const DROP_RATE = 0.07;

/** A call of two with CallSeal switched on at both ends, whose reports are recorded (reports.ts). */
function hostileCall(relay: Awaited<ReturnType<typeof startRelay>>): Promise<Call> {
  const watched = { withExtension: true, e2ee: true, beforeCall: watchReports };
  return startCall({ topology: 'single', relay, alice: watched, bob: watched });
}

/** Every report of both sides so far. */
async function bothReports(call: Call): Promise<StampedReport[]> {
  const [a, b] = await Promise.all([reports(call.alice.browser), reports(call.bob.browser)]);
  return [...a, ...b];
}

/** A small deterministic generator (mulberry32), so a failing run can be repeated. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const framesPlayed = (page: Page): Promise<number> =>
  page.$eval('#remote-video', (v) => (v as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames);

describe('a hostile network', () => {
  let policy: ManagedPolicy | undefined;
  afterEach(async () => {
    await closeAllCalls();
    await policy?.remove();
    policy = undefined;
  });

  it('that strips the handshake: never encrypted; with the fallback allowed, both end unencrypted', async () => {
    const strip = stripHandshakes();
    const relay = await startRelay({ mitm: (frame) => strip.rewrite(frame) });
    try {
      const call = await hostileCall(relay);
      const [alicePopup, bobPopup] = await Promise.all([call.alice.popup(), call.bob.popup()]);
      await Promise.all([alicePopup.waitForState('unencrypted', 30_000), bobPopup.waitForState('unencrypted', 30_000)]);
      expect(strip.counts.changed).toBeGreaterThan(0);
      const all = await bothReports(call);
      expect(all.filter((r) => ENCRYPTED.includes(r.state))).toEqual([]);
      expect(all.some((r) => r.state === 'negotiating')).toBe(true);
    } finally {
      await relay.close();
    }
  }, 90_000);

  it('that strips the handshake: under `required` both are blocked, and nothing goes either way in clear', async () => {
    policy = await writeExtensionPolicy({ E2EEMode: 'required' });
    const strip = stripHandshakes();
    const relay = await startRelay({ mitm: (frame) => strip.rewrite(frame) });
    try {
      const call = await hostileCall(relay);
      const [alicePopup, bobPopup] = await Promise.all([call.alice.popup(), call.bob.popup()]);
      await Promise.all([
        waitForElement(alicePopup.page, '[data-testid="policy-note"]', { timeout: 15_000 }),
        waitForElement(bobPopup.page, '[data-testid="policy-note"]', { timeout: 15_000 }),
      ]);
      await Promise.all([alicePopup.waitForState('blocked', 30_000), bobPopup.waitForState('blocked', 30_000)]);
      expect((await bothReports(call)).filter((r) => ENCRYPTED.includes(r.state))).toEqual([]);

      // As sent (before the relay strips them): from the moment the policy applied, every frame is CallSeal's.
      await waitForCopies(call);
      for (const participant of [call.alice, call.bob]) {
        const copies = relay.copies(participant.name);
        const recent = [...copies.video.slice(-30), ...copies.audio.slice(-100)];
        expect(recent.filter((frame) => !(hasCallSealTrailer(frame) || endsInMediaMarker(frame)))).toHaveLength(0);
      }
      // What arrives at Alice after stripping looks like plain media: not one frame of it is played.
      const toAlice = () => relay.stats().forwarded[call.alice.name]?.video ?? 0;
      const [packetsBefore, playedBefore] = [toAlice(), await framesPlayed(call.alice.page)];
      await waitFor(() => toAlice() > packetsBefore + 30, { timeout: 10_000, message: 'frames to keep reaching Alice' });
      expect(await framesPlayed(call.alice.page)).toBe(playedBefore);
    } finally {
      await relay.close();
    }
  }, 90_000);

  it('that flips bits in every handshake packet: never encrypted, no error, the broken frames dropped and counted', async () => {
    const corrupt = corruptHandshakes(seeded(8));
    const relay = await startRelay({ mitm: (frame) => corrupt.rewrite(frame) });
    try {
      const call = await hostileCall(relay);
      // Twice the fallback delay (4 s, §6.4): long enough for any handshake to complete, and every frame stays
      // CallSeal's, so no fallback either.
      const malformed = (list: StampedReport[]) => Math.max(0, ...list.map((r) => r.counters.drops?.malformed ?? 0));
      await waitFor(
        async () => {
          const [a, b] = await Promise.all([reports(call.alice.browser), reports(call.bob.browser)]);
          const span = (list: StampedReport[]) => (list.length > 0 ? list.at(-1)!.t - list[0]!.t : 0);
          return span(a) >= 8_000 && span(b) >= 8_000;
        },
        { timeout: 40_000, interval: 500, message: '8 s of reports from each side' },
      );
      const [ofAlice, ofBob] = await Promise.all([reports(call.alice.browser), reports(call.bob.browser)]);
      for (const list of [ofAlice, ofBob]) {
        expect(list.filter((r) => ENCRYPTED.includes(r.state) || r.state === 'error')).toEqual([]);
        expect(list.at(-1)?.state).toBe('negotiating');
        expect(malformed(list)).toBeGreaterThan(0);
      }
      expect(corrupt.counts.changed).toBeGreaterThan(20);
      for (const participant of [call.alice, call.bob]) expect((await participant.demo()).errors).toEqual([]);
    } finally {
      await relay.close();
    }
  }, 90_000);

  it('that replays the first epoch’s handshake after Bob reloaded: no rollback to the older keys', async () => {
    const recorded: Uint8Array[] = [];
    let mode: 'record' | 'pass' | 'replay' = 'record';
    let replayed = 0;
    let live = 0;
    const relay = await startRelay({
      mitm: (frame) => {
        if (frame.from !== 'bob' || frame.to !== 'alice' || frame.kind !== 'audio') return frame.payload;
        if (mode === 'record' && hasCallSealTrailer(frame.payload)) recorded.push(frame.payload.slice());
        if (mode !== 'replay' || recorded.length === 0) return frame.payload;
        // Every other frame of Bob's audio becomes one of the first epoch's handshake frames, in order, round and round.
        if (live++ % 2 === 0) return frame.payload;
        return recorded[replayed++ % recorded.length] ?? null;
      },
    });
    try {
      const { call, alicePopup, bobPopup, aliceCode: firstCode } = await startEncryptedCall({
        topology: 'single',
        relay,
        alice: { beforeCall: watchReports },
      });
      expect(recorded.length).toBeGreaterThan(0);
      mode = 'pass';
      const firstEpoch = (await reports(call.alice.browser)).at(-1)!.epoch;
      await call.bob.reload();
      const newCode = await waitFor(
        async () => {
          const [a, b] = await Promise.all([alicePopup.securityCode(), bobPopup.securityCode()]);
          const states = await Promise.all([alicePopup.state(), bobPopup.state()]);
          return states.every((s) => s === 'encrypted') && a === b && a !== firstCode ? a : undefined;
        },
        { timeout: 30_000, interval: 200, message: 'both encrypted again under a new code' },
      );
      const newEpoch = (await reports(call.alice.browser)).at(-1)!.epoch;
      expect(newEpoch).toBeGreaterThan(firstEpoch);
      const seen = (await reports(call.alice.browser)).length;

      // Within the 10 s the first pair's keys are kept for frames in flight (§6.2), and after.
      mode = 'replay';
      await waitFor(() => replayed >= 2 * recorded.length + 100, { timeout: 20_000, message: 'the recording replayed twice' });
      await waitForRemoteColor(call.alice, call.bob);
      const during = (await reports(call.alice.browser)).slice(seen);
      expect(during.length).toBeGreaterThan(3);
      expect(during.filter((r) => r.state !== 'encrypted' || r.epoch !== newEpoch || r.securityCode !== newCode)).toEqual([]);
      expect(during.at(-1)!.counters.decrypted).toBeGreaterThan(during[0]!.counters.decrypted);
      expect(await alicePopup.securityCode()).toBe(newCode);
    } finally {
      await relay.close();
    }
  }, 120_000);

  it('that drops and reorders frames: the call stays encrypted, and each key-frame request brings the picture back', async () => {
    let network: NetworkImpairment | undefined;
    const relay = await startRelay({ network: () => network });
    try {
      const watched = { beforeCall: async (browser: TestBrowser, page: Page) => {
        await watchReports(browser);
        await keepConnections(page);
      } };
      const { call } = await startEncryptedCall({ topology: 'single', relay, alice: watched, bob: watched });
      await Promise.all([waitForRemoteColor(call.alice, call.bob), waitForRemoteColor(call.bob, call.alice)]);
      await Promise.all([stampPresentedFrames(call.alice.page), stampPresentedFrames(call.bob.page)]);
      const startedAt = Date.now();
      network = { reorderWindow: REORDER_WINDOW, dropRate: DROP_RATE, random: seeded(7) };
      await waitFor(() => Date.now() - startedAt >= 12_000 || undefined, { timeout: 15_000, interval: 500, message: '12 s of a hostile network' });
      network = undefined;
      const endedAt = Date.now();
      await Promise.all([waitForRemoteColor(call.alice, call.bob), waitForRemoteColor(call.bob, call.alice)]);

      const stats = relay.stats();
      for (const participant of [call.alice, call.bob]) {
        const row = stats.impaired[participant.name];
        expect(row?.video.dropped).toBeGreaterThan(5);
        expect(row?.video.reordered).toBeGreaterThan(5);
        expect(row?.audio.reordered).toBeGreaterThan(5);
      }
      expect((await bothReports(call)).filter((r) => r.t >= startedAt && r.state !== 'encrypted')).toEqual([]);
      for (const browser of [call.alice.browser, call.bob.browser]) {
        const list = await reports(browser);
        const first = list.filter((r) => r.t < startedAt).at(-1)!;
        const last = list.at(-1)!;
        // Reordered frames are within the replay window (128 counters, §3): none is taken for a replay.
        expect(last.counters.drops?.replay ?? 0).toBe(first.counters.drops?.replay ?? 0);
        expect(last.counters.drops?.['auth-failed'] ?? 0).toBe(first.counters.drops?.['auth-failed'] ?? 0);
        expect(last.counters.decrypted).toBeGreaterThan(first.counters.decrypted + 200);
      }
      // Each lost video frame leaves the receiver's decoder waiting for a key frame; WebRTC asks for one (a PLI, which
      // the relay forwards to the sender) — after about 3 s, the same without CallSeal: the relay never retransmits.
      // The key frame that answers a request must bring the picture back by itself: the viewer presents a frame after
      // the relay forwarded it and before the next key frame went out. A key frame CallSeal could not decrypt, or
      // passed on broken, would leave the picture frozen until a later one. How long that takes is a measurement
      // (printed here, and `npm run bench:recovery`), not an assertion: on a loaded machine it is the encoder's and the
      // decoder's time as much as the network's.
      for (const [viewer, sender] of [[call.alice, call.bob], [call.bob, call.alice]] as const) {
        const stamps = await presentedFrames(viewer.page);
        const during = stamps.filter((t) => t >= startedAt && t <= endedAt);
        const gaps = during.slice(1).map((t, i) => t - (during[i] ?? t));
        const keyframes = (stats.keyframesForwardedAt[viewer.name] ?? []).filter((t) => t >= startedAt);
        const requests = (stats.keyframeRequestsAt[sender.name] ?? []).filter((t) => t >= startedAt && t <= endedAt);
        const answered = requests.flatMap((request) => {
          const keyframe = keyframes.find((t) => t > request);
          if (keyframe === undefined) return [];
          const next = keyframes.find((t) => t > keyframe) ?? Number.POSITIVE_INFINITY;
          const back = stamps.find((t) => t > keyframe) ?? Number.POSITIVE_INFINITY;
          return [{ request, keyframe, back, byThatKeyframe: back < next }];
        });
        const byThatKeyframe = answered.filter((a) => a.byThatKeyframe).length;
        const ms = (list: number[]): string => list.map((v) => (Number.isFinite(v) ? Math.round(v) : '∞')).join(', ');
        console.log(
          `hostile network, ${viewer.name} watching ${sender.name}: ${during.length} frames presented in ` +
            `${Math.round((endedAt - startedAt) / 1000)} s, ${Math.round(DROP_RATE * 100)}% of frames dropped, reordered within ` +
            `${REORDER_WINDOW}; longest freeze ${Math.round(Math.max(0, ...gaps))} ms; ${requests.length} key-frame requests; ` +
            `key frame forwarded after each: ${ms(answered.map((a) => a.keyframe - a.request))} ms; picture back after ` +
            `that key frame: ${ms(answered.map((a) => a.back - a.keyframe))} ms (${byThatKeyframe} of ${answered.length} ` +
            `by that key frame); relay: ${JSON.stringify(stats.impaired[viewer.name])}`,
        );
        expect(requests.length).toBeGreaterThan(0);
        // Every request is answered: a key frame of the sender's reaches the viewer after it (the relay drops one now
        // and then, DROP_RATE: then the key frame for a later request answers both).
        expect(answered.length).toBe(requests.length);
        // A key frame that went out right behind another (two requests close together) may still be on its way to the
        // screen when the next leaves the relay: so most, not all.
        expect(byThatKeyframe).toBeGreaterThan(answered.length / 2);
      }
    } finally {
      await relay.close();
    }
  }, 120_000);
});
