/**
 * Relay `mitm` hooks that attack the handshake packets CallSeal frames carry (protocol.md §2, §4) without knowing any
 * key: stripping them, and flipping bits in them. They work on what the relay shows them (relay.ts): Opus packets,
 * VP8 frames in one RTP packet, and the last packet of longer VP8 frames; a frame without CallSeal's magic trailer
 * passes unchanged.
 *
 *   frame = clear prefix | payload | packet (L bytes) | L u16 | flags u8 | magic CA 11 5E A1      (§2)
 *   packet = version u8 | from pid (8) | (type u8 | length u16 | body)*                          (§4)
 */
import {
  FRAME_FLAG_HAS_HANDSHAKE,
  FRAME_HANDSHAKE_LENGTH_FIELD,
  FRAME_TRAILER_LENGTH,
  PACKET_HEADER_LENGTH,
  RECORD_HEADER_LENGTH,
} from '../../../src/e2ee/constants';
import { hasCallSealTrailer } from '../../../src/e2ee/frame-container';
import type { RelayFrame } from './relay';

/** Where a frame's handshake packet is, or null when the frame has none this hook can see whole. */
function packetSpan(data: Uint8Array): { start: number; end: number } | null {
  if (!hasCallSealTrailer(data)) return null;
  const flagsAt = data.length - FRAME_TRAILER_LENGTH;
  if (((data[flagsAt] ?? 0) & FRAME_FLAG_HAS_HANDSHAKE) === 0) return null;
  const end = flagsAt - FRAME_HANDSHAKE_LENGTH_FIELD;
  const length = ((data[end] ?? 0) << 8) | (data[end + 1] ?? 0);
  const start = end - length;
  return start >= 0 && length > 0 ? { start, end } : null;
}

/** The record types of a frame's handshake packet, in order (none: no packet, or an announce). */
export function recordTypes(data: Uint8Array): number[] {
  const span = packetSpan(data);
  if (span === null) return [];
  const types: number[] = [];
  for (let at = span.start + PACKET_HEADER_LENGTH; at + RECORD_HEADER_LENGTH <= span.end; ) {
    types.push(data[at] ?? 0);
    at += RECORD_HEADER_LENGTH + (((data[at + 1] ?? 0) << 8) | (data[at + 2] ?? 0));
  }
  return types;
}

export interface HandshakeAttack {
  /** The relay's `mitm` hook. */
  rewrite(frame: RelayFrame): Uint8Array | null;
  /** Frames it changed, and frames it dropped. */
  readonly counts: { changed: number; dropped: number };
}

/** A hook with its counts: `rewrite` gets the frame and the counts to add to. */
function attack(rewrite: (frame: RelayFrame, counts: HandshakeAttack['counts']) => Uint8Array | null): HandshakeAttack {
  const counts = { changed: 0, dropped: 0 };
  return { counts, rewrite: (frame) => rewrite(frame, counts) };
}

/**
 * Takes the handshake out of every frame: the packet, its length, flags and magic are cut off, and what is left (the
 * clear prefix, and the payload if any) goes on as if it were plain media — the downgrade a network can try (§6.4).
 * A frame that would be left empty, or a VP8 tail that does not hold the whole trailer, is dropped.
 */
export function stripHandshakes(): HandshakeAttack {
  return attack((frame, counts) => {
    const data = frame.payload;
    if (!hasCallSealTrailer(data)) return data;
    const span = packetSpan(data);
    const cut = span === null ? -1 : span.start;
    if (cut <= 0) {
      counts.dropped++;
      return null;
    }
    counts.changed++;
    return data.slice(0, cut);
  });
}

/**
 * Takes every record of one type out of the handshake packets (the packet's length field follows), so the side's
 * other records still get through: a network that holds back one kind of message. A frame whose packet this hook
 * cannot see whole (a long VP8 frame's packet that began in an earlier RTP packet) is dropped, so no record of that
 * type passes that way either.
 */
export function withoutRecords(type: number): HandshakeAttack {
  return attack((frame, counts) => {
    const data = frame.payload;
    if (!hasCallSealTrailer(data)) return data;
    if (((data[data.length - FRAME_TRAILER_LENGTH] ?? 0) & FRAME_FLAG_HAS_HANDSHAKE) === 0) return data;
    const span = packetSpan(data);
    if (span === null) {
      counts.dropped++;
      return null;
    }
    const kept: Uint8Array[] = [data.subarray(span.start, span.start + PACKET_HEADER_LENGTH)];
    for (let at = span.start + PACKET_HEADER_LENGTH; at + RECORD_HEADER_LENGTH <= span.end; ) {
      const next = Math.min(span.end, at + RECORD_HEADER_LENGTH + (((data[at + 1] ?? 0) << 8) | (data[at + 2] ?? 0)));
      if (data[at] !== type) kept.push(data.subarray(at, next));
      at = next;
    }
    const length = kept.reduce((sum, part) => sum + part.length, 0);
    if (length === span.end - span.start) return data;
    const out = new Uint8Array(span.start + length + (data.length - span.end));
    out.set(data.subarray(0, span.start));
    let at = span.start;
    for (const part of kept) {
      out.set(part, at);
      at += part.length;
    }
    out.set(data.subarray(span.end), at);
    out[at] = length >> 8;
    out[at + 1] = length & 0xff;
    counts.changed++;
    return out;
  });
}

/**
 * Flips bits in every handshake packet so that no record survives: one random bit in the pid of a packet without
 * records, one random bit in the body of each record; and in one frame of `trailerEvery` (default 4), also a bit of
 * the packet's length or of the flags, which makes the frame malformed (§2: dropped and counted by the receiver).
 * The magic is never touched (the frame stays CallSeal's: no fallback evidence, §6.4). `random` returns [0, 1).
 */
export function corruptHandshakes(random: () => number = Math.random, trailerEvery = 4): HandshakeAttack {
  const counts = { changed: 0, dropped: 0 };
  let frames = 0;
  const flip = (data: Uint8Array, from: number, to: number): void => {
    const at = from + Math.floor(random() * (to - from));
    data[at] = (data[at] ?? 0) ^ (1 << Math.floor(random() * 8));
  };
  return {
    counts,
    rewrite(frame) {
      const span = packetSpan(frame.payload);
      if (span === null) {
        if (!hasCallSealTrailer(frame.payload)) return frame.payload;
        counts.dropped++; // a VP8 tail without the whole packet: nothing of it may pass intact
        return null;
      }
      const data = frame.payload.slice();
      const { start, end } = span;
      let at = start + PACKET_HEADER_LENGTH;
      if (at >= end) flip(data, start + 1, end);
      while (at + RECORD_HEADER_LENGTH <= end) {
        const length = ((frame.payload[at + 1] ?? 0) << 8) | (frame.payload[at + 2] ?? 0);
        const body = at + RECORD_HEADER_LENGTH;
        flip(data, body, Math.min(end, body + Math.max(1, length)));
        at = body + length;
      }
      if (++frames % trailerEvery === 0) flip(data, end, end + FRAME_HANDSHAKE_LENGTH_FIELD + 1);
      counts.changed++;
      return data;
    },
  };
}
