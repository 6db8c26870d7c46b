/**
 * A man in the middle for the relay (`startRelay({ mitm: (frame) => mitm.rewrite(frame) })`): it terminates the
 * version-2 handshake with each participant, with an identity of its own — one CallSession per participant it
 * faces, built from CallSeal's own code — and rewrites the handshake packet in every CallSeal frame it forwards:
 * what Alice sent goes into the session facing Alice; what goes on to Bob carries the packet of the session facing
 * Bob. Each side then confirms a pair with the relay and shows `encrypted`; what gives the relay away is the
 * security code, which differs between the two sides (protocol.md §8.1), and the peer key, which is the relay's.
 *
 * Media is forwarded as it is: encrypted under Alice's pair with the relay, it does not decrypt at Bob (this helper
 * shows the codes differ; it does not re-encrypt). Packets have other lengths than the ones they replace, so the
 * trailer is rebuilt (§2); a media-only frame gets a trailer when the relay has a packet to send. A VP8 frame's tail that does not hold the whole packet cannot be rewritten and is
 * dropped, as any man in the middle may.
 *
 * Runs in Node (the relay's process): WebCrypto X25519, Ed25519, HKDF and AES-GCM, no browser.
 */
import { concatBytes } from '../../../src/e2ee/bytes';
import {
  FRAME_FLAG_HAS_HANDSHAKE,
  FRAME_FLAG_HAS_MEDIA,
  FRAME_HANDSHAKE_LENGTH_FIELD,
  FRAME_KNOWN_FLAGS,
  FRAME_MAGIC,
  FRAME_TRAILER_LENGTH,
} from '../../../src/e2ee/constants';
import { endsInMediaMarker, hasCallSealTrailer } from '../../../src/e2ee/frame-container';
import { CallSession, type SessionStatus } from '../../../src/e2ee/session';
import { encodeDisplayNameExtension } from '../../../src/e2ee/display-name';
import { signatureMessage } from '../../../src/e2ee/signing';
import type { RelayFrame } from './relay';

export interface MitmIdentity {
  publicKey: Uint8Array;
  /** Signs label || input || extensions, as CallSeal's background does (protocol.md §4.3). */
  sign(input: Uint8Array, extensions?: Uint8Array): Promise<Uint8Array>;
}

export interface HandshakeMitmOptions {
  /** The identity shown to both sides (default: a fresh one, the same for both). */
  identity?: MitmIdentity;
  /** The display name the relay claims in its CONFIRMs to both sides (protocol.md §4.5), signed like a real one. */
  displayName?: string;
  /** Monotonic milliseconds (default Date.now). */
  now?: () => number;
}

export interface HandshakeMitm {
  /** The relay's `mitm` hook: the frame with its handshake packet replaced, unchanged, or null (dropped). */
  rewrite(frame: RelayFrame): Uint8Array | null;
  /** The status of the session the relay runs with `participant` (its code is the one that participant sees). */
  statusWith(participant: string): SessionStatus | undefined;
  /** Resolves once every packet taken so far has been handled. */
  settled(): Promise<void>;
  readonly counts: { rewritten: number; dropped: number };
  dispose(): void;
}

/** A fresh Ed25519 identity that signs like CallSeal's background. */
export async function makeMitmIdentity(): Promise<MitmIdentity> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return {
    publicKey,
    sign: async (input, extensions) =>
      new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, signatureMessage(input, extensions))),
  };
}

/** A CallSeal frame split at its handshake: what comes before it, the packet (if any), the flags. */
interface SplitFrame {
  body: Uint8Array;
  packet: Uint8Array | null;
  flags: number;
}

