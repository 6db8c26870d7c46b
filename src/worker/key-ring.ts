/**
 * The SFrame keys of the page's call, per confirmed pair (protocol.md §3, §5.3, §6.2).
 *
 * - Sending: under the current pair only. Each local sender index has its own KID, base key and SFrame counter, and
 *   a pair keeps its senders for its whole life, so an index used again under the same pair goes on counting where
 *   it stopped: no (key, nonce) is ever used twice.
 * - Receiving: each pair has its own SFrameReceiver. A KID's key is derived the first time a frame with it arrives,
 *   and installed once: its replay window lives exactly as long as the pair, which never comes back once removed
 *   (the session retires its pid), so a recorded frame never decrypts twice (§8.5).
 * - KID tags only speed up the lookup. Several pairs may share a tag (by chance, or ground by a man in the middle):
 *   every pair whose tag matches is tried, newest first, and the one that authenticates wins (§5.3).
 *
 *   KID (24 bits) = kidTag (16 bits, th[0..2) of the pair) << 8 | sender index (8 bits)
 *
 * Only confirmed pairs are ever added (the session calls `install` on key confirmation), so frames under a pair that
 * is derived but not confirmed find no key and are dropped.
 */
import { isCallSealKid, kidFromTag, kidTagOf, senderBaseKey } from '../e2ee/key-schedule';
import type { ConfirmedPairKeys } from '../e2ee/session';
import { SFrameError, SFrameReceiver, SFrameSender, decodeHeader, isSFrameError } from '../sframe';

export const SFRAME_SUITE = 4; // AES_128_GCM_SHA256_128 (protocol.md §3)

interface PairKeys {
  keys: ConfirmedPairKeys;
  /** Confirmation order: trial decryption goes newest first. */
  order: number;
  receiver: SFrameReceiver;
  /** One installation per KID, ever: the replay window is never reset while the pair lives. */
  receiveKids: Map<bigint, Promise<void>>;
  /** Per sender index, for the pair's life. */
  senders: Map<number, Promise<SFrameSender>>;
}

export interface DecryptedMedia {
  /** The pair the frame authenticated under. */
  pairId: number;
  plaintext: Uint8Array;
}

function requirePairKeys(keys: ConfirmedPairKeys): void {
  const k = keys as Partial<ConfirmedPairKeys> | null;
  if (
    typeof k !== 'object' ||
    k === null ||
    !Number.isSafeInteger(k.id) ||
    !Number.isInteger(k.kidTag) ||
    (k.kidTag as number) < 0 ||
    (k.kidTag as number) > 0xffff ||
    typeof k.sendSecret !== 'object' ||
    typeof k.receiveSecret !== 'object'
  ) {
    throw new SFrameError('invalid-argument', 'pair keys are malformed');
  }
}

export class KeyRing {
  private readonly pairs = new Map<number, PairKeys>();
  private currentId: number | null = null;
  private order = 0;

  /** The pair media is sent under, or null. */
  get current(): number | null {
    return this.currentId;
  }

  /** A confirmed pair: it becomes the current one (§6.2). Installing the same pair again changes nothing else. */
  install(keys: ConfirmedPairKeys): void {
    requirePairKeys(keys);
    if (!this.pairs.has(keys.id)) {
      this.pairs.set(keys.id, {
        keys,
        order: ++this.order,
        receiver: new SFrameReceiver({ suite: SFRAME_SUITE }),
        receiveKids: new Map(),
        senders: new Map(),
      });
    }
    this.currentId = keys.id;
  }

  /** A retired pair: its keys, windows and senders are gone for good. */
  remove(pairId: number): void {
    this.pairs.delete(pairId);
    if (this.currentId === pairId) this.currentId = null;
  }

  /** Forgets everything: only when the session itself is dropped. */
  clear(): void {
    this.pairs.clear();
    this.currentId = null;
  }

  /** Encrypts one frame under the current pair for a local sender (SFrameError 'unknown-kid' when there is none). */
  async encrypt(senderIndex: number, plaintext: Uint8Array, metadata: Uint8Array): Promise<Uint8Array> {
    const pair = this.currentId === null ? undefined : this.pairs.get(this.currentId);
    if (pair === undefined) throw new SFrameError('unknown-kid', 'no current pair to encrypt to');
    let sender = pair.senders.get(senderIndex);
    if (sender === undefined) {
      const kid = kidFromTag(pair.keys.kidTag, senderIndex); // validates the index
      sender = senderBaseKey(pair.keys.sendSecret, kid).then((baseKey) =>
        SFrameSender.create({ suite: SFRAME_SUITE, kid, baseKey }),
      );
      pair.senders.set(senderIndex, sender);
      sender.catch(() => pair.senders.delete(senderIndex)); // a failed derivation may be retried
    }
    return (await sender).encrypt(plaintext, metadata);
  }

  /**
   * Decrypts a peer's SFrame: every confirmed pair whose KID tag matches is tried, newest first (§5.3). Throws
   * SFrameError: 'truncated-header', 'unknown-kid' (no pair with that tag), 'replay' or 'authentication-failed'.
   */
  async decrypt(sframe: Uint8Array, metadata: Uint8Array): Promise<DecryptedMedia> {
    const { kid } = decodeHeader(sframe);
    if (!isCallSealKid(kid)) throw new SFrameError('unknown-kid', 'not a CallSeal KID');
    const tag = kidTagOf(kid);
    const candidates = [...this.pairs.values()].filter((p) => p.keys.kidTag === tag).sort((a, b) => b.order - a.order);
    let failure: SFrameError = new SFrameError('unknown-kid', 'no pair has this KID tag');
    for (const pair of candidates) {
      try {
        await this.receiveKey(pair, kid);
        const { plaintext } = await pair.receiver.decrypt(sframe, metadata);
        return { pairId: pair.keys.id, plaintext };
      } catch (error) {
        if (!isSFrameError(error)) throw error;
        // A replay verdict under one pair says nothing about another: keep trying, report the most telling.
        if (failure.code === 'unknown-kid' || error.code === 'replay') failure = error;
      }
    }
    throw failure;
  }

  private receiveKey(pair: PairKeys, kid: bigint): Promise<void> {
    let installed = pair.receiveKids.get(kid);
    if (installed === undefined) {
      installed = senderBaseKey(pair.keys.receiveSecret, kid).then((baseKey) => pair.receiver.addKey(kid, baseKey));
      pair.receiveKids.set(kid, installed);
      installed.catch(() => pair.receiveKids.delete(kid));
    }
    return installed;
  }
}
