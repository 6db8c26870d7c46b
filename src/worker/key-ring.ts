/**
 * The SFrame keys of the page's call, per confirmed pair (protocol.md §3, §5.3, §6.2).
 *
 * - Sending: under the current pair only. Each local sender index has its own KID, base key and SFrame counter, and
 *   a pair keeps its senders for its whole life, so an index used again under the same pair goes on counting where
 *   it stopped: no (key, nonce) is ever used twice.
 * - Receiving: per pair and KID one opener (key and replay window). A KID's key is derived the first time a frame
 *   with it arrives, and installed once: its replay window lives exactly as long as the pair, which never comes back
 *   once removed (the session retires its pid), so a recorded frame never decrypts twice (§8.5).
 * - The KID is the sender index (version 3, §5.3); the pair is found by trial decryption: every confirmed pair is
 *   tried, newest first, and the one that authenticates wins. Normally one pair is live; a frame in flight under the
 *   previous one during its 10 s grace costs one extra attempt.
 *
 * The per-frame work is sframe/hot-path.ts: sealers and openers are made once and kept as objects, so a frame costs
 * one WebCrypto operation and one copy, no await on a settled promise.
 *
 * Only confirmed pairs are ever added (the session calls `install` on key confirmation), so frames under a pair that
 * is derived but not confirmed find no key and are dropped.
 */
import { DEFAULT_SFRAME_SUITE } from '../e2ee/constants';
import { isCallSealKid, kidFor, senderBaseKey } from '../e2ee/key-schedule';
import type { ConfirmedPairKeys } from '../e2ee/session';
import { FrameOpener, FrameSealer, SFrameError, deriveSFrameKeys, readFastHeader, type FastHeader } from '../sframe';


interface PairKeys {
  keys: ConfirmedPairKeys;
  /** Confirmation order: trial decryption goes newest first. */
  order: number;
  /** Per KID, installed once for the pair's life (the replay window is never reset while the pair lives). */
  openers: Map<number, FrameOpener | Promise<FrameOpener>>;
  /** Per sender index, for the pair's life. */
  sealers: (FrameSealer | Promise<FrameSealer> | undefined)[];
}

interface DecryptedMedia {
  /** The pair the frame authenticated under. */
  pairId: number;
  plaintext: Uint8Array;
}

interface OpenedMedia {
  pairId: number;
  /** `before` free bytes, then the plaintext. */
  frame: Uint8Array<ArrayBuffer>;
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

const NO_PAIRS: readonly PairKeys[] = [];

export class KeyRing {
  private readonly pairs = new Map<number, PairKeys>();
  private currentPair: PairKeys | undefined;
  private order = 0;
  /** Trial order for received frames: newest first; rebuilt on install/remove, never per frame. */
  private newestFirst: readonly PairKeys[] = NO_PAIRS;

  /** The pair media is sent under, or null. */
  get current(): number | null {
    return this.currentPair?.keys.id ?? null;
  }

  /** A confirmed pair: it becomes the current one (§6.2). Installing the same pair again changes nothing else. */
  install(keys: ConfirmedPairKeys): void {
    requirePairKeys(keys);
    let pair = this.pairs.get(keys.id);
    if (pair === undefined) {
      pair = { keys, order: ++this.order, openers: new Map(), sealers: [] };
      this.pairs.set(keys.id, pair);
      this.reorder();
    }
    this.currentPair = pair;
  }

  /** A retired pair: its keys, windows and senders are gone for good. */
  remove(pairId: number): void {
    this.pairs.delete(pairId);
    if (this.currentPair?.keys.id === pairId) this.currentPair = undefined;
    this.reorder();
  }

  /** Forgets everything: only when the session itself is dropped. */
  clear(): void {
    this.pairs.clear();
    this.currentPair = undefined;
    this.reorder();
  }

