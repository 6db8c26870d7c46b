/** The session's state machine (protocol.md §6.1–§6.3), two real sessions whose packets the test carries. */
import { describe, expect, it } from 'vitest';
import { decodeHandshakePacket, encodeHandshakePacket } from '../../../src/e2ee/handshake-packet';
import { kidFor, senderBaseKey } from '../../../src/e2ee/key-schedule';
import { CallSession, PREVIOUS_PAIR_GRACE_MS } from '../../../src/e2ee/session';
import { FakeClock, expectE2eeError, makeIdentity } from './helpers';
import { deliver, handshake, harness, kinds, settle } from './session-helpers';

const CODE = /^\d{5} \d{5} \d{5} \d{5}$/;

describe('CallSession: one pair', () => {
  it('goes negotiating → encrypted on both sides, with one signature each and matching keys and codes', async () => {
    const clock = new FakeClock();
    const [a, b] = await Promise.all([harness(clock), harness(clock)]);
    expect(a.session.status()).toEqual({ state: 'negotiating', epoch: 0 });
    await handshake(clock, a, b);
    const [sa, sb] = [a.session.status(), b.session.status()];
    expect(sa).toMatchObject({ state: 'encrypted', epoch: 1 });
    expect(sa.securityCode).toMatch(CODE);
    expect(sa.securityCode).toBe(sb.securityCode);
    expect(sa.peerIdentityPublicKey).toEqual(b.identity.publicKey);
    expect(sb.peerIdentityPublicKey).toEqual(a.identity.publicKey);
    // The background was asked exactly once, for th || our pid (§4.3).
    expect(a.signInputs).toHaveLength(1);
    expect(a.signInputs[0]!.subarray(32)).toEqual(a.session.pid);
    expect(a.signInputs[0]!.subarray(0, 32)).toEqual(b.signInputs[0]!.subarray(0, 32));
    const [ka, kb] = [a.confirmed[0]!, b.confirmed[0]!];
    expect(ka.kidTag).toBe(kb.kidTag);
    const kid = kidFor(5);
    expect(await senderBaseKey(ka.sendSecret, kid)).toEqual(await senderBaseKey(kb.receiveSecret, kid));
  });

  it('sends COMMIT until the peer reveals, REVEAL until it confirms, CONFIRM until its media decrypts', async () => {
    const clock = new FakeClock();
    const [a, b] = await Promise.all([harness(clock), harness(clock)]);
    expect(kinds(a.session.outgoingPacket())).toEqual([]); // alone: an announce, in every frame
    expect(kinds(a.session.outgoingPacket())).toEqual([]);
    await deliver(a, b); // B learns A: its pair makes a COMMIT
    expect(kinds(await deliver(b, a))).toEqual(['commit']);
    expect(kinds(await deliver(a, b))).toEqual(['commit', 'reveal']); // A holds B's COMMIT: may reveal
    expect(kinds(await deliver(b, a))).toEqual(['reveal', 'confirm']); // B derived keys and signed
    expect(kinds(await deliver(a, b))).toEqual(['confirm']); // A has B's CONFIRM: A is confirmed
    expect(a.session.status().state).toBe('encrypted');
    expect(kinds(await deliver(b, a))).toEqual(['confirm']); // B is confirmed too; its CONFIRM in every packet for 250 ms
    expect(b.session.status().state).toBe('encrypted');
    expect(kinds(a.session.outgoingPacket())).toEqual(['confirm']); // A's too, for 250 ms after its first
    clock.advance(250);
    // A confirmed side with nothing due only announces itself, once a second (§6.1, §6.6)…
    expect(kinds(a.session.outgoingPacket())).toEqual([]);
    expect(a.session.outgoingPacket()).toBeNull();
    clock.advance(250);
    expect(kinds(a.session.outgoingPacket())).toEqual(['confirm']); // …and its CONFIRM at most twice a second, until…
    a.session.noteMediaDecrypted(a.confirmed[0]!.id); // …a frame of B decrypts under the pair
    clock.advance(749);
    expect(a.session.outgoingPacket()).toBeNull();
    clock.advance(1);
    expect(kinds(a.session.outgoingPacket())).toEqual([]); // the announce, a second after the last
  });

  it("is not encrypted before the peer's CONFIRM verified, nor before its own CONFIRM is made", async () => {
    const clock = new FakeClock();
    let release: (() => void) | undefined;
    const a = await harness(clock);
    const slow = await makeIdentity();
    const b = await harness(
      clock,
      { sign: (input) => new Promise((resolve) => (release = () => void slow.sign(input).then(resolve))) },
      slow,
    );
    for (let i = 0; i < 10; i++) {
      const fromB = b.session.outgoingPacket();
      await a.session.receivePacket(fromB!);
      const fromA = a.session.outgoingPacket();
      // Everything from A reaches B except A's CONFIRM.
      if (fromA) {
        const packet = decodeHandshakePacket(fromA);
        const records = packet.records.filter((r) => r.kind !== 'confirm');
        await b.session.receivePacket(encodeHandshakePacket({ from: packet.from, records }));
      }
      await a.session.settled(); // (B's signature is held back: B never settles here)
    }
    expect(a.session.status().state).toBe('negotiating'); // B has not signed yet: no CONFIRM from B
    expect(b.session.status().state).toBe('negotiating'); // B never got A's CONFIRM
    release?.();
    await settle(b);
    await deliver(b, a);
    expect(a.session.status().state).toBe('encrypted');
    expect(b.session.status().state).toBe('negotiating'); // still nothing verified from A
    clock.advance(500); // A verified B's CONFIRM: its own now repeats twice a second
    await deliver(a, b);
    expect(b.session.status().state).toBe('encrypted');
  });
});

