/**
 * Two transform-worker controllers wired back to back, as two browsers in a call would be, with frames shaped like
 * Chromium's encoded frames and signatures made the way the background makes them. What goes over the "wire" is
 * inspected: nothing in clear while negotiating, only ciphertext once encrypted, plaintext only after the fallback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CallController, type EncodedFrame } from '../../../src/worker/call-controller';
import { parseCallSealFrame } from '../../../src/e2ee/frame-container';
import type { SessionReport } from '../../../src/shared/messages';
import type { WorkerToBridge } from '../../../src/shared/worker-messages';
import { makeIdentity, type TestIdentity } from '../e2ee/helpers';

interface Party {
  controller: CallController;
  identity: TestIdentity;
  reports: SessionReport[];
}

const controllers: CallController[] = [];
afterEach(() => controllers.splice(0).forEach((c) => c.dispose()));

async function party(
  enabled = true,
  allowPlaintextFallback = true,
  fallbackAfterMs = 4000,
  idleAfterMs?: number,
  refuseFirstSignatures = 0,
): Promise<Party> {
  const identity = await makeIdentity();
  const reports: SessionReport[] = [];
  const box: { controller?: CallController } = {};
  let refusals = refuseFirstSignatures;
  const post = (message: WorkerToBridge): void => {
    if (message.kind === 'report') reports.push(message.report);
    if (message.kind === 'sign' && refusals > 0) {
      refusals--;
      const refusal = { kind: 'sign-refused', requestId: message.requestId, code: 'rate-limited' } as const;
      queueMicrotask(() => box.controller?.helloSigner.settle(refusal));
    } else if (message.kind === 'sign') {
      // The background's part, answered asynchronously as over the real bridge.
      void identity.signHello(message.input).then((signature) =>
        box.controller?.helloSigner.settle({ kind: 'signed', requestId: message.requestId, signature }),
      );
    }
  };
  const controller = new CallController(post, idleAfterMs === undefined ? { sessionRetryMs: 20 } : { idleAfterMs, sessionRetryMs: 20 });
  box.controller = controller;
  controllers.push(controller);
  controller.noteTransform(); // as the worker does when the page's first transform is attached
  controller.applySettings({ enabled, allowPlaintextFallback, fallbackAfterMs }, identity.publicKey);
  return { controller, identity, reports };
}

/** An audio frame as Chromium hands it to a transform: Opus, mutable `data`. */
function opusFrame(payload: Uint8Array): EncodedFrame {
  const frame = { data: payload.slice().buffer, getMetadata: () => ({ mimeType: 'audio/opus' }) };
  return frame as unknown as EncodedFrame;
}

const MEDIA = new TextEncoder().encode('\x78 this is what alice said');
const bytes = (frame: EncodedFrame) => new Uint8Array(frame.data);
const contains = (haystack: Uint8Array, needle: Uint8Array) =>
  Buffer.from(haystack).includes(Buffer.from(needle.subarray(1)));

/** Sends one frame from `from` to `to`; returns what went on the wire and what `to` passed to its decoder. */
async function send(from: Party, to: Party, media = MEDIA) {
  const out = await from.controller.outgoing(opusFrame(media), 0);
  const wire = out ? bytes(out).slice() : null;
  const delivered = out ? await to.controller.incoming(out) : null;
  return { wire, delivered: delivered ? bytes(delivered) : null };
}

/** Repeats `step` (sending frames, as a live call does) until `condition` holds; 2 s at most. */
async function until(condition: () => boolean | Promise<boolean>, step: () => Promise<unknown>) {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await step();
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error('condition not reached');
}

/** The session is ready once a frame goes out (a hello-only one) instead of being dropped. */
const sessionReady = async (p: Party) => (await p.controller.outgoing(opusFrame(MEDIA), 0)) !== null;

const lastState = (p: Party) => p.reports.at(-1)?.state;

/** Frames both ways, as in a live call, until both sides report `encrypted`. */
const untilBothEncrypted = (alice: Party, bob: Party) =>
  until(
    () => lastState(alice) === 'encrypted' && lastState(bob) === 'encrypted',
    async () => {
      await send(bob, alice);
      await send(alice, bob);
    },
  );

