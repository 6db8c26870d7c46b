/**
 * Sender indexes over a page's life (issue 8 item 4, protocol.md §5.3): hundreds of senders come and go
 * (renegotiation churn, screen shares, tracks added and removed) and none may be left without a key because earlier
 * ones used up the 256 indexes; an index is never held by two live senders; and an index taken again under the same
 * pair goes on with its counter, so the receiver accepts the new sender's frames (they are not replays) and no nonce
 * repeats.
 */
import { describe, expect, it } from 'vitest';
import { decodeHeader } from '../../../src/sframe/header';
import { IDLE_MS, SENDER_INDEXES, SenderIndexes } from '../../../src/worker/sender-indexes';
import type { EncodedFrame } from '../../../src/worker/call-controller';
import { clock, party, untilBothEncrypted } from './support/call-harness';

describe('SenderIndexes', () => {
  it('gives an index only to senders that send, lowest first', () => {
    let now = 0;
    const indexes = new SenderIndexes(() => now);
    const silent = Array.from({ length: 1000 }, () => indexes.slot()); // receive-only, never negotiated, closed…
    expect(indexes.held).toBe(0);
    const a = indexes.slot();
    const b = indexes.slot();
    expect([a.take(), b.take(), a.take()]).toEqual([0, 1, 0]);
    expect(silent.length).toBe(1000);
    now += 1;
  });

  it('hands the index of a sender idle for 5 s to a new one once all are taken, never one in use', () => {
    let now = 0;
    const indexes = new SenderIndexes(() => now);
    const first = Array.from({ length: SENDER_INDEXES }, () => indexes.slot());
    first.forEach((slot, i) => expect(slot.take()).toBe(i));
    const late = indexes.slot();
    expect(late.take()).toBeUndefined(); // all in use: this sender's frames are not sent (and said, §6.3)
    now += IDLE_MS - 1;
    first[7]!.take(); // still active
    now += 1;
    const index = late.take();
    expect(index).toBeDefined();
    expect(index).not.toBe(7);
    // The sender that lost its index takes another when it sends again; no index is ever held twice.
    const loser = first[index!]!;
    const next = loser.take();
    expect(next === undefined || next !== index).toBe(true);
    expect(first[7]!.take()).toBe(7);
  });
});

function video(data: Uint8Array): EncodedFrame {
  return { data: data.slice().buffer, type: 'delta', getMetadata: () => ({ mimeType: 'video/VP8' }) } as unknown as EncodedFrame;
}

describe('CallController: hundreds of senders over a call', () => {
  it('keeps encrypting for the 300th sender, and an index taken again goes on with its counter', async () => {
    const [alice, bob] = await Promise.all([party(), party()]);
    await untilBothEncrypted(alice, bob);
    const counters = new Map<number, bigint[]>();
    const send = async (slot: ReturnType<typeof alice.controller.senderSlot>, n: number) => {
      for (let i = 0; i < n; i++) {
        const media = Uint8Array.from([0x30, 0x01, 0x00, i, 1, 2, 3, 4]);
        const out = await alice.controller.outgoing(video(media), slot.take());
        expect(out, 'a sender found no key').not.toBeNull();
        const wire = new Uint8Array(out!.data);
        const header = decodeHeader(wire.subarray(3));
        const kid = Number(header.kid & 0xffn);
        counters.set(kid, [...(counters.get(kid) ?? []), header.ctr]);
        const played = await bob.controller.incoming(video(wire));
        expect(played && new Uint8Array(played.data), `frame ${i} of a sender on index ${kid}`).toEqual(media);
      }
    };
    // 300 senders, one after the other, each sending for a while and then going away (their streams never end).
    for (let n = 0; n < 300; n++) {
      await send(alice.controller.senderSlot(), 3);
      clock.advance(20);
    }
    clock.advance(IDLE_MS);
    await send(alice.controller.senderSlot(), 3);
    // Counters under one KID never repeat.
    for (const [kid, seen] of counters) expect(new Set(seen).size, `KID index ${kid}`).toBe(seen.length);
    expect(alice.detail()).toBeUndefined();
  });
});
