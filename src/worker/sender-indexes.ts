/**
 * Sender indexes (protocol.md §5.3): each local RTP sender that sends media holds one of 256 indexes, hence its own
 * KID, key and SFrame counter. Pages make hundreds of senders over their life (renegotiation, screen shares, tracks
 * added and removed), and Chromium never ends a send transform's streams when its connection closes or its
 * transceiver stops, so indexes cannot be handed back at the end of a stream. Instead:
 * - an index is taken on a sender's first frame, not when its transform is made (senders that never send — receive
 *   only, never negotiated, closed before sending — never hold one);
 * - the lowest free index is taken; when none is free, the one of the sender idle longest, if idle for IDLE_MS, is
 *   taken over (that sender takes another when it sends again);
 * - an index is held by one sender at a time, so no two live senders share a KID. Under the same pair, an index taken
 *   again goes on with that index's counter (the key ring keeps it for the pair's life), so no nonce is used twice.
 */

export const SENDER_INDEXES = 256;
/** A sender that sent nothing for this long may lose its index to a new sender when all are taken. */
export const IDLE_MS = 5000;

/** One send transform's claim on an index. */
export interface SenderSlot {
  /** The index for a frame sent now, or undefined when all 256 are held by senders active within IDLE_MS. */
  take(): number | undefined;
}

interface Holder {
  lastUsedAt: number;
}

export class SenderIndexes {
  private readonly holders: (Holder | undefined)[] = new Array<Holder | undefined>(SENDER_INDEXES);

  constructor(private readonly now: () => number) {}

  /** A new sender's slot: it holds no index until it sends. */
  slot(): SenderSlot {
    const holder: Holder = { lastUsedAt: Number.NEGATIVE_INFINITY };
    let index: number | undefined;
    return {
      take: () => {
        const now = this.now();
        if (index === undefined || this.holders[index] !== holder) index = this.claim(holder, now);
        if (index !== undefined) holder.lastUsedAt = now;
        return index;
      },
    };
  }

  /** An index held for good (tests, and senders that must never move). */
  permanent(): number | undefined {
    const holder: Holder = { lastUsedAt: Number.POSITIVE_INFINITY };
    return this.claim(holder, this.now());
  }

  /** How many indexes are held. */
  get held(): number {
    return this.holders.filter((h) => h !== undefined).length;
  }

  private claim(holder: Holder, now: number): number | undefined {
    let idlest: number | undefined;
    for (let i = 0; i < SENDER_INDEXES; i++) {
      const current = this.holders[i];
      if (current === undefined) {
        this.holders[i] = holder;
        return i;
      }
      if (now - current.lastUsedAt >= IDLE_MS && (idlest === undefined || current.lastUsedAt < (this.holders[idlest] as Holder).lastUsedAt)) {
        idlest = i;
      }
    }
    if (idlest === undefined) return undefined;
    this.holders[idlest] = holder;
    return idlest;
  }
}
