/**
 * The frame path on its own (src/worker/frame-path.ts, protocol.md §2, §3, §6.3, §6.4): a scripted session stands in
 * for the handshake (its send mode and packet are set by the test), the SFrame keys are real (a confirmed pair's, made
 * with the key schedule), and what the path observes is read from the reporter's counters.
 */
import { describe, expect, it } from 'vitest';
import { parseCallSealFrame } from '../../../src/e2ee/frame-container';
import { E2eeError } from '../../../src/e2ee/errors';
import type { CallSession, ConfirmedPairKeys } from '../../../src/e2ee/session';
import { SFrameError } from '../../../src/sframe/errors';
import type { WorkerToBridge } from '../../../src/shared/worker-messages';
import { CallReporter } from '../../../src/worker/call-report';
import { FramePath, type ActiveSession } from '../../../src/worker/frame-path';
import { KeyFrameRequests } from '../../../src/worker/key-frames';
import { MediaKeys } from '../../../src/worker/group-frame-keys';
import { pairKeys } from './support/pair-keys';
import { FakeClock } from '../support/fake-clock';
import { MEDIA, contains, encodedFrame } from './support/call-harness';

/** A session whose answers the test sets; it records what the path told it. */
class ScriptedSession {
  mode: 'encrypt' | 'handshake' | 'plain' = 'encrypt';
  packet: Uint8Array | null = null;
  probe: Uint8Array | null = null;
  readonly seen = { plain: 0, callSeal: 0, packets: 0, decryptedPairs: [] as number[] };
  sendMode() {
    return this.mode;
  }
  outgoingPacket() {
    return this.packet;
  }
  takeProbe() {
    return this.probe;
  }
  notePlainFrame() {
    this.seen.plain++;
  }
  noteCallSealFrame() {
    this.seen.callSeal++;
  }
  async receivePacket() {
    this.seen.packets++;
  }
  noteMediaDecrypted(pairId: number) {
    this.seen.decryptedPairs.push(pairId);
  }
}

function side(keys?: ConfirmedPairKeys) {
  const clock = new FakeClock();
  const session = new ScriptedSession();
  let active: ActiveSession = session as unknown as CallSession;
  const reports: WorkerToBridge[] = [];
  const reporter = new CallReporter((m) => reports.push(m), () => clock.now(), () => ({ settings: 'on', status: () => undefined }), 5000);
  const ring = new MediaKeys(() => null, () => clock.now()); // no group: the pairs' keys only
  if (keys) ring.install(keys);
  const path = new FramePath({ activeSession: () => active, keys: ring, keyFrames: new KeyFrameRequests(() => clock.now()), reporter });
  const run = async (p: Promise<unknown>) => p.catch((e: unknown) => path.failed(e));
  return {
    session,
    path,
    reporter,
    setActive: (value: ActiveSession) => void (active = value),
    send: async (media = MEDIA, index: number | 'none' = 0) => {
      const out = (await run(path.outgoing(encodedFrame(media), index === 'none' ? undefined : index))) as { data: ArrayBuffer } | null;
      return out ? new Uint8Array(out.data).slice() : null;
    },
    receive: async (wire: Uint8Array) => {
      const out = (await run(path.incoming(encodedFrame(wire)))) as { data: ArrayBuffer } | null;
      return out ? new Uint8Array(out.data).slice() : null;
    },
  };
}