describe('CallSession: epochs (§6.2, §6.3)', () => {
  it('moves smoothly to a new pair of the same identity, and retires the old one after 10 s', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const bob = await makeIdentity();
    const b1 = await harness(clock, {}, bob);
    await handshake(clock, a, b1);
    const first = a.session.status();
    const b2 = await harness(clock, {}, bob); // Bob reloads
    await handshake(clock, a, b2);
    const second = a.session.status();
    expect(second).toMatchObject({ state: 'encrypted', epoch: 2 });
    expect(second.securityCode).not.toBe(first.securityCode);
    expect(a.confirmed.map((k) => k.id)).toHaveLength(2);
    expect(a.retired).toEqual([]);
    clock.advance(PREVIOUS_PAIR_GRACE_MS);
    a.session.tick();
    expect(a.retired).toEqual([a.confirmed[0]!.id]);
    // The retired pid never comes back: B1's packets start nothing.
    await deliver(b1, a);
    expect(a.session.stats().lastRejection).toBe('retired-pid');
    expect(a.session.status()).toEqual(second);
  });

  it('takes a replay of the previous pid of the same identity for nothing: no group call, no going back to it', async () => {
    // A network that recorded Bob's packets before he reloaded plays them back (issue 8 item 7, §6.6, §8.5).
    const clock = new FakeClock();
    const a = await harness(clock);
    const bob = await makeIdentity();
    const b1 = await harness(clock, {}, bob);
    await handshake(clock, a, b1);
    const oldAnnounce = encodeHandshakePacket({ from: b1.session.pid, records: [] });
    const b2 = await harness(clock, {}, bob); // Bob reloads
    await handshake(clock, a, b2);
    const second = a.session.status();
    expect(second).toMatchObject({ state: 'encrypted', epoch: 2 });
    const newAnnounce = encodeHandshakePacket({ from: b2.session.pid, records: [] });
    // Both pids heard every second for 12 s: the old one is a recording, not a second participant.
    for (let s = 0; s < 12; s++) {
      clock.advance(1000);
      await a.session.receivePacket(oldAnnounce);
      await a.session.receivePacket(newAnnounce);
      a.session.tick();
      expect(a.session.status()).toEqual(second);
    }
    expect(a.retired).toEqual([a.confirmed[0]!.id]); // retired on time, replays or not
    // Only the recording now, the new pid silent: the session never goes back to the old pair.
    for (let s = 0; s < 12; s++) {
      clock.advance(1000);
      await a.session.receivePacket(oldAnnounce);
      a.session.tick();
      expect(a.session.status()).toEqual(second);
    }
    expect(a.confirmed).toHaveLength(2);
  });

  it('shows identity-changed for another identity, for the rest of the call, and not after it ended', async () => {
    const clock = new FakeClock();
    const [a, b] = await Promise.all([harness(clock), harness(clock)]);
    await handshake(clock, a, b);
    const mallory = await makeIdentity();
    const m1 = await harness(clock, {}, mallory);
    await handshake(clock, a, m1);
    // Within a second (§6.6: B could have been heard again, making it a group call) the new identity shows.
    expect(a.session.status()).toMatchObject({ state: 'negotiating', epoch: 2 });
    clock.advance(1000);
    expect(a.session.status()).toMatchObject({ state: 'identity-changed', epoch: 2 });
    expect(a.session.status().peerIdentityPublicKey).toEqual(mallory.publicKey);
    const m2 = await harness(clock, {}, mallory); // re-keying under the new identity does not clear it
    await handshake(clock, a, m2);
    expect(a.session.status()).toMatchObject({ state: 'identity-changed', epoch: 3 });
    a.session.noteCallEnded(); // the call ends: a call that resumes under this pair is simply encrypted
    expect(a.session.status()).toMatchObject({ state: 'encrypted', epoch: 3 });
  });

  it('shows a takeover as identity-changed while the old peer\'s media still decrypts (the relay forwards it)', async () => {
    const clock = new FakeClock();
    const [a, b] = await Promise.all([harness(clock), harness(clock)]);
    await handshake(clock, a, b);
    const oldPair = a.confirmed[0]!.id;
    const m = await harness(clock, {}, await makeIdentity());
    await handshake(clock, a, m); // every packet A gets from now on is the relay's…
    for (let t = 0; t < 6000; t += 100) {
      a.session.noteMediaDecrypted(oldPair); // …while B's media, under the old pair, still reaches A
      clock.advance(100);
      a.session.tick();
    }
    expect(a.session.status()).toMatchObject({ state: 'identity-changed', epoch: 2 });
    expect(a.session.status().detail).toBeUndefined(); // not a group call
  });

  it('never takes its own identity for a peer, and ignores its own packets reflected', async () => {
    const clock = new FakeClock();
    const me = await makeIdentity();
    const [a, a2] = await Promise.all([harness(clock, {}, me), harness(clock, {}, me)]);
    await handshake(clock, a, a2);
    expect(a.session.status().state).toBe('negotiating');
    expect(a.session.stats().rejections['own-identity']).toBeGreaterThan(0);
    await a.session.receivePacket(a.session.outgoingPacket()!);
    expect(a.session.stats().lastRejection).toBe('reflected');
  });
});