  /**
   * Encrypts one frame under the current pair for a local sender: `before` free bytes | SFrame | `after` free bytes
   * (SFrameError 'unknown-kid' when there is no current pair).
   */
  seal(senderIndex: number, plaintext: Uint8Array, metadata: Uint8Array, before: number, after: number): Promise<Uint8Array<ArrayBuffer>> {
    const pair = this.currentPair;
    if (pair === undefined) return Promise.reject(new SFrameError('unknown-kid', 'no current pair to encrypt to'));
    const sealer = pair.sealers[senderIndex];
    if (sealer instanceof FrameSealer) return sealer.seal(plaintext, metadata, before, after);
    let made: Promise<FrameSealer>;
    try {
      made = sealer ?? this.makeSealer(pair, senderIndex);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error))); // a bad index
    }
    return made.then((s) => s.seal(plaintext, metadata, before, after));
  }

  /** Encrypts one frame under the current pair (the SFrame alone). */
  encrypt(senderIndex: number, plaintext: Uint8Array, metadata: Uint8Array): Promise<Uint8Array> {
    return this.seal(senderIndex, plaintext, metadata, 0, 0);
  }

  /**
   * Decrypts the peer's SFrame at `data[offset..end)`: the confirmed pairs are tried newest first (§5.3, the KID
   * names only the sender); returns `before` free bytes then the plaintext. Throws SFrameError: 'truncated-header',
   * 'unknown-kid' (not a CallSeal KID, or no pair), 'replay' or 'authentication-failed'.
   */
  async open(data: Uint8Array, offset: number, end: number, metadata: Uint8Array, before: number): Promise<OpenedMedia> {
    const header = readFastHeader(data, offset, end);
    if (header === null) throw new SFrameError('truncated-header', 'no SFrame header');
    if (!isCallSealKid(BigInt(header.kid))) throw new SFrameError('unknown-kid', 'not a CallSeal KID');
    const sframe = data.subarray(offset, end);
    let failure: SFrameError | undefined;
    for (const pair of this.newestFirst) {
      try {
        const made = this.opener(pair, header);
        const opener = made instanceof FrameOpener ? made : await made;
        return { pairId: pair.keys.id, frame: await opener.open(sframe, header, metadata, before) };
      } catch (error) {
        if (!(error instanceof SFrameError)) throw error;
        // A replay verdict under one pair says nothing about another: keep trying, report the most telling.
        if (failure === undefined || failure.code === 'unknown-kid' || error.code === 'replay') failure = error;
      }
    }
    throw failure ?? new SFrameError('unknown-kid', 'no confirmed pair');
  }

  /** Decrypts a peer's SFrame (see `open`). */
  async decrypt(sframe: Uint8Array, metadata: Uint8Array): Promise<DecryptedMedia> {
    const { pairId, frame } = await this.open(sframe, 0, sframe.length, metadata, 0);
    return { pairId, plaintext: frame };
  }

  private reorder(): void {
    this.newestFirst = [...this.pairs.values()].sort((a, b) => b.order - a.order);
  }

  private makeSealer(pair: PairKeys, senderIndex: number): Promise<FrameSealer> {
    const kid = kidFor(senderIndex); // validates the index
    const made = senderBaseKey(pair.keys.sendSecret, kid)
      .then((baseKey) => deriveSFrameKeys(DEFAULT_SFRAME_SUITE, kid, baseKey))
      .then((keys) => new FrameSealer(keys, Number(kid)));
    pair.sealers[senderIndex] = made;
    made.then(
      (sealer) => {
        if (pair.sealers[senderIndex] === made) pair.sealers[senderIndex] = sealer;
      },
      () => {
        if (pair.sealers[senderIndex] === made) pair.sealers[senderIndex] = undefined; // may be retried
      },
    );
    return made;
  }

  private opener(pair: PairKeys, header: FastHeader): FrameOpener | Promise<FrameOpener> {
    const existing = pair.openers.get(header.kid);
    if (existing !== undefined) return existing;
    const kid = BigInt(header.kid);
    const made = senderBaseKey(pair.keys.receiveSecret, kid)
      .then((baseKey) => deriveSFrameKeys(DEFAULT_SFRAME_SUITE, kid, baseKey))
      .then((keys) => new FrameOpener(keys, header.kid));
    pair.openers.set(header.kid, made);
    made.then(
      (opener) => {
        if (pair.openers.get(header.kid) === made) pair.openers.set(header.kid, opener);
      },
      () => {
        if (pair.openers.get(header.kid) === made) pair.openers.delete(header.kid);
      },
    );
    return made;
  }
}
