/**
 * Two transform-worker controllers wired back to back, as two browsers in a call would be. What goes over the "wire"
 * is inspected: nothing in clear while negotiating, only ciphertext once encrypted, plaintext only after the
 * fallback. The controller's contract with the bridge (settings, signing, detached, reports) is checked too.
 */
import { describe, expect, it } from 'vitest';
import { parseCallSealFrame } from '../../../src/e2ee/frame-container';
import { decodeHandshakePacket } from '../../../src/e2ee/handshake-packet';
import { DETAIL_CODES } from '../../../src/shared/call-status';
import type { SessionReport } from '../../../src/shared/messages';
import { CallController } from '../../../src/worker/call-controller';
import { CallRegistry } from '../../../src/background/call-registry';
import {
  MEDIA,
  clock,
  contains,
  encodedFrame,
  exchange,
  party,
  settle,
  until,
  untilBothEncrypted,
  type Party,
} from './support/call-harness';

const SECRET = MEDIA.subarray(1); // everything after the Opus TOC byte
const settings = (enabled: boolean, allowPlaintextFallback = true) => ({ enabled, allowPlaintextFallback, fallbackAfterMs: 4000 });

/** Frames from `from` reach `to` as the given fake media (plain), whatever `from` sent. */
async function plainFrom(from: Party, to: Party): Promise<Uint8Array | null> {
  await from.send();
  return to.receive(MEDIA);
}

describe('CallController: frames', () => {
  it('sends only handshake-only frames while negotiating, then ciphertext that decrypts on the other side', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    const first = (await alice.send())!;
    expect(contains(first, SECRET)).toBe(false);
    expect(parseCallSealFrame(first, 1)).toMatchObject({ hasMedia: false });
    expect(await bob.receive(first)).toBeNull(); // handshake-only frames never reach the decoder

    await untilBothEncrypted(alice, bob);
    const wire = (await alice.send())!;
    expect(parseCallSealFrame(wire, 1)).toMatchObject({ hasMedia: true });
    expect(contains(wire, SECRET)).toBe(false);
    expect(await bob.receive(wire)).toEqual(MEDIA);
    expect(alice.code()).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    expect(alice.code()).toBe(bob.code());
    expect(alice.peerKey()).toBe(Buffer.from(bob.identity.publicKey).toString('base64'));
    // The background was asked to sign exactly th || pid (protocol.md §4.3).
    expect(alice.signInputs.map((input) => input.length)).toEqual([40]);
  });

  it('drops a replayed frame and a tampered one', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await untilBothEncrypted(alice, bob);
    const wire = (await alice.send())!;
    expect(await bob.receive(wire)).toEqual(MEDIA);
    expect(await bob.receive(wire)).toBeNull();
    const tampered = (await alice.send())!;
    tampered[3] = (tampered[3] ?? 0) ^ 0x40;
    expect(await bob.receive(tampered)).toBeNull();
  });

  it('passes everything unaltered with the switch off, and runs no session', async () => {
    const [alice, bob] = await Promise.all([party({ enabled: false }), party({ enabled: false })]);
    const wire = await alice.send();
    expect(wire).toEqual(MEDIA);
    expect(await bob.receive(wire!)).toEqual(MEDIA);
    expect(alice.state()).toBe('off');
    clock.advance(30_000);
    expect(alice.signRequests).toBe(0);
  });

  it('refuses plain media from a peer without CallSeal until the fallback, then passes it both ways', async () => {
    const alice = await party();
    const bob = await party({ enabled: false });
    expect(contains((await alice.send())!, SECRET)).toBe(false); // alone, nothing leaves in clear
    await until(() => alice.state() === 'unencrypted', async () => {
      expect(await plainFrom(bob, alice)).toBeNull();
      clock.advance(20);
    });
    expect(alice.detail()).toBe('no-key-exchange');
    expect(await plainFrom(bob, alice)).toEqual(MEDIA);
    let probes = 0;
    for (let i = 0; i < 100; i++) {
      const out = (await alice.send())!;
      if (out.length !== MEDIA.length) {
        probes++;
        // Opus code 3 with no frames: an Opus decoder without CallSeal takes the probe for a lost packet.
        expect([out[0]! & 0x03, out[1]]).toEqual([3, 0]);
        expect(await bob.receive(out)).not.toBeNull(); // bob has no CallSeal: it reaches his decoder
      } else expect(out).toEqual(MEDIA);
      clock.advance(20);
    }
    expect(probes).toBe(2); // 2 s: one probe a second
  });

  it('blocks instead when policy forbids the fallback: nothing in clear either way, and no probes needed', async () => {
    const alice = await party({ allowPlaintextFallback: false });
    const bob = await party({ enabled: false });
    await until(() => alice.state() === 'blocked', async () => {
      await plainFrom(bob, alice);
      clock.advance(20);
    });
    expect(await plainFrom(bob, alice)).toBeNull();
    const out = await alice.send();
    expect(out === null || !contains(out, SECRET)).toBe(true);
  });

  it('stays encrypted when the peer switches off mid-call, drops its plain media, and says so', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await untilBothEncrypted(alice, bob);
    bob.controller.handleBridgeMessage({ kind: 'settings', settings: settings(false), identityPublicKey: null });
    for (let i = 0; i < 150; i++) {
      const wire = await bob.send();
      expect(wire).toEqual(MEDIA);
      expect(await alice.receive(wire!)).toBeNull();
      expect(contains((await alice.send())!, SECRET)).toBe(false); // no downgrade of an encrypted call
      clock.advance(20);
    }
    expect(alice.state()).toBe('encrypted');
    expect(alice.detail()).toBe('peer-stopped-encrypting');
  });

  it('drops frames of an unsupported codec and names the codec', async () => {
    const alice = await party();
    const h264 = encodedFrame(MEDIA, 'video');
    (h264 as unknown as { getMetadata: () => object }).getMetadata = () => ({ mimeType: 'video/H264' });
    expect(await alice.controller.outgoing(h264, 0)).toBeNull();
    expect(alice.reports.at(-1)).toMatchObject({ detail: 'unsupported-codec', codec: 'H264' });
  });

  it('asks each video receiver for one key frame when a pair becomes current', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await untilBothEncrypted(alice, bob);
    expect(alice.keyFrameRequests).toBe(1);
  });
});