describe('FramePath', () => {
  it('drops every frame while the session is not ready, and passes every frame with E2EE off', async () => {
    const alice = side();
    alice.setActive('drop');
    expect(await alice.send()).toBeNull();
    expect(await alice.receive(MEDIA)).toBeNull();
    alice.setActive('pass');
    expect(await alice.send()).toEqual(MEDIA);
    expect(await alice.receive(MEDIA)).toEqual(MEDIA);
    expect(alice.reporter.frameCounters()).toMatchObject({ plaintext: 2, dropped: 2, drops: { 'not-ready': 2 } });
  });

  it('encrypts under the current pair and decrypts on the other side; the Opus TOC byte stays in clear', async () => {
    const { alice: aliceKeys, bob: bobKeys } = await pairKeys();
    const [alice, bob] = [side(aliceKeys), side(bobKeys)];
    const wire = (await alice.send())!;
    expect(wire[0]).toBe(MEDIA[0]);
    expect(contains(wire, MEDIA.subarray(1))).toBe(false);
    expect(parseCallSealFrame(wire, 1)).toMatchObject({ hasMedia: true });
    expect(await bob.receive(wire)).toEqual(MEDIA);
    expect(bob.session.seen.decryptedPairs).toEqual([1]);
    // A replay: a media-only frame is CallSeal's only if it decrypts (§2), so it is plain media to the session,
    // refused — and counted as what it most likely is, a replay (§7.4), not as plain media refused.
    expect(await bob.receive(wire)).toBeNull();
    expect(bob.session.seen.plain).toBe(1);
    expect(alice.reporter.frameCounters().encrypted).toBe(1);
    expect(bob.reporter.frameCounters()).toMatchObject({ decrypted: 1, dropped: 1, drops: { replay: 1 } });
  });

  it('counts marked media-only frames that do not decrypt by why (no key, tampered), still as plain evidence', async () => {
    const { alice: aliceKeys, bob: bobKeys } = await pairKeys();
    const [alice, bob, carol] = [side(aliceKeys), side(bobKeys), side()];
    // Carol holds no key at all: Alice's media is under a KID she does not know.
    const wire = (await alice.send())!;
    expect(await carol.receive(wire)).toBeNull();
    expect(carol.session.seen.plain).toBe(1);
    expect(carol.reporter.frameCounters().drops).toEqual({ 'no-key': 1 });
    // Media of Bob's own pair with one ciphertext byte flipped: authentication fails.
    const tampered = (await alice.send())!;
    tampered[3]! ^= 0x01;
    expect(await bob.receive(tampered)).toBeNull();
    expect(bob.session.seen.plain).toBe(1);
    expect(bob.reporter.frameCounters().drops).toEqual({ 'auth-failed': 1 });
    // Where the call fell back, the same frame passes as plain media (§6.4).
    carol.session.mode = 'plain';
    expect(await carol.receive(wire)).toEqual(wire);
  });

  it('sends a handshake-only frame, or nothing, while negotiating; never the media', async () => {
    const alice = side();
    alice.session.mode = 'handshake';
    expect(await alice.send()).toBeNull(); // nothing to say: held back
    alice.session.packet = Uint8Array.of(1, 2, 3, 4);
    const wire = (await alice.send())!;
    expect(contains(wire, MEDIA.subarray(1))).toBe(false);
    expect(parseCallSealFrame(wire, 1)).toMatchObject({ hasMedia: false });
    const bob = side();
    expect(await bob.receive(wire)).toBeNull(); // handshake-only: never to the decoder
    expect(bob.session.seen).toMatchObject({ callSeal: 1, packets: 1 });
    expect(alice.reporter.frameCounters().drops).toEqual({ 'held-back': 1 });
  });

  it('does not send media of a sender without an index in an encrypted call, and says so', async () => {
    const { alice: keys } = await pairKeys();
    const alice = side(keys);
    expect(await alice.send(MEDIA, 'none')).toBeNull();
    expect(alice.reporter.frameCounters().drops).toEqual({ 'no-key': 1 });
  });

  it('takes a plain peer frame as evidence: refused unless the call fell back, where it passes and probes go out', async () => {
    const alice = side();
    expect(await alice.receive(MEDIA)).toBeNull();
    expect(alice.session.seen.plain).toBe(1);
    alice.session.mode = 'plain';
    expect(await alice.receive(MEDIA)).toEqual(MEDIA);
    expect(await alice.send()).toEqual(MEDIA);
    alice.session.probe = Uint8Array.of(9, 9, 9);
    const probe = (await alice.send())!;
    expect(probe).not.toEqual(MEDIA);
    expect(contains(probe, MEDIA.subarray(1))).toBe(false);
    expect(alice.reporter.frameCounters().drops).toEqual({ 'plain-refused': 1 });
  });

  it('counts a failed frame by the reason its error code gives', () => {
    const alice = side();
    alice.path.failed(new SFrameError('authentication-failed', 'x'));
    alice.path.failed(new SFrameError('unknown-kid', 'x'));
    alice.path.failed(new SFrameError('truncated-header', 'x'));
    alice.path.failed(new E2eeError('malformed-frame', 'x'));
    alice.path.failed(new Error('other'));
    alice.path.failed();
    expect(alice.reporter.frameCounters().drops).toEqual({
      'auth-failed': 1,
      'no-key': 1,
      malformed: 2,
      internal: 1,
      'not-ready': 1,
    });
  });
});
