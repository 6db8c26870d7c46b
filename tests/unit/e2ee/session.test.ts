import { describe, expect, it } from 'vitest';
import { decodeHello, encodeHello, encodeHelloBody, helloDigest } from '../../../src/e2ee/hello';
import type { EpochSecrets } from '../../../src/e2ee/key-schedule';
import { generateEphemeral, kidFor, senderBaseKey } from '../../../src/e2ee/key-schedule';
import { CallSession, HELLO_ACK_LINGER_MS, HELLO_KEEPALIVE_MS } from '../../../src/e2ee/session';
import type { SessionOptions, SessionStatus } from '../../../src/e2ee/session';
import { FakeClock, expectE2eeRejection, flipBit, makeIdentity, makeParty } from './helpers';
import type { TestIdentity } from './helpers';

interface Harness {
  session: CallSession;
  identity: TestIdentity;
  statuses: SessionStatus[];
  epochs: { secrets: EpochSecrets; n: number }[];
  signCalls: number;
}

async function harness(clock: FakeClock, options: Partial<SessionOptions> = {}, identity?: TestIdentity): Promise<Harness> {
  const id = identity ?? (await makeIdentity());
  const h: Partial<Harness> & Pick<Harness, 'statuses' | 'epochs' | 'signCalls'> = { statuses: [], epochs: [], signCalls: 0 };
  h.identity = id;
  h.session = await CallSession.create({
    identityPublicKey: id.publicKey,
    signHello: (body) => {
      h.signCalls++;
      return id.signHello(body);
    },
    now: clock.now,
    fallbackAfterMs: 4000,
    allowPlaintextFallback: true,
    onStatus: (s) => h.statuses.push(s),
    onEpoch: (secrets, n) => h.epochs.push({ secrets, n }),
    ...options,
  });
  return h as Harness;
}

/** Moves the next outgoing hello of `from` (if any) to `to`. Returns whether one was sent. */
async function deliver(from: CallSession, to: CallSession): Promise<boolean> {
  const hello = from.outgoingHello();
  if (hello === null) return false;
  await to.receivePeerHello(hello);
  return true;
}

/** Both sides exchange hellos until they are encrypted and acked. */
async function handshake(clock: FakeClock, a: CallSession, b: CallSession): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await deliver(a, b);
    await deliver(b, a);
    clock.advance(20);
  }
}

