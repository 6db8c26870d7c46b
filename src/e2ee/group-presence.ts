/**
 * Who is in the call (protocol.md §6.6): a session that hears more than one other participant at once is in a group
 * call, which version 2 does not encrypt yet. Pure functions over what the session records per pair: when it was
 * confirmed, and when its participant was last heard (a packet from its pid; never media, see CallSession).
 *
 * Why "heard after the newest confirmation": when a peer reloads or rejoins, its new pid confirms while its old pid
 * has just gone quiet — the old one is never heard again after the new one's confirmation. Two participants who are
 * really both there keep being heard after each other's confirmation. A side with a current pair announces itself at
 * least once a second (§6.1), four times a second in a group call, so every participant of a group hears every other
 * even when it cannot decrypt its media, and a lossy network does not make it seem to leave.
 */

/** A participant counts as present while heard this recently. */
export const PRESENT_MS = 3000;
/** A group call lasts until no second participant has been present for this long (no flapping). */
export const GROUP_LINGER_MS = 5000;
/** A side with a current pair and nothing else to say still announces itself this often. */
export const ANNOUNCE_INTERVAL_MS = 1000;
/**
 * The same in a group call (§6.1, §6.6): a member not heard for PRESENT_MS leaves and every sender rotates (§11.5), so
 * it takes twelve announces lost in a row, not three, to make a member seem to leave.
 */
export const GROUP_ANNOUNCE_INTERVAL_MS = 250;
/**
 * A pair of another identity that confirms while the current participant was heard this recently is not shown at
 * once: within this time the current participant is heard again (a group call) or not (a takeover, §6.3).
 */
export const SETTLE_MS = 1000;
/** Media decrypted under the same pair is noted at most this often (the per-frame path stays lean). */
export const HEARD_RESOLUTION_MS = 200;

interface Presence {
  /** When the pair was confirmed (undefined: not confirmed). */
  confirmedAt?: number;
  /** When its participant was last heard. */
  lastHeardAt?: number;
}

export function isPresent(entry: Presence, now: number): boolean {
  return entry.lastHeardAt !== undefined && now - entry.lastHeardAt < PRESENT_MS;
}

/** More than one confirmed participant present, each heard since the newest of them was confirmed. */
export function groupDetected(entries: readonly Presence[], now: number): boolean {
  const present = entries.filter((e) => e.confirmedAt !== undefined && isPresent(e, now));
  if (present.length < 2) return false;
  let newest = Number.NEGATIVE_INFINITY;
  for (const e of present) newest = Math.max(newest, e.confirmedAt as number);
  let heard = 0;
  for (const e of present) if (e.confirmedAt === newest || (e.lastHeardAt as number) > newest) heard++;
  return heard >= 2;
}

/** Up to 8 people: 7 others (protocol.md §11.9). */
export const MAX_GROUP_OTHERS = 7;
/** More than MAX_GROUP_OTHERS present for this long stops encryption; as long at or under it resumes it. */
export const GROUP_LIMIT_SETTLE_MS = 5000;

/**
 * §11.9: whether the group is too large to encrypt, with a 5 s hysteresis each way, so that a reload (whose old pid
 * stays present for up to 3 s next to its new one) never flips a full group of 8 into `group-too-large`.
 */
export class GroupSizeLimit {
  private exceeded = false;
  private since = Number.NEGATIVE_INFINITY;

  get tooLarge(): boolean {
    return this.exceeded;
  }

  /** The number of other confirmed participants present now; true when the verdict changed. */
  update(present: number, now: number): boolean {
    const over = present > MAX_GROUP_OTHERS;
    if (over === this.exceeded) {
      this.since = Number.NEGATIVE_INFINITY;
      return false;
    }
    if (this.since === Number.NEGATIVE_INFINITY) this.since = now;
    if (now - this.since < GROUP_LIMIT_SETTLE_MS) return false;
    this.exceeded = over;
    this.since = Number.NEGATIVE_INFINITY;
    return true;
  }
}