describe('CallController', () => {
  it('sends only hello-only frames while negotiating, then ciphertext that decrypts on the other side', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await until(async () => (await sessionReady(alice)) && lastState(bob) === 'negotiating', async () => undefined);
    const first = await send(alice, bob);
    expect(first.wire).not.toBeNull();
    expect(contains(first.wire!, MEDIA)).toBe(false);
    expect(parseCallSealFrame(first.wire!, 1)).toMatchObject({ hasMedia: false });
    expect(first.delivered).toBeNull(); // hello-only frames never reach the decoder

    await untilBothEncrypted(alice, bob);
    const { wire, delivered } = await send(alice, bob);
    expect(parseCallSealFrame(wire!, 1)).toMatchObject({ hasMedia: true });
    expect(contains(wire!, MEDIA)).toBe(false);
    expect(delivered).toEqual(MEDIA);
    expect(alice.reports.at(-1)?.securityCode).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    expect(alice.reports.at(-1)?.securityCode).toBe(bob.reports.at(-1)?.securityCode);
  });

  it('drops a replayed frame and a tampered one', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await untilBothEncrypted(alice, bob);
    const { wire } = await send(alice, bob);
    expect(await bob.controller.incoming(opusFrame(wire!)).catch(() => null)).toBeNull();
    const next = await alice.controller.outgoing(opusFrame(MEDIA), 0);
    const tampered = bytes(next!).slice();
    tampered[3] = (tampered[3] ?? 0) ^ 0x40;
    expect(await bob.controller.incoming(opusFrame(tampered)).catch(() => null)).toBeNull();
  });

  it('passes everything unaltered with the switch off', async () => {
    const [alice, bob] = await Promise.all([party(false), party(false)]);
    const { wire, delivered } = await send(alice, bob);
    expect(wire).toEqual(MEDIA);
    expect(delivered).toEqual(MEDIA);
    expect(lastState(alice)).toBe('off');
  });

  it('refuses plain media from a peer without CallSeal until the fallback, then passes it both ways', async () => {
    const alice = await party(true, true, 50);
    const bob = await party(false); // no CallSeal on: sends plain media
    await until(() => sessionReady(alice), async () => undefined);
    const before = await alice.controller.outgoing(opusFrame(MEDIA), 0);
    expect(contains(bytes(before!), MEDIA)).toBe(false); // alone, nothing leaves in clear
    expect((await send(bob, alice)).delivered).toBeNull(); // evidence starts now; the fallback is 50 ms away
    await until(() => lastState(alice) === 'unencrypted', () => send(bob, alice));
    expect((await send(bob, alice)).delivered).toEqual(MEDIA);
    expect((await send(alice, bob)).wire).toEqual(MEDIA);
  });

  it('blocks instead when policy forbids the fallback: nothing in clear either way', async () => {
    const alice = await party(true, false, 0);
    const bob = await party(false);
    await until(() => lastState(alice) === 'blocked', () => send(bob, alice));
    expect((await send(bob, alice)).delivered).toBeNull();
    const out = await alice.controller.outgoing(opusFrame(MEDIA), 0);
    expect(out === null || !contains(bytes(out), MEDIA)).toBe(true);
  });

  it('stays encrypted when the peer switches off mid-call, drops their plain media, and says so', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await untilBothEncrypted(alice, bob);
    bob.controller.applySettings({ enabled: false, allowPlaintextFallback: true, fallbackAfterMs: 4000 }, bob.identity.publicKey);
    expect((await send(bob, alice)).delivered).toBeNull();
    const outgoing = await alice.controller.outgoing(opusFrame(MEDIA), 0);
    expect(contains(bytes(outgoing!), MEDIA)).toBe(false); // no downgrade of an encrypted call
    expect(lastState(alice)).toBe('encrypted');
  });

  it('reports no call once no frame has gone through for a while (the call ended)', async () => {
    const [alice, bob] = await Promise.all([party(true, true, 4000, 50), party(true, true, 4000, 50)]);
    await untilBothEncrypted(alice, bob);
    // No more frames. A report is made every second, and whenever the settings arrive again.
    const settings = { enabled: true, allowPlaintextFallback: true, fallbackAfterMs: 4000 };
    await until(
      () => lastState(alice) === 'off',
      async () => alice.controller.applySettings(settings, alice.identity.publicKey),
    );
    expect(alice.reports.at(-1)).not.toHaveProperty('securityCode');
    await send(bob, alice); // frames again: the same session, encrypted again
    alice.controller.applySettings(settings, alice.identity.publicKey);
    expect(lastState(alice)).toBe('encrypted');
  });

  it('asks again when the background refused to sign, and then negotiates', async () => {
    const alice = await party(true, true, 4000, undefined, 1);
    await until(() => lastState(alice) === 'error', async () => undefined);
    expect(alice.reports.at(-1)?.detail).toBe('sign-failed');
    await until(() => sessionReady(alice), async () => undefined);
    expect(lastState(alice)).toBe('negotiating');
  });

  it('holds frames back until the first settings arrive (E2EE may be on, even required)', async () => {
    const controller = new CallController(() => undefined);
    controllers.push(controller);
    expect(await controller.outgoing(opusFrame(MEDIA), 0)).toBeNull();
    expect(await controller.incoming(opusFrame(MEDIA))).toBeNull();
    const identity = await makeIdentity();
    controller.applySettings({ enabled: false, allowPlaintextFallback: true, fallbackAfterMs: 4000 }, identity.publicKey);
    expect(bytes((await controller.outgoing(opusFrame(MEDIA), 0))!)).toEqual(MEDIA);
  });
});