describe('CallSession negotiation', () => {
  it('goes negotiating → encrypted on both sides with matching keys and codes', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const b = await harness(clock);
    expect(a.session.status()).toMatchObject({ state: 'negotiating', epoch: 0, hellosSent: 0 });
    expect(a.statuses.at(-1)?.state).toBe('negotiating');

    expect(await deliver(a.session, b.session)).toBe(true);
    expect(b.session.status()).toMatchObject({ state: 'encrypted', epoch: 1, hellosReceived: 1, hellosRejected: 0 });
    expect(await deliver(b.session, a.session)).toBe(true);
    const sa = a.session.status();
    const sb = b.session.status();
    expect(sa.state).toBe('encrypted');
    expect(sa.securityCode).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    expect(sa.securityCode).toBe(sb.securityCode);
    expect(sa.peerIdentityFingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){7}$/);
    expect(sa.peerIdentityFingerprint).not.toBe(sb.peerIdentityFingerprint);
    expect(a.statuses.at(-1)).toEqual(sa);

    expect(a.epochs.map((e) => e.n)).toEqual([1]);
    expect(b.epochs.map((e) => e.n)).toEqual([1]);
    const ea = a.epochs[0]!.secrets;
    const eb = b.epochs[0]!.secrets;
    const kid = kidFor(ea.transcriptHash, 2);
    expect(await senderBaseKey(ea.sendSecret, kid)).toEqual(await senderBaseKey(eb.receiveSecret, kid));
    expect(await senderBaseKey(eb.sendSecret, kid)).toEqual(await senderBaseKey(ea.receiveSecret, kid));
    expect(a.signCalls).toBe(1);
  });

  it('acks the peer hello and stops attaching hellos after mutual ack', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const b = await harness(clock);
    const first = a.session.outgoingHello()!;
    expect(decodeHello(first).ack).toEqual(new Uint8Array(32));
    await b.session.receivePeerHello(first);
    const reply = decodeHello(b.session.outgoingHello()!);
    expect(reply.ack).toEqual(await helloDigest(decodeHello(first).body, decodeHello(first).signature));
    await a.session.receivePeerHello(encodeHello(reply.body, reply.signature, reply.ack));
    await deliver(a.session, b.session); // carries A's ack of B
    expect(a.session.outgoingHello()).not.toBeNull(); // still lingering so B sees the ack
    clock.advance(HELLO_ACK_LINGER_MS + 1);
    expect(a.session.outgoingHello()).toBeNull();
    expect(b.session.outgoingHello()).toBeNull();
    clock.advance(HELLO_KEEPALIVE_MS);
    expect(a.session.outgoingHello()).not.toBeNull(); // an occasional keepalive
    expect(a.session.outgoingHello()).toBeNull();
    expect(a.signCalls).toBe(1); // ack changes never re-sign
    expect(b.signCalls).toBe(1);
  });

  it('does not keep both sides sending forever (no ping-pong)', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const b = await harness(clock);
    let late = 0;
    for (let t = 0; t < 10_000; t += 20) {
      const sentA = await deliver(a.session, b.session);
      const sentB = await deliver(b.session, a.session);
      if (t >= 4000) late += Number(sentA) + Number(sentB);
      clock.advance(20);
    }
    expect(a.session.status().state).toBe('encrypted');
    expect(a.session.status().epoch).toBe(1);
    // 6 s of steady state: keepalives only (one per side every 2 s).
    expect(late).toBeLessThanOrEqual(8);
  });

  it('keeps sending until the ack gets through when acks are lost', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const b = await harness(clock);
    await deliver(a.session, b.session);
    await deliver(b.session, a.session);
    // Every hello from A is lost for 3 s: B never learns A has its hello.
    for (let t = 0; t < 3000; t += 20) {
      a.session.outgoingHello();
      await deliver(b.session, a.session);
      clock.advance(20);
    }
    expect(b.session.outgoingHello()).not.toBeNull(); // B is still asking
    for (let t = 0; t < 3000; t += 20) {
      await deliver(a.session, b.session);
      await deliver(b.session, a.session);
      clock.advance(20);
    }
    clock.advance(HELLO_ACK_LINGER_MS + 1);
    expect(b.session.outgoingHello()).toBeNull();
  });

  it('ignores a replayed hello of a superseded peer session, and a new session makes epoch 2', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const bIdentity = await makeIdentity();
    const b1 = await harness(clock, {}, bIdentity);
    const oldHello = b1.session.outgoingHello()!;
    await a.session.receivePeerHello(oldHello);
    const code1 = a.session.status().securityCode;
    expect(a.session.status()).toMatchObject({ state: 'encrypted', epoch: 1 });

    // Same session again, other ack: bookkeeping only.
    const same = decodeHello(oldHello);
    await a.session.receivePeerHello(encodeHello(same.body, same.signature, new Uint8Array(32).fill(9)));
    expect(a.session.status()).toMatchObject({ epoch: 1, hellosRejected: 0 });

    const b2 = await harness(clock, {}, bIdentity); // B reloads the page: new session
    await a.session.receivePeerHello(b2.session.outgoingHello()!);
    const s2 = a.session.status();
    expect(s2).toMatchObject({ state: 'encrypted', epoch: 2, hellosRejected: 0 });
    expect(s2.securityCode).not.toBe(code1);
    expect(a.epochs.map((e) => e.n)).toEqual([1, 2]);

    const b3 = await harness(clock, {}, bIdentity); // and reloads again
    await a.session.receivePeerHello(b3.session.outgoingHello()!);
    const s3 = a.session.status();
    expect(s3).toMatchObject({ state: 'encrypted', epoch: 3, hellosRejected: 0 });

    // The first session is two sessions old: replaying it changes nothing.
    await a.session.receivePeerHello(oldHello);
    expect(a.session.status()).toMatchObject({ epoch: 3, hellosRejected: 1, lastRejection: 'replayed-hello' });
    expect(a.session.status().securityCode).toBe(s3.securityCode);
    expect(a.epochs).toHaveLength(3);
  });

  it('lets the displaced peer session back once, so an injected stale hello cannot stall the call', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const bIdentity = await makeIdentity();
    const stale = await harness(clock, {}, bIdentity); // B's hello recorded from an earlier call
    const staleHello = stale.session.outgoingHello()!;
    const b = await harness(clock, {}, bIdentity);
    const realHello = b.session.outgoingHello()!;

    await a.session.receivePeerHello(realHello);
    const realCode = a.session.status().securityCode;
    await a.session.receivePeerHello(staleHello); // injected by the infrastructure: a new epoch, a new code
    expect(a.session.status()).toMatchObject({ epoch: 2 });
    expect(a.session.status().securityCode).not.toBe(realCode);

    await a.session.receivePeerHello(realHello); // B's next keepalive restores the real session's keys
    expect(a.session.status()).toMatchObject({ state: 'encrypted', epoch: 3, hellosRejected: 0 });
    expect(a.session.status().securityCode).toBe(realCode);
  });

  it('processes concurrent copies of one hello into a single epoch', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const b = await harness(clock);
    const hello = b.session.outgoingHello()!;
    await Promise.all([1, 2, 3, 4].map(() => a.session.receivePeerHello(hello)));
    expect(a.session.status()).toMatchObject({ epoch: 1, hellosReceived: 4, hellosRejected: 0 });
  });

  it('accepts the same identity from another page session (two tabs, one profile)', async () => {
    const clock = new FakeClock();
    const identity = await makeIdentity();
    const a = await harness(clock, {}, identity);
    const b = await harness(clock, {}, identity);
    await deliver(b.session, a.session);
    expect(a.session.status().state).toBe('encrypted');
  });
});

