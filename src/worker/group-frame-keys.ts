/**
 * SFrame keys of a group call (protocol.md §11.2, §11.6), and the one place the worker chooses between them and the
 * pairs' keys (§5.3): a frame's KID says which (a group KID is at least 2^16, a version-3 KID at most 255).
 *
 * - Sending: once the session's group mode has switched (§11.5), every local sender encrypts under the session's
 *   sender key, each sender index under its own KID = tag << 16 | step << 8 | index, with its own key and counter for
 *   the epoch's life (an index handed over within an epoch goes on counting). Before the switch, the pair keys.
 * - Receiving: a group KID is looked up among the members' held keys by tag (group-mode.ts, §11.6); an opener (key
 *   and replay window) is made once per member, generation, step and sender index and kept while that generation is
 *   held, so a recorded frame never decrypts twice. A step ahead is derived, tried, and kept only if it
 *   authenticates.
 *
 * Once made, openers and sealers are kept as objects: a frame costs one WebCrypto operation, as with pairs.
 */
import { DEFAULT_SFRAME_SUITE } from '../e2ee/constants';
import { groupFrameBaseKey, groupKid, type SenderKeyEpoch } from '../e2ee/group-keys';
import type { GroupCandidate } from '../e2ee/group-mode';
import { FrameOpener, FrameSealer, SFrameError, deriveSFrameKeys, readFastHeader } from '../sframe';
import { KeyRing } from './key-ring';

/** What the frame keys need of the session's group mode (group-mode.ts). */
interface GroupKeySource {
  readonly sending: SenderKeyEpoch | null;
  candidates(kid: bigint): Promise<GroupCandidate[]>;
  holds(peer: string, generation: number, tag: number): boolean;
  noteDecrypted(peer: string, epoch: SenderKeyEpoch, now: number): void;
}

/** Past this many KIDs with openers, those of dropped generations are forgotten. */
const MAX_OPENER_KIDS = 64;
/** Smallest group KID (§11.2: the tag is not zero). */
const GROUP_KID_MIN = 0x1_0000;

interface Opener {
  peer: string;
  pairId: number;
  epoch: SenderKeyEpoch;
  opener: FrameOpener;
}

interface Sealer {
  epoch: SenderKeyEpoch;
  sealer: FrameSealer | Promise<FrameSealer>;
}

interface OpenedMedia {
  /** The pair the frame belongs to: its own (§5.3), or its sender's (a group member, §11.6). */
  pairId: number;
  frame: Uint8Array<ArrayBuffer>;
}

async function makeSealer(epoch: SenderKeyEpoch, senderIndex: number): Promise<FrameSealer> {
  const kid = groupKid(epoch.tag, epoch.step, senderIndex);
  const keys = await deriveSFrameKeys(DEFAULT_SFRAME_SUITE, kid, await groupFrameBaseKey(epoch, senderIndex));
  return new FrameSealer(keys, Number(kid));
}

async function makeOpener(epoch: SenderKeyEpoch, kid: number): Promise<FrameOpener> {
  const keys = await deriveSFrameKeys(DEFAULT_SFRAME_SUITE, BigInt(kid), await groupFrameBaseKey(epoch, kid & 0xff));
  return new FrameOpener(keys, kid);
}

/**
 * The worker's media keys: the pairs' (key-ring.ts) and the group's, behind the interface the controller already
 * uses. `pairs` is the pairs' ring (the session installs and removes pairs there).
 */
export class MediaKeys {
  readonly pairs = new KeyRing();
  private readonly sealers = new Map<number, Sealer>();
  private readonly openers = new Map<number, Opener[]>();

  constructor(
    private readonly group: () => GroupKeySource | null,
    private readonly now: () => number,
  ) {}

  /** Something to send under: the group's sender key, or a current pair. */
  get current(): number | null {
    return this.group()?.sending != null ? 0 : this.pairs.current;
  }

  install(...args: Parameters<KeyRing['install']>): void {
    this.pairs.install(...args);
  }

  remove(pairId: number): void {
    this.pairs.remove(pairId);
  }

  clear(): void {
    this.pairs.clear();
    this.sealers.clear();
    this.openers.clear();
  }

