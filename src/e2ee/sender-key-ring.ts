/**
 * One receiver's view of one member's sender keys (protocol.md §11.6), with the replay rules: which of its keys it
 * holds, and which of them a frame's KID may be under. It takes no time and holds no timers; nothing here touches a
 * frame.
 */
import { equalBytes } from './bytes';
import { HELD_GENERATIONS, MAX_STEPS_AHEAD, compareEpochs, parseGroupKid, ratchetSenderKey, type SenderKeyEpoch } from './group-keys';
import type { SenderKeyRecord } from './group-records';
import { openSenderKey, requirePids, type GroupPairKeys } from './group-wrap';

interface HeldGeneration {
  generation: number;
  tag: number;
  /** The lowest step held: nothing below it can be derived. */
  lowestStep: number;
  /** step → K(g, step), at most the two newest. */
  steps: Map<number, Uint8Array>;
  newestStep: number;
}

type SenderKeyOutcome = 'accepted' | 'duplicate' | 'stale' | 'conflicting' | 'bad-group-record';

/**
 * The keys one member sent us (§11.6): SENDER-KEYs are taken in strictly increasing (generation, step), a byte-equal
 * repeat of the last one is a duplicate (to be ACKed again), anything older is stale (a replay, or overtaken); at most
 * HELD_GENERATIONS generations are kept. `candidates` finds the keys a frame's KID may be under, deriving at most
 * MAX_STEPS_AHEAD steps forward; `confirm` keeps a derived step once a frame authenticated under it.
 */
export class SenderKeyRing {
  private last: { generation: number; step: number; sealed: Uint8Array } | null = null;
  private held: HeldGeneration[] = [];

  constructor(
    readonly myPid: Uint8Array,
    readonly peerPid: Uint8Array,
    private readonly keys: GroupPairKeys,
  ) {
    requirePids(peerPid, myPid);
    this.myPid = myPid.slice();
    this.peerPid = peerPid.slice();
  }

  /** The generations held, newest first. */
  get generations(): number[] {
    return this.held.map((h) => h.generation);
  }

  /** The tags of the generations held (for §11.2's tag choice). */
  get tags(): number[] {
    return this.held.map((h) => h.tag);
  }

  async accept(record: SenderKeyRecord): Promise<SenderKeyOutcome> {
    if (!equalBytes(record.to, this.myPid)) return 'bad-group-record';
    const last = this.last;
    if (last !== null) {
      const order = compareEpochs(record, last);
      if (order === 0) return equalBytes(record.sealed, last.sealed) ? 'duplicate' : 'conflicting';
      if (order < 0) return 'stale';
    }
    let epoch: SenderKeyEpoch;
    try {
      epoch = await openSenderKey(this.keys, this.peerPid, this.myPid, record);
    } catch {
      return 'bad-group-record';
    }
    this.last = { generation: record.generation, step: record.step, sealed: record.sealed.slice() };
    const newest = this.held[0];
    if (newest?.generation === epoch.generation && newest.tag === epoch.tag) {
      this.keep(newest, epoch.step, epoch.key);
    } else {
      const entry: HeldGeneration = {
        generation: epoch.generation,
        tag: epoch.tag,
        lowestStep: epoch.step,
        steps: new Map([[epoch.step, epoch.key]]),
        newestStep: epoch.step,
      };
      this.held = [entry, ...this.held].slice(0, HELD_GENERATIONS);
    }
    return 'accepted';
  }

  private keep(entry: HeldGeneration, step: number, key: Uint8Array): void {
    entry.steps.set(step, key);
    entry.newestStep = Math.max(entry.newestStep, step);
    const steps = [...entry.steps.keys()].sort((a, b) => b - a);
    for (const old of steps.slice(2)) entry.steps.delete(old);
    entry.lowestStep = Math.min(...entry.steps.keys());
  }

  /**
   * The epochs a frame with this KID may be under: every held generation with the KID's tag whose step is one we
   * hold or can derive (at or above the lowest held, at most MAX_STEPS_AHEAD past the newest). Empty for a KID that
   * is not a group KID. Derived steps are not kept: call `confirm` after the frame authenticates.
   */
  async candidates(kid: bigint): Promise<SenderKeyEpoch[]> {
    const parts = parseGroupKid(kid);
    if (parts === null) return [];
    const out: SenderKeyEpoch[] = [];
    for (const h of this.held) {
      if (h.tag !== parts.tag || parts.step < h.lowestStep || parts.step > h.newestStep + MAX_STEPS_AHEAD) continue;
      const from = Math.max(...[...h.steps.keys()].filter((s) => s <= parts.step));
      let epoch: SenderKeyEpoch = { generation: h.generation, step: from, tag: h.tag, key: h.steps.get(from) as Uint8Array };
      while (epoch.step < parts.step) epoch = await ratchetSenderKey(epoch);
      out.push(epoch);
    }
    return out;
  }

  /** A frame authenticated under `epoch`: keep its step (and drop steps older than the one before it). */
  confirm(epoch: SenderKeyEpoch): void {
    const h = this.held.find((e) => e.generation === epoch.generation && e.tag === epoch.tag);
    if (h !== undefined && epoch.step >= h.lowestStep) this.keep(h, epoch.step, epoch.key);
  }

  /** Drops every generation but the newest (§11.5: 10 s after the new one first decrypted). */
  dropPrevious(): void {
    this.held = this.held.slice(0, 1);
  }
}