describe('CallSession rejections', () => {
  it('rejects a reflected hello of our own', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    await a.session.receivePeerHello(a.session.outgoingHello()!);
    expect(a.session.status()).toMatchObject({ state: 'negotiating', epoch: 0, hellosRejected: 1, lastRejection: 'reflected-hello' });
  });

  it('rejects forged, malformed and foreign hellos without throwing or changing state', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const b = await harness(clock);
    const good = b.session.outgoingHello()!;
    const cases: [unknown, string][] = [
      [flipBit(good, 83 * 8 + 5), 'bad-signature'], // signature bit
      [flipBit(good, 30 * 8), 'bad-signature'], // ephemeral key bit
      [good.subarray(0, 178), 'malformed-hello'],
      [new Uint8Array([...good, 0]), 'malformed-hello'],
      [Uint8Array.of(2, ...good.subarray(1)), 'unsupported-version'],
      [new Uint8Array(0), 'malformed-hello'],
      ['not bytes', 'invalid-argument'],
      [null, 'invalid-argument'],
    ];
    for (const [bytes, code] of cases) {
      await a.session.receivePeerHello(bytes as Uint8Array);
      expect(a.session.status().lastRejection).toBe(code);
    }
    // A validly signed hello for another suite.
    const other = await harness(clock, { suite: 5 });
    await a.session.receivePeerHello(other.session.outgoingHello()!);
    expect(a.session.status().lastRejection).toBe('unsupported-suite');
    // A validly signed hello with a low-order ephemeral key.
    const mallory = await makeParty();
    const body = encodeHelloBody({
      sessionId: new Uint8Array(16).fill(3),
      ephemeralPublicKey: new Uint8Array(32),
      identityPublicKey: mallory.identity.publicKey,
    });
    await a.session.receivePeerHello(encodeHello(body, await mallory.identity.signHello(body), new Uint8Array(32)));
    expect(a.session.status().lastRejection).toBe('weak-key');

    expect(a.session.status()).toMatchObject({ state: 'negotiating', epoch: 0, hellosReceived: 10, hellosRejected: 10 });
    expect(a.epochs).toHaveLength(0);
    await a.session.receivePeerHello(good); // the genuine one still works afterwards
    expect(a.session.status()).toMatchObject({ state: 'encrypted', epoch: 1 });
  });

  it('rejects a second, different hello claiming the current peer session', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const b = await harness(clock);
    const genuine = decodeHello(b.session.outgoingHello()!);
    await a.session.receivePeerHello(encodeHello(genuine.body, genuine.signature, new Uint8Array(32)));
    const mallory = await makeIdentity();
    const body = encodeHelloBody({
      sessionId: genuine.sessionId,
      ephemeralPublicKey: (await generateEphemeral()).publicKey,
      identityPublicKey: mallory.publicKey,
    });
    await a.session.receivePeerHello(encodeHello(body, await mallory.signHello(body), new Uint8Array(32)));
    expect(a.session.status()).toMatchObject({ epoch: 1, hellosRejected: 1, lastRejection: 'replayed-hello' });
  });

  it("goes to 'error' (without throwing) when installing keys fails", async () => {
    const clock = new FakeClock();
    const a = await harness(clock, {
      onEpoch: () => {
        throw new Error('install failed');
      },
    });
    const b = await harness(clock);
    await deliver(b.session, a.session);
    expect(a.session.status()).toMatchObject({ state: 'error', reason: 'epoch-install-failed' });
  });
});

