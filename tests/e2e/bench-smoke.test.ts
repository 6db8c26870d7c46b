/**
 * CI smoke of `npm run bench` (tests/bench/browser/run.ts): the bench builds, runs in real Chromium, and every
 * implementation — the WebCrypto floor, LiveKit's FrameCryptor and CallSeal's CallController pair — gives back each
 * frame it was given. Correctness only: no timing is asserted (a shared machine's timings are noise).
 */
import { describe, expect, it } from 'vitest';
import { parseArgs, runBench } from '../bench/browser/run';

describe('bench smoke', () => {
  it('runs floor, LiveKit and CallSeal on every frame size, CallSeal adds 18-21 bytes per frame, and the handshake completes', async () => {
    const { frames } = await runBench(parseArgs(['--smoke']), () => undefined);
    expect(frames.rows).toHaveLength(frames.cases.length);
    for (const row of frames.rows) {
      expect(row.bytesAdded.floor).toBe(16); // the GCM tag
      expect(row.bytesAdded.livekit).toBe(30);
      expect(row.bytesAdded.callseal).toBeGreaterThanOrEqual(18);
      expect(row.bytesAdded.callseal).toBeLessThanOrEqual(21);
      for (const impl of ['floor', 'livekit', 'callseal'] as const) expect(row.wall[impl].median).toBeGreaterThan(0);
    }
    // The handshake alone (two fresh controllers in the worker) reaches `encrypted` on both sides.
    expect(frames.handshake?.fast.exchanges).toBeGreaterThan(0);
    expect(frames.handshake?.paced.n).toBe(1);
  }, 120_000);
});