describe('CallController: settings, signing and reports', () => {
  it('drops every frame until the first settings arrive (E2EE may be on, even required)', async () => {
    const alice = await party({ noSettings: true });
    expect(await alice.send()).toBeNull();
    expect(await alice.receive(MEDIA)).toBeNull();
    clock.advance(10_000); // no timer ever releases plaintext
    expect(await alice.send()).toBeNull();
    alice.controller.handleBridgeMessage({ kind: 'settings', settings: settings(false), identityPublicKey: null });
    expect(await alice.send()).toEqual(MEDIA);
  });

  it('passes frames unaltered when the extension went away before any settings; after settings nothing changes', async () => {
    const early = await party({ noSettings: true });
    early.controller.handleBridgeMessage({ kind: 'detached' });
    expect(await early.send()).toEqual(MEDIA);
    const [alice, bob] = await Promise.all([party(), party()]);
    alice.controller.handleBridgeMessage({ kind: 'detached' }); // no signature can be had any more
    for (let i = 0; i < 100; i++) await exchange(alice, bob);
    expect(alice.state()).toBe('negotiating');
    expect(alice.detail()).toBe('sign-failed');
    expect(contains((await alice.send())!, SECRET)).toBe(false);
  });

  it('asks again when the background refused to sign, and then negotiates', async () => {
    const [alice, bob] = await Promise.all([party({ refuseFirstSignatures: 1 }), party()]);
    await until(() => alice.detail() === 'sign-failed', () => exchange(alice, bob));
    await until(() => alice.state() === 'encrypted' && bob.state() === 'encrypted', () => exchange(alice, bob, 100));
    expect(alice.signRequests).toBe(2);
  });

  it('reports per session: 32 hex digits, seq increasing, a heartbeat each second, codes only', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await untilBothEncrypted(alice, bob);
    const first = alice.reports[0]!;
    expect(first.session).toMatch(/^[0-9a-f]{32}$/);
    const seqs = alice.reports.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    const count = alice.reports.length;
    clock.advance(3000);
    expect(alice.reports.length).toBe(count + 3); // heartbeats
    for (const report of alice.reports) {
      if (report.detail !== undefined) expect(DETAIL_CODES).toContain(report.detail);
    }
    // A new identity, or E2EE switched off and on, is a new session; switching off keeps reporting the old one.
    const session = alice.reports.at(-1)!.session;
    const other = (await party()).identity;
    alice.controller.handleBridgeMessage({ kind: 'settings', settings: settings(true), identityPublicKey: other.publicKey });
    const second = alice.reports.at(-1)!.session;
    expect(second).not.toBe(session);
    alice.controller.handleBridgeMessage({ kind: 'settings', settings: settings(false), identityPublicKey: null });
    expect(alice.reports.at(-1)).toMatchObject({ session: second, state: 'off' });
    alice.controller.handleBridgeMessage({ kind: 'settings', settings: settings(true), identityPublicKey: other.publicKey });
    expect(alice.reports.at(-1)!.session).not.toBe(second);
  });

  it('reports no call once no frame has gone through for a while, and the same session resumes encrypted', async () => {
    const timing = { idleAfterMs: 500 };
    const [alice, bob] = await Promise.all([party({ timing }), party({ timing })]);
    await untilBothEncrypted(alice, bob);
    clock.advance(2000);
    expect(alice.state()).toBe('off');
    expect(alice.reports.at(-1)).not.toHaveProperty('securityCode');
    await exchange(alice, bob);
    expect(alice.state()).toBe('encrypted');
  });

  it('keeps the session’s epoch in its `off` reports, so the background believes every report of a call that ends and resumes', async () => {
    // Found in Chromium (tests/e2e/call/contacts.test.ts): the peer left, the page was silent for 5 s, and the
    // worker reported `off` with epoch 0 in the same session — an epoch going back, which the background takes for
    // an impossible report (protocol.md §7.4): the frame showed "something went wrong" until the page reloaded.
    const timing = { idleAfterMs: 500 };
    const [alice, bob] = await Promise.all([party({ timing }), party({ timing })]);
    await untilBothEncrypted(alice, bob);
    const epoch = alice.epoch();
    expect(epoch).toBeGreaterThanOrEqual(1);
    clock.advance(2000);
    expect(alice.state()).toBe('off');
    expect(alice.reports.at(-1)!.epoch).toBe(epoch);
    await exchange(alice, bob);
    expect(alice.state()).toBe('encrypted');

    const registry = new CallRegistry(() => Date.now());
    const verdicts = alice.reports.map((report) => registry.report(1, 0, report));
    expect(verdicts).not.toContain('rejected');
    const context = { enabled: true, failClosed: false, isVerifiedPeer: () => false };
    expect(registry.status(1, context)).toMatchObject({ state: 'encrypted' });
    for (let i = 1; i < alice.reports.length; i++) {
      if (alice.reports[i]!.session === alice.reports[i - 1]!.session) {
        expect(alice.reports[i]!.epoch).toBeGreaterThanOrEqual(alice.reports[i - 1]!.epoch);
      }
    }
  });

  it('posts nothing before a transform exists, and ignores messages that are not the bridge’s', async () => {
    const posted: unknown[] = [];
    const controller = new CallController((message) => posted.push(message));
    controller.handleBridgeMessage({ kind: 'settings', settings: settings(false), identityPublicKey: null });
    controller.handleBridgeMessage({ kind: 'bogus' } as never);
    controller.handleBridgeMessage(null as never);
    await settle();
    expect(posted).toEqual([]);
    controller.noteTransform();
    expect((posted.at(-1) as { report: SessionReport }).report.state).toBe('off');
    controller.dispose();
  });

  it('keeps handshake packets addressed: one pid per session, in every negotiating frame', async () => {
    const alice = await party();
    const pids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const parsed = parseCallSealFrame((await alice.send())!, 1)!;
      pids.add(Buffer.from(decodeHandshakePacket(parsed.handshake!).from).toString('hex'));
    }
    expect(pids.size).toBe(1);
  });
});