describe('CallSession plaintext fallback', () => {
  it("falls back to 'unencrypted' after plain peer media and no hello for fallbackAfterMs", async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    a.session.notePlainPeerMedia();
    clock.advance(3999);
    a.session.notePlainPeerMedia();
    a.session.tick();
    expect(a.session.status().state).toBe('negotiating');
    clock.advance(1);
    a.session.tick();
    expect(a.session.status()).toMatchObject({ state: 'unencrypted', reason: 'peer-media-without-callseal' });
    expect(a.statuses.at(-1)?.state).toBe('unencrypted');
  });

  it("goes 'blocked' instead when plaintext fallback is not allowed", async () => {
    const clock = new FakeClock();
    const a = await harness(clock, { allowPlaintextFallback: false });
    a.session.notePlainPeerMedia();
    clock.advance(4000);
    a.session.notePlainPeerMedia(); // checked here too, without a tick
    expect(a.session.status().state).toBe('blocked');
  });

  it('stays negotiating forever without plain peer media (alone in the room)', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    for (let i = 0; i < 100; i++) {
      clock.advance(60_000);
      a.session.tick();
      expect(a.session.outgoingHello()).not.toBeNull(); // keeps offering, never sends in clear
    }
    expect(a.session.status().state).toBe('negotiating');
  });

  it('does not fall back when a valid hello arrives in time', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const b = await harness(clock);
    a.session.notePlainPeerMedia();
    clock.advance(2000);
    await deliver(b.session, a.session);
    clock.advance(10_000);
    a.session.tick();
    expect(a.session.status().state).toBe('encrypted');
  });

  it("upgrades to 'encrypted' on a late hello, from unencrypted and from blocked", async () => {
    for (const allowPlaintextFallback of [true, false]) {
      const clock = new FakeClock();
      const a = await harness(clock, { allowPlaintextFallback });
      const b = await harness(clock);
      a.session.notePlainPeerMedia();
      clock.advance(5000);
      a.session.tick();
      expect(a.session.status().state).toBe(allowPlaintextFallback ? 'unencrypted' : 'blocked');
      await deliver(b.session, a.session);
      expect(a.session.status()).toMatchObject({ state: 'encrypted', epoch: 1 });
      expect(a.session.status().reason).toBeUndefined();
    }
  });

  it('is not downgraded by plain peer media once encrypted', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    const b = await harness(clock);
    await handshake(clock, a.session, b.session);
    for (let i = 0; i < 10; i++) {
      a.session.notePlainPeerMedia();
      clock.advance(1000);
      a.session.tick();
    }
    expect(a.session.status().state).toBe('encrypted');
  });
});

describe('CallSession options', () => {
  it('rate-limits attached hellos when asked', async () => {
    const clock = new FakeClock();
    const a = await harness(clock, { minHelloIntervalMs: 100 });
    expect(a.session.outgoingHello()).not.toBeNull();
    clock.advance(99);
    expect(a.session.outgoingHello()).toBeNull();
    clock.advance(1);
    expect(a.session.outgoingHello()).not.toBeNull();
    expect(a.session.status().hellosSent).toBe(2);
  });

  it('sends a hello on every frame while negotiating by default', async () => {
    const clock = new FakeClock();
    const a = await harness(clock);
    for (let i = 0; i < 5; i++) expect(a.session.outgoingHello()).not.toBeNull();
    expect(a.session.status().hellosSent).toBe(5);
  });

  it('reports signer failures and bad options as named errors', async () => {
    const clock = new FakeClock();
    const me = await makeIdentity();
    const other = await makeIdentity();
    await expectE2eeRejection(
      () =>
        harness(clock, {
          signHello: () => Promise.reject(new Error('background unreachable')),
        }),
      'sign-failed',
    );
    await expectE2eeRejection(() => harness(clock, { signHello: async () => new Uint8Array(64) }, me), 'bad-signature');
    await expectE2eeRejection(() => harness(clock, { signHello: async () => new Uint8Array(10) }, me), 'bad-signature');
    // The background signs with a different key than the identity we announce.
    await expectE2eeRejection(
      () => harness(clock, { signHello: (body) => other.signRaw(new Uint8Array([...new TextEncoder().encode('CallSeal-v1 hello signature\0'), ...body])) }, me),
      'bad-signature',
    );
    await expectE2eeRejection(() => harness(clock, { fallbackAfterMs: -1 }), 'invalid-argument');
    await expectE2eeRejection(() => harness(clock, { identityPublicKey: new Uint8Array(31) }), 'invalid-argument');
    await expectE2eeRejection(() => harness(clock, { now: 5 as never }), 'invalid-argument');
    await expectE2eeRejection(() => harness(clock, { suite: 42 }), 'unsupported-suite');
    await expectE2eeRejection(() => CallSession.create(null as never), 'invalid-argument');
  });
});
