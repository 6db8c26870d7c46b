/**
 * SFrameSender / SFrameReceiver behaviour (RFC 9605 §4.4.1, §7.4, §9.1): counters never repeat and run
 * out with 'counter-exhausted', keys are managed per KID, and every bad input gives a named SFrameError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SFrameError, isSFrameError } from '../../../src/sframe/errors';
import { decodeHeader } from '../../../src/sframe/header';
import { deriveSFrameKeys } from '../../../src/sframe/keys';
import { sframeDecrypt, sframeEncrypt } from './support/reference/frame';
import { SFrameReceiver, SFrameSender } from './support/reference/context';
import { UINT64_MAX, baseKeyFor, expectSFrameError } from './support/helpers';

const baseKey = baseKeyFor(11);

describe('SFrameSender', () => {
  it('numbers frames 0, 1, 2, ... in the header', async () => {
    const sender = await SFrameSender.create({ suite: 2, kid: 300n, baseKey });
    expect(sender.nextCounter).toBe(0n);
    for (let i = 0n; i < 20n; i += 1n) {
      expect(decodeHeader(await sender.encrypt(new Uint8Array(3)))).toMatchObject({ kid: 300n, ctr: i });
    }
    expect(sender.nextCounter).toBe(20n);
  });

  it('gives concurrent encryptions distinct counters', async () => {
    const sender = await SFrameSender.create({ suite: 4, kid: 1n, baseKey });
    const frames = await Promise.all(Array.from({ length: 64 }, () => sender.encrypt(new Uint8Array(100))));
    const ctrs = frames.map((f) => decodeHeader(f).ctr).sort((a, b) => (a < b ? -1 : 1));
    expect(ctrs).toEqual(Array.from({ length: 64 }, (_, i) => BigInt(i)));
  });

  it('throws counter-exhausted after using CTR 2^64-1, and keeps refusing', async () => {
    const sender = await SFrameSender.create({ suite: 5, kid: 2n, baseKey, initialCounter: UINT64_MAX - 1n });
    await sender.encrypt(new Uint8Array(1));
    expect(sender.exhausted).toBe(false);
    const last = await sender.encrypt(new Uint8Array(1));
    expect(decodeHeader(last).ctr).toBe(UINT64_MAX);
    expect(sender.exhausted).toBe(true);
    await expectSFrameError(() => sender.encrypt(new Uint8Array(1)), 'counter-exhausted');
    await expectSFrameError(() => sender.encrypt(new Uint8Array(1)), 'counter-exhausted');
  });

  it('does not consume a counter when the input is rejected', async () => {
    const sender = await SFrameSender.create({ suite: 1, kid: 2n, baseKey });
    await expectSFrameError(() => sender.encrypt('x' as unknown as Uint8Array), 'invalid-argument');
    await expectSFrameError(() => sender.encrypt(new Uint8Array(1), [1] as unknown as Uint8Array), 'invalid-argument');
    expect(decodeHeader(await sender.encrypt(new Uint8Array(1))).ctr).toBe(0n);
  });

  it('validates its options with named errors', async () => {
    const create = (o: object) => () => SFrameSender.create(o as never);
    await expectSFrameError(create({ suite: 0, kid: 1n, baseKey }), 'invalid-argument');
    await expectSFrameError(create({ suite: 6, kid: 1n, baseKey }), 'invalid-argument');
    await expectSFrameError(create({ suite: '4', kid: 1n, baseKey }), 'invalid-argument');
    await expectSFrameError(create({ kid: 1n, baseKey }), 'invalid-argument');
    await expectSFrameError(create({ suite: 4, kid: 1, baseKey }), 'invalid-argument');
    await expectSFrameError(create({ suite: 4, kid: -1n, baseKey }), 'length-overflow');
    await expectSFrameError(create({ suite: 4, kid: UINT64_MAX + 1n, baseKey }), 'length-overflow');
    await expectSFrameError(create({ suite: 4, kid: 1n, baseKey: new Uint8Array(15) }), 'invalid-argument');
    await expectSFrameError(create({ suite: 4, kid: 1n, baseKey: new ArrayBuffer(32) }), 'invalid-argument');
    await expectSFrameError(create({ suite: 4, kid: 1n, baseKey, initialCounter: -1n }), 'length-overflow');
    await expectSFrameError(create({ suite: 4, kid: 1n, baseKey, initialCounter: 1 }), 'invalid-argument');
    await expectSFrameError(() => SFrameSender.create(undefined as never), 'invalid-argument');
  });

  it('accepts any base key of at least 16 bytes, including a Buffer and a subarray view', async () => {
    const receiver = new SFrameReceiver({ suite: 3 });
    const backing = new Uint8Array(100).map((_, i) => i);
    const view = backing.subarray(7, 57);
    await receiver.addKey(77n, view);
    const sender = await SFrameSender.create({ suite: 3, kid: 77n, baseKey: Buffer.from(view) });
    const frame = await sender.encrypt(backing.subarray(3, 20), backing.subarray(50, 60));
    const out = await receiver.decrypt(frame, backing.subarray(50, 60));
    expect([...out.plaintext]).toEqual([...backing.subarray(3, 20)]);
  });
});

describe('SFrameReceiver', () => {
  it('manages keys per KID', async () => {
    const receiver = new SFrameReceiver({ suite: 4 });
    const sender = await SFrameSender.create({ suite: 4, kid: 7n, baseKey });
    expect(receiver.hasKey(7n)).toBe(false);
    const frame = await sender.encrypt(new Uint8Array([1, 2, 3]));
    await expectSFrameError(() => receiver.decrypt(frame), 'unknown-kid');
    await receiver.addKey(7n, baseKey);
    expect(receiver.hasKey(7n)).toBe(true);
    expect(receiver.kids()).toEqual([7n]);
    expect((await receiver.decrypt(frame)).plaintext).toEqual(new Uint8Array([1, 2, 3]));
    expect(receiver.removeKey(7n)).toBe(true);
    expect(receiver.removeKey(7n)).toBe(false);
    expect(receiver.hasKey(7n)).toBe(false);
    await expectSFrameError(async () => receiver.decrypt(await sender.encrypt(new Uint8Array(1))), 'unknown-kid');
  });

  it('does not install a key whose addKey was overtaken by removeKey', async () => {
    const receiver = new SFrameReceiver({ suite: 4 });
    const pending = receiver.addKey(7n, baseKey);
    receiver.removeKey(7n);
    await pending;
    expect(receiver.hasKey(7n)).toBe(false);
  });

  it('drops a frame whose key is removed while it is being decrypted', async () => {
    const receiver = new SFrameReceiver({ suite: 1 });
    await receiver.addKey(7n, baseKey);
    const sender = await SFrameSender.create({ suite: 1, kid: 7n, baseKey });
    const frame = await sender.encrypt(new Uint8Array(10));
    const pending = receiver.decrypt(frame);
    receiver.removeKey(7n);
    await expectSFrameError(() => pending, 'unknown-kid');
  });

  it('validates its options and arguments with named errors', async () => {
    await expectSFrameError(() => new SFrameReceiver({ suite: 9 as never }), 'invalid-argument');
    await expectSFrameError(() => new SFrameReceiver({ suite: 4, replayWindow: 0 }), 'invalid-argument');
    await expectSFrameError(() => new SFrameReceiver(null as never), 'invalid-argument');
    const receiver = new SFrameReceiver({ suite: 4 });
    await expectSFrameError(() => receiver.addKey(1n, new Uint8Array(8)), 'invalid-argument');
    await expectSFrameError(() => receiver.addKey(-5n, baseKey), 'length-overflow');
    await expectSFrameError(() => receiver.hasKey(2 as never), 'invalid-argument');
    await expectSFrameError(() => receiver.decrypt('frame' as never), 'invalid-argument');
    await expectSFrameError(() => receiver.decrypt(new Uint8Array(0)), 'truncated-header');
    await expectSFrameError(() => receiver.decrypt(new Uint8Array([0]), 'm' as never), 'invalid-argument');
  });

  it('turns arbitrary input into SFrameErrors only', async () => {
    const receiver = new SFrameReceiver({ suite: 3 });
    await receiver.addKey(0n, baseKey);
    await receiver.addKey(1n, baseKey);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 8 }), async (frame, metadata) => {
        try {
          await receiver.decrypt(frame, metadata);
          throw new Error('a random frame must not authenticate');
        } catch (e) {
          expect(isSFrameError(e)).toBe(true);
          const codes = [
            'truncated-header',
            'unknown-kid',
            'truncated-ciphertext',
            'authentication-failed',
          ];
          expect(codes).toContain((e as SFrameError).code);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('low-level sframeEncrypt / sframeDecrypt', () => {
  it('checks the keys, KID and counter', async () => {
    const keys = await deriveSFrameKeys(4, 5n, baseKey);
    const pt = new Uint8Array(4);
    await expectSFrameError(() => sframeEncrypt({} as never, 5n, 0n, pt, pt), 'invalid-argument');
    await expectSFrameError(() => sframeEncrypt(keys, 6n, 0n, pt, pt), 'invalid-argument');
    await expectSFrameError(() => sframeEncrypt(keys, 5n, UINT64_MAX + 1n, pt, pt), 'length-overflow');
    const frame = await sframeEncrypt(keys, 5n, 9n, pt, pt);
    const other = await deriveSFrameKeys(4, 6n, baseKey);
    await expectSFrameError(() => sframeDecrypt(other, frame, pt), 'unknown-kid');
    await expectSFrameError(() => sframeDecrypt(keys, frame), 'authentication-failed');
    expect((await sframeDecrypt(keys, frame, pt)).ctr).toBe(9n);
  });
});

describe('SFrameError', () => {
  it('carries a code and narrows with isSFrameError', () => {
    const e = new SFrameError('replay', 'counter 3 rejected');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SFrameError');
    expect(e.code).toBe('replay');
    expect(e.message).toBe('replay: counter 3 rejected');
    expect(isSFrameError(e)).toBe(true);
    expect(isSFrameError(e, 'replay')).toBe(true);
    expect(isSFrameError(e, 'unknown-kid')).toBe(false);
    expect(isSFrameError(new Error('x'))).toBe(false);
    expect(isSFrameError({ code: 'replay' })).toBe(false);
  });
});