  seal(senderIndex: number, plaintext: Uint8Array, metadata: Uint8Array, before: number, after: number): Promise<Uint8Array<ArrayBuffer>> {
    const epoch = this.group()?.sending ?? null;
    if (epoch === null) return this.pairs.seal(senderIndex, plaintext, metadata, before, after);
    let entry = this.sealers.get(senderIndex);
    if (entry?.epoch !== epoch) {
      this.dropOtherEpochs(epoch);
      let made: Promise<FrameSealer>;
      try {
        made = makeSealer(epoch, senderIndex);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      entry = { epoch, sealer: made };
      this.sealers.set(senderIndex, entry);
      const kept = entry;
      made.then(
        (sealer) => {
          if (this.sealers.get(senderIndex) === kept) kept.sealer = sealer;
        },
        () => {
          if (this.sealers.get(senderIndex) === kept) this.sealers.delete(senderIndex);
        },
      );
    }
    const sealer = entry.sealer;
    if (sealer instanceof FrameSealer) return sealer.seal(plaintext, metadata, before, after);
    return sealer.then((s) => s.seal(plaintext, metadata, before, after));
  }

  encrypt(senderIndex: number, plaintext: Uint8Array, metadata: Uint8Array): Promise<Uint8Array> {
    return this.seal(senderIndex, plaintext, metadata, 0, 0);
  }

  /** Epochs never come back: the sealers of any other epoch go (their counters with them). */
  private dropOtherEpochs(epoch: SenderKeyEpoch): void {
    for (const [index, entry] of this.sealers) if (entry.epoch !== epoch) this.sealers.delete(index);
  }

  /** Decrypts a peer's SFrame at `data[offset..end)`: a group KID under a member's key, else under a pair (§5.3). */
  async open(data: Uint8Array, offset: number, end: number, metadata: Uint8Array, before: number): Promise<OpenedMedia> {
    const header = readFastHeader(data, offset, end);
    const source = header !== null && header.kid >= GROUP_KID_MIN ? this.group() : null;
    if (header === null || source === null) return this.pairs.open(data, offset, end, metadata, before);
    const sframe = data.subarray(offset, end);
    let failure: SFrameError | undefined;
    const tried = new Set<string>();
    for (const known of this.openersFor(header.kid, source)) {
      tried.add(`${known.peer}:${known.epoch.generation}`);
      try {
        const frame = await known.opener.open(sframe, header, metadata, before);
        source.noteDecrypted(known.peer, known.epoch, this.now());
        return { pairId: known.pairId, frame };
      } catch (error) {
        if (!(error instanceof SFrameError)) throw error;
        if (failure === undefined || error.code === 'replay') failure = error;
      }
    }
    for (const candidate of await source.candidates(BigInt(header.kid))) {
      if (tried.has(`${candidate.peer}:${candidate.epoch.generation}`)) continue;
      const opener = await makeOpener(candidate.epoch, header.kid);
      let frame: Uint8Array<ArrayBuffer>;
      try {
        frame = await opener.open(sframe, header, metadata, before);
      } catch (error) {
        if (!(error instanceof SFrameError)) throw error;
        failure ??= error;
        continue; // a derived step is kept only if a frame authenticates under it (§11.6)
      }
      if (this.openers.size >= MAX_OPENER_KIDS) this.prune(source);
      const list = this.openers.get(header.kid) ?? [];
      list.push({ peer: candidate.peer, pairId: candidate.pairId, epoch: candidate.epoch, opener });
      this.openers.set(header.kid, list);
      source.noteDecrypted(candidate.peer, candidate.epoch, this.now());
      return { pairId: candidate.pairId, frame };
    }
    throw failure ?? new SFrameError('unknown-kid', 'no member holds a key for this KID');
  }

  async decrypt(sframe: Uint8Array, metadata: Uint8Array): Promise<{ pairId: number; plaintext: Uint8Array }> {
    const { pairId, frame } = await this.open(sframe, 0, sframe.length, metadata, 0);
    return { pairId, plaintext: frame };
  }

  /** Forgets the openers of every generation no longer held (KIDs of old tags are never looked up again). */
  private prune(source: GroupKeySource): void {
    for (const kid of [...this.openers.keys()]) this.openersFor(kid, source);
  }

  /** The openers made for this KID whose generation is still held (the others are dropped for good). */
  private openersFor(kid: number, source: GroupKeySource): Opener[] {
    const list = this.openers.get(kid);
    if (list === undefined) return [];
    const live = list.filter((o) => source.holds(o.peer, o.epoch.generation, o.epoch.tag));
    if (live.length !== list.length) {
      if (live.length === 0) this.openers.delete(kid);
      else this.openers.set(kid, live);
    }
    return live;
  }
}