/** Reads the trailer from the end (§2); null when it cannot be read from these bytes. */
function split(data: Uint8Array): SplitFrame | null {
  const flags = data[data.length - FRAME_TRAILER_LENGTH] ?? 0;
  if ((flags & ~FRAME_KNOWN_FLAGS) !== 0) return null;
  const end = data.length - FRAME_TRAILER_LENGTH;
  if ((flags & FRAME_FLAG_HAS_HANDSHAKE) === 0) return { body: data.subarray(0, end), packet: null, flags };
  if (end < FRAME_HANDSHAKE_LENGTH_FIELD) return null;
  const length = ((data[end - 2] ?? 0) << 8) | (data[end - 1] ?? 0);
  const start = end - FRAME_HANDSHAKE_LENGTH_FIELD - length;
  if (length === 0 || start < 0) return null;
  return { body: data.subarray(0, start), packet: data.subarray(start, end - FRAME_HANDSHAKE_LENGTH_FIELD), flags };
}

/** body | [packet | u16 length] | flags | magic, with HAS_HANDSHAKE set iff there is a packet. */
function rebuild(body: Uint8Array, packet: Uint8Array | null, flags: number): Uint8Array {
  const newFlags = (flags & FRAME_FLAG_HAS_MEDIA) | (packet === null ? 0 : FRAME_FLAG_HAS_HANDSHAKE);
  const handshake =
    packet === null ? new Uint8Array(0) : concatBytes(packet, Uint8Array.of(packet.length >>> 8, packet.length & 0xff));
  return concatBytes(body, handshake, Uint8Array.of(newFlags), Uint8Array.from(FRAME_MAGIC));
}

export async function createHandshakeMitm(options: HandshakeMitmOptions = {}): Promise<HandshakeMitm> {
  const identity = options.identity ?? (await makeMitmIdentity());
  const now = options.now ?? (() => Date.now());
  const extensions = encodeDisplayNameExtension(options.displayName);
  const sessions = new Map<string, CallSession>();
  const pending = new Set<Promise<void>>();
  const counts = { rewritten: 0, dropped: 0 };

  /** The session the relay runs with one participant (made on first sight). */
  const facing = (participant: string): CallSession => {
    let session = sessions.get(participant);
    if (session === undefined) {
      session = new CallSession({
        identityPublicKey: identity.publicKey,
        sign: async (input) => ({ signature: await identity.sign(input, extensions), extensions }),
        now,
        fallbackAfterMs: 4000,
        allowPlaintextFallback: false,
        onPairConfirmed: () => undefined, // media is not re-encrypted
        onPairRetired: () => undefined,
        onChange: () => undefined,
      });
      sessions.set(participant, session);
    }
    return session;
  };

  return {
    counts,
    rewrite(frame: RelayFrame): Uint8Array | null {
      const data = frame.payload;
      // A media-only frame (§2: body | marker) carries no packet, but the relay may add one — as any man in the
      // middle can once the two sides stop sending hellos with every frame.
      const mediaOnly = !hasCallSealTrailer(data) && endsInMediaMarker(data);
      if (!hasCallSealTrailer(data) && !mediaOnly) return data; // plain media: nothing to touch
      const parts = mediaOnly ? { body: data.subarray(0, data.length - 1), packet: null, flags: FRAME_FLAG_HAS_MEDIA } : split(data);
      if (parts === null) {
        counts.dropped++;
        return null;
      }
      const from = facing(frame.from);
      from.tick();
      if (parts.packet !== null) {
        const taken = from.receivePacket(parts.packet);
        pending.add(taken);
        void taken.finally(() => pending.delete(taken));
      }
      const to = facing(frame.to);
      to.tick();
      const packet = to.outgoingPacket();
      if (mediaOnly && packet === null) return data;
      counts.rewritten++;
      return rebuild(parts.body, packet, parts.flags);
    },
    statusWith: (participant) => sessions.get(participant)?.status(),
    async settled() {
      await Promise.all([...pending]);
      await Promise.all([...sessions.values()].map((session) => session.settled()));
    },
    dispose() {
      for (const session of sessions.values()) session.dispose();
      sessions.clear();
    },
  };
}
