/**
 * Recovery after rekeying (protocol.md §6.7), measured: Bob's side gets new keys (an `event`: he reloads, rejoins,
 * switches E2EE off and on), and the time from the REKEY — the later of Alice's first report of the new epoch and
 * Bob's first `encrypted` report of his new session, as their service workers receive them (reports.ts) — to the
 * first frame of Bob's video that Alice's page presents after her own new epoch (presented.ts). Used by
 * tests/e2e/call/recovery.test.ts (held to `recoveryBound`) and by `npm run bench:recovery` (printed).
 *
 * The call must have been started with `rekeyWatch` as both participants' `beforeCall`.
 */
import type { Page } from 'puppeteer';
import { KEY_FRAME_INTERVAL_MS } from '../../../src/worker/key-frames';
import type { TestBrowser } from './browser';
import type { Call } from './call';
import { keepConnections, presentedFrames, roundTripMs, stampPresentedFrames } from './presented';
import { KEYFRAME_REQUEST_INTERVAL_MS } from './relay';
import { reports, watchReports, type StampedReport } from './reports';
import { waitFor } from './wait';

/** The fake cameras' frame rate (fake-camera.ts). */
export const CAMERA_FPS = 30;

/** For `beforeCall`: watch the reports and keep the peer connections (for the RTT). */
export async function rekeyWatch(browser: TestBrowser, page: Page): Promise<void> {
  await watchReports(browser);
  await keepConnections(page);
}

/**
 * One key-frame request round trip, at worst: the request may wait out the receiver's rate limit (§6.5, 500 ms), and
 * the relay's own limit on PLIs it forwards (100 ms); the sender's encoder answers with its next frame (one frame
 * interval, two to allow for the frames in the encoder already; the interval as measured at the receiver before the
 * rekey, which a busy machine stretches beyond the camera's 1/30 s) and the key frame crosses the network twice over the
 * measured round-trip time (request up, frame down) before it decodes, plus the same again for a machine whose two
 * cores run four browsers (the frame's encode and decode take the rest of a frame interval each).
 */
export function recoveryBound(rttMs: number, frameMs = 1000 / CAMERA_FPS): number {
  return KEY_FRAME_INTERVAL_MS + KEYFRAME_REQUEST_INTERVAL_MS + 4 * frameMs + 2 * rttMs;
}

export interface Recovery {
  /** From the rekey to Alice's first presented frame of Bob's after it (ms). */
  ms: number;
  /** The bound for this run (`recoveryBound` of the RTT measured after it). */
  bound: number;
  rttMs: number;
  /** Which side's new keys came first, and how far apart. */
  order: 'Alice first' | 'Bob first';
  apartMs: number;
  /** From the start of the event to the rekey. */
  rekeyAfterMs: number;
  /** A sentence for the output. */
  line: string;
}

/** Runs `event` and measures the recovery after it (see the header). */
export async function measureRecovery(call: Call, name: string, event: () => Promise<void>): Promise<Recovery> {
  await stampPresentedFrames(call.alice.page);
  // The frame interval Alice sees now: the median gap between her last 20 presented frames.
  const before = await waitFor(async () => {
    const stamps = await presentedFrames(call.alice.page);
    return stamps.length >= 21 ? stamps.slice(-21) : undefined;
  }, { timeout: 10_000, interval: 100, message: '20 frames of Bob’s at Alice before the rekey' });
  const gaps = before.slice(1).map((t, i) => t - (before[i] ?? t)).sort((a, b) => a - b);
  const frameMs = Math.max(1000 / CAMERA_FPS, gaps[Math.floor(gaps.length / 2)] ?? 0);
  const [ofAlice, ofBob] = await Promise.all([reports(call.alice.browser), reports(call.bob.browser)]);
  const aliceNow = ofAlice.at(-1);
  const bobSession = ofBob.at(-1)?.session;
  if (!aliceNow || bobSession === undefined) throw new Error('no reports: start the call with rekeyWatch as beforeCall');
  const eventAt = Date.now();
  await event();
  const rekey = await waitFor(
    async () => {
      const [a, b] = await Promise.all([
        reports(call.alice.browser).then((list) => list.slice(ofAlice.length)),
        reports(call.bob.browser).then((list) => list.slice(ofBob.length)),
      ]);
      const alice = a.find((r) => r.session === aliceNow.session && r.epoch > aliceNow.epoch && r.state === 'encrypted');
      const bob = b.find((r) => r.session !== bobSession && r.state === 'encrypted');
      return alice && bob ? { alice, bob } : undefined;
    },
    { timeout: 30_000, interval: 100, message: 'both sides encrypted under new keys' },
  );
  const { alice, bob }: { alice: StampedReport; bob: StampedReport } = rekey;
  const firstFrame = await waitFor(async () => (await presentedFrames(call.alice.page)).find((t) => t > alice.t), {
    timeout: 15_000,
    interval: 50,
    message: 'a frame of Bob’s at Alice after the rekey',
  });
  // Alice decrypts Bob's media only once both hold the pair: a picture before Bob's report arrived means his report
  // was slow on its way (a busy machine), and the rekey was no later than that picture.
  const at = Math.max(alice.t, Math.min(bob.t, firstFrame));
  const rttMs = await roundTripMs(call.alice.page);
  const bound = recoveryBound(rttMs, frameMs);
  const ms = firstFrame - at;
  const order = alice.t <= bob.t ? 'Alice first' : 'Bob first';
  const apartMs = Math.abs(alice.t - bob.t);
  const line =
    `recovery after ${name}: ${Math.round(ms)} ms from the rekey to Alice's first frame of Bob ` +
    `(key-frame request RTT bound: ${Math.round(bound)} ms = ${KEY_FRAME_INTERVAL_MS} rate limit + ` +
    `${KEYFRAME_REQUEST_INTERVAL_MS} relay PLI limit + 4 frames of ${Math.round(frameMs)} ms + 2 × RTT ${rttMs.toFixed(1)} ms; ` +
    `keys confirmed ${order}, ${Math.round(apartMs)} ms apart; rekey ${Math.round(at - eventAt)} ms after the ${name} began)`;
  return { ms, bound, rttMs, order, apartMs, rekeyAfterMs: at - eventAt, line };
}