describe('CallSession: robustness', () => {
  it('counts garbage and never throws, and the genuine peer still gets through afterwards', async () => {
    const clock = new FakeClock();
    const [a, b] = await Promise.all([harness(clock), harness(clock)]);
    for (const junk of [new Uint8Array(0), Uint8Array.of(3, 1), Uint8Array.of(4, ...new Uint8Array(8)), 'x', null]) {
      await a.session.receivePacket(junk as Uint8Array);
    }
    expect(a.session.stats().rejections).toMatchObject({ 'malformed-packet': 2, 'unsupported-version': 1, 'invalid-argument': 2 });
    await handshake(clock, a, b);
    expect(a.session.status().state).toBe('encrypted');
  });

  it('reports sign-failed and asks again after 3 s; a signature by another key counts as a failure', async () => {
    const clock = new FakeClock();
    const other = await makeIdentity();
    let calls = 0;
    const a = await harness(clock, {
      sign: (input) => (++calls === 1 ? Promise.reject(new Error('refused')) : calls === 2 ? other.sign(input) : a.identity.sign(input)),
    });
    const b = await harness(clock);
    await handshake(clock, a, b, 6);
    expect(a.session.status()).toEqual({ state: 'negotiating', epoch: 0, detail: 'sign-failed' });
    clock.advance(3000);
    a.session.tick();
    await handshake(clock, a, b, 4);
    expect(calls).toBe(2);
    expect(a.session.status().detail).toBe('sign-failed');
    clock.advance(3000);
    a.session.tick();
    await handshake(clock, a, b, 4);
    expect(a.session.status()).toMatchObject({ state: 'encrypted', epoch: 1 });
  });

  it("goes to 'error' (keys-failed) when the keys cannot be installed", async () => {
    const clock = new FakeClock();
    const a = await harness(clock, {
      onPairConfirmed: () => {
        throw new Error('install failed');
      },
    });
    const b = await harness(clock);
    await handshake(clock, a, b);
    expect(a.session.status()).toEqual({ state: 'error', epoch: 0, detail: 'keys-failed' });
  });

  it('validates its options', async () => {
    const identity = await makeIdentity();
    const base = {
      identityPublicKey: identity.publicKey,
      sign: identity.sign,
      now: () => 0,
      fallbackAfterMs: 4000,
      allowPlaintextFallback: true,
      onPairConfirmed: () => undefined,
      onPairRetired: () => undefined,
      onChange: () => undefined,
    };
    expectE2eeError(() => new CallSession(null as never), 'invalid-argument');
    expectE2eeError(() => new CallSession({ ...base, identityPublicKey: new Uint8Array(31) }), 'invalid-argument');
    expectE2eeError(() => new CallSession({ ...base, now: 5 as never }), 'invalid-argument');
    expectE2eeError(() => new CallSession({ ...base, fallbackAfterMs: -1 }), 'invalid-argument');
    expectE2eeError(() => new CallSession({ ...base, allowPlaintextFallback: 'yes' as never }), 'invalid-argument');
    expectE2eeError(() => new CallSession({ ...base, suite: 5 }), 'unsupported-suite');
    expect(new CallSession(base).pid).toHaveLength(8);
  });
});
