/**
 * The SFrame keys of the page's call, per epoch. Sending: one SFrameSender per local sender (its own KID, so no two
 * senders ever share a key and nonce sequence). Receiving: one SFrameReceiver; the key for a KID is derived the
 * first time a frame with it arrives, from the epoch whose tag the KID carries. The previous epoch's receive keys
 * live on for RETAIN_PREVIOUS_MS, so frames in flight at a switch still decrypt.
 *
 * An epoch can come back (the session lets the displaced peer session return, see e2ee/session.ts): same
 * transcript, same keys. Its senders are then the very same objects, so their counters go on and no nonce is
 * ever used twice under one key. Senders are therefore remembered per transcript for the worker's lifetime.
 *
 *   KID (24 bits) = kidTag (16 bits, from the epoch's transcript hash) << 8 | sender index (8 bits)
 */
import { toHex } from '../shared/bytes';
import { kidFor, kidTagOf, senderBaseKey, type EpochSecrets } from '../e2ee/key-schedule';
import { decodeHeader, isSFrameError, SFrameReceiver, SFrameSender, type DecryptedFrame } from '../sframe';

export const SFRAME_SUITE = 4; // AES_128_GCM_SHA256_128
export const RETAIN_PREVIOUS_MS = 10_000;

interface Epoch {
  number: number;
  secrets: EpochSecrets;
  /** Hex of the transcript hash: the epoch's identity. */
  id: string;
  /** When the epoch's receive keys are dropped; set once a newer epoch arrives. */
  retireAt?: number;
}

type Senders = Map<number, Promise<SFrameSender>>;

export class KeyRing {
  private epochs: Epoch[] = [];
  /** Per transcript: the senders made under it. Never forgotten, so counters are never restarted for a key. */
  private sendersByEpoch = new Map<string, Senders>();
  private senders: Senders = new Map();
  private receiver = new SFrameReceiver({ suite: SFRAME_SUITE });
  private pendingKids = new Map<bigint, Promise<boolean>>();

  constructor(private readonly now: () => number = Date.now) {}

  get hasKeys(): boolean {
    return this.epochs.length > 0;
  }

  install(secrets: EpochSecrets, number: number): void {
    const id = toHex(secrets.transcriptHash);
    const retireAt = this.now() + RETAIN_PREVIOUS_MS;
    this.epochs = this.epochs.filter((e) => e.id !== id);
    for (const epoch of this.epochs) epoch.retireAt ??= retireAt;
    this.epochs.push({ number, secrets, id });
    let senders = this.sendersByEpoch.get(id);
    if (!senders) this.sendersByEpoch.set(id, (senders = new Map()));
    this.senders = senders;
  }

  /** Forgets everything: only when the session itself is dropped (its ephemeral key goes with it). */
  clear(): void {
    this.epochs = [];
    this.sendersByEpoch = new Map();
    this.senders = new Map();
    this.receiver = new SFrameReceiver({ suite: SFRAME_SUITE });
    this.pendingKids = new Map();
  }

  /** The current epoch's sender for a local sender index, made on first use. */
  sender(senderIndex: number): Promise<SFrameSender> {
    let sender = this.senders.get(senderIndex);
    if (!sender) {
      const current = this.epochs[this.epochs.length - 1];
      if (!current) return Promise.reject(new Error('no keys'));
      const kid = kidFor(current.secrets.transcriptHash, senderIndex);
      sender = senderBaseKey(current.secrets.sendSecret, kid).then((baseKey) =>
        SFrameSender.create({ suite: SFRAME_SUITE, kid, baseKey }),
      );
      this.senders.set(senderIndex, sender);
    }
    return sender;
  }

  /** Decrypts an SFrame from the peer (throws SFrameError: unknown-kid, authentication-failed, replay, …). */
  async decrypt(sframe: Uint8Array, metadata: Uint8Array): Promise<DecryptedFrame> {
    this.retire();
    try {
      return await this.receiver.decrypt(sframe, metadata);
    } catch (error) {
      if (!isSFrameError(error, 'unknown-kid')) throw error;
      const { kid } = decodeHeader(sframe);
      if (!(await this.learnKid(kid))) throw error;
      return this.receiver.decrypt(sframe, metadata);
    }
  }

  private learnKid(kid: bigint): Promise<boolean> {
    let pending = this.pendingKids.get(kid);
    if (!pending) {
      pending = (async () => {
        const tag = kidTagOf(kid);
        const epoch = [...this.epochs].reverse().find((e) => e.secrets.kidTag === tag);
        if (!epoch) return false;
        await this.receiver.addKey(kid, await senderBaseKey(epoch.secrets.receiveSecret, kid));
        return true;
      })().finally(() => this.pendingKids.delete(kid));
      this.pendingKids.set(kid, pending);
    }
    return pending;
  }

  /** Drops epochs whose time is up, and their receive keys. */
  private retire(): void {
    const now = this.now();
    const [gone, kept] = partition(this.epochs, (e) => e.retireAt !== undefined && e.retireAt <= now);
    if (gone.length === 0) return;
    this.epochs = kept;
    const liveTags = new Set(kept.map((e) => e.secrets.kidTag));
    for (const kid of this.receiver.kids()) {
      if (!liveTags.has(kidTagOf(kid))) this.receiver.removeKey(kid);
    }
  }
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}
