/**
 * Anti-replay (RFC 9605 §9.3, §7.4): the sliding window against a set-based model, and the receiver's use
 * of it — duplicates and too-old counters rejected with 'replay', reordering inside the window accepted,
 * counters recorded only after authentication.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayWindow } from './support/reference/replay-window';
import { encodeHeader } from './support/reference/header';
import { SFrameReceiver, SFrameSender } from './support/reference/context';
import { baseKeyFor, expectSFrameError, flipBit } from './support/helpers';

/** The obvious model: remember every accepted counter; too old means at or below highest - width. */
class ModelWindow {
  readonly accepted = new Set<bigint>();
  highest = -1n;
  constructor(readonly width: bigint) {}
  fresh(ctr: bigint): boolean {
    if (this.highest >= 0n && ctr <= this.highest - this.width) return false;
    return !this.accepted.has(ctr);
  }
  accept(ctr: bigint): void {
    this.accepted.add(ctr);
    if (ctr > this.highest) this.highest = ctr;
  }
}

describe('ReplayWindow', () => {
  it('agrees with the set-based model on random counter sequences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 300n }),
        fc.array(fc.oneof(fc.integer({ min: -100, max: 100 }), fc.integer({ min: 0, max: 250 })), { maxLength: 120 }),
        (width, base, offsets) => {
          const window = new ReplayWindow(width);
          const model = new ModelWindow(BigInt(width));
          for (const offset of offsets) {
            const ctr = base + BigInt(Math.max(0, offset));
            const fresh = model.fresh(ctr);
            expect(window.verdict(ctr) === null).toBe(fresh);
            if (fresh) {
              window.accept(ctr);
              model.accept(ctr);
            } else {
              expect(() => window.accept(ctr)).toThrow(expect.objectContaining({ name: 'SFrameError', code: 'replay' }));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles huge jumps and the top of the counter range', () => {
    const window = new ReplayWindow(64);
    window.accept(0n);
    window.accept(2n ** 64n - 1n);
    expect(window.verdict(0n)).toBe('too-old');
    expect(window.verdict(2n ** 64n - 1n)).toBe('duplicate');
    expect(window.verdict(2n ** 64n - 64n)).toBeNull();
    expect(window.verdict(2n ** 64n - 65n)).toBe('too-old');
  });

  it('rejects invalid widths with invalid-argument', async () => {
    for (const width of [0, -1, 1.5, 65_537, Number.NaN, '8']) {
      await expectSFrameError(() => new ReplayWindow(width as number), 'invalid-argument');
    }
  });
});

describe('SFrameReceiver replay protection', () => {
  async function setup(frames: number, replayWindow?: number) {
    const baseKey = baseKeyFor(3);
    const sender = await SFrameSender.create({ suite: 4, kid: 9n, baseKey });
    const receiver = new SFrameReceiver(replayWindow === undefined ? { suite: 4 } : { suite: 4, replayWindow });
    await receiver.addKey(9n, baseKey);
    const list: Uint8Array[] = [];
    for (let i = 0; i < frames; i += 1) list.push(await sender.encrypt(new Uint8Array([i])));
    return { receiver, frames: list };
  }

  it('rejects the same frame a second time', async () => {
    const { receiver, frames } = await setup(1);
    const frame = frames[0] as Uint8Array;
    await receiver.decrypt(frame);
    await expectSFrameError(() => receiver.decrypt(frame), 'replay');
  });

  it('accepts any reordering inside the window, then rejects every repeat', async () => {
    const { frames } = await setup(24);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(frames, { minLength: frames.length }), async (order) => {
        const { receiver } = await setup(0, 24);
        await receiver.addKey(9n, baseKeyFor(3));
        for (const frame of order) await receiver.decrypt(frame);
        for (const frame of order) await expectSFrameError(() => receiver.decrypt(frame), 'replay');
      }),
      { numRuns: 15 },
    );
  });

  it('rejects counters older than the window and accepts the oldest one inside it', async () => {
    const { receiver, frames } = await setup(41, 16);
    await receiver.decrypt(frames[40] as Uint8Array);
    await expectSFrameError(() => receiver.decrypt(frames[24] as Uint8Array), 'replay'); // 40 - 24 = 16: too old
    expect((await receiver.decrypt(frames[25] as Uint8Array)).ctr).toBe(25n); // 40 - 25 = 15: inside
    await expectSFrameError(() => receiver.decrypt(frames[0] as Uint8Array), 'replay');
  });

  it('uses a window of 128 counters by default', async () => {
    const { receiver, frames } = await setup(130);
    await receiver.decrypt(frames[129] as Uint8Array);
    await expectSFrameError(() => receiver.decrypt(frames[1] as Uint8Array), 'replay');
    expect((await receiver.decrypt(frames[2] as Uint8Array)).ctr).toBe(2n);
  });

  it('does not record counters of frames that fail authentication', async () => {
    const { receiver, frames } = await setup(2);
    const frame = frames[1] as Uint8Array;
    await expectSFrameError(() => receiver.decrypt(flipBit(frame, 8 * frame.length - 1)), 'authentication-failed');
    expect((await receiver.decrypt(frame)).ctr).toBe(1n);
  });

  it('does not let a forged far-future counter push genuine frames out of the window', async () => {
    const { receiver, frames } = await setup(1);
    const forged = new Uint8Array([...encodeHeader(9n, 2n ** 64n - 1n), ...new Array(32).fill(0)]);
    await expectSFrameError(() => receiver.decrypt(forged), 'authentication-failed');
    expect((await receiver.decrypt(frames[0] as Uint8Array)).ctr).toBe(0n);
  });

  it('lets exactly one of two concurrent decryptions of the same frame succeed', async () => {
    const { receiver, frames } = await setup(1);
    const frame = frames[0] as Uint8Array;
    const results = await Promise.allSettled([1, 2, 3].map(() => receiver.decrypt(frame)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ name: 'SFrameError', code: 'replay' });
    }
  });

  it('keeps separate windows per KID and resets a KID window when its key is replaced', async () => {
    const receiver = new SFrameReceiver({ suite: 1 });
    const a = await SFrameSender.create({ suite: 1, kid: 1n, baseKey: baseKeyFor(1) });
    const b = await SFrameSender.create({ suite: 1, kid: 2n, baseKey: baseKeyFor(2) });
    await receiver.addKey(1n, baseKeyFor(1));
    await receiver.addKey(2n, baseKeyFor(2));
    const fa = await a.encrypt(new Uint8Array(4));
    const fb = await b.encrypt(new Uint8Array(4));
    expect((await receiver.decrypt(fa)).kid).toBe(1n);
    expect((await receiver.decrypt(fb)).kid).toBe(2n); // same CTR 0, other KID: not a replay
    await expectSFrameError(() => receiver.decrypt(fa), 'replay');
    await receiver.addKey(1n, baseKeyFor(1)); // re-keying KID 1 starts a fresh window
    expect((await receiver.decrypt(fa)).ctr).toBe(0n);
    await expectSFrameError(() => receiver.decrypt(fb), 'replay');
  });
});
