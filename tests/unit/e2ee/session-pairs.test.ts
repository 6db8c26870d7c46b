/** The session's pair table on its own: bounds, retirements, timeouts and signature failures (protocol.md §6.5). */
import { describe, expect, it } from 'vitest';
import { PRESENT_MS } from '../../../src/e2ee/group-presence';
import { toHex } from '../../../src/shared/bytes';
import { DEFAULT_SFRAME_SUITE } from '../../../src/e2ee/constants';
import { PairTable, type Entry } from '../../../src/e2ee/session-pairs';
import {
  PAIR_BURST,
  PAIR_LIMIT,
  PAIR_REFILL_MS,
  PENDING_PAIR_TIMEOUT_MS,
  PREVIOUS_PAIR_GRACE_MS,
  SIGN_RETRY_MS,
  randomPid,
} from '../../../src/e2ee/session-options';
import { FakeClock, makeIdentity } from './helpers';

async function table(
  clock: FakeClock,
  sign: (input: Uint8Array) => Promise<Uint8Array> = () => Promise.reject(new Error('no')),
  isCurrent: (entry: Entry) => boolean = () => false,
) {
  const identity = await makeIdentity();
  const myPid = randomPid();
  const log = { rejected: [] as string[], dropped: [] as Entry[], retiredPairs: [] as number[], signFailed: 0, signed: 0 };
  let queue: Promise<void> = Promise.resolve();
  const pairs = new PairTable(
    { now: clock.now, sign, onPairRetired: (id) => void log.retiredPairs.push(id) },
    {
      enqueue: (task) => (queue = queue.then(task)),
      reject: (reason) => void log.rejected.push(reason),
      dropped: (entry) => void log.dropped.push(entry),
      signed: () => void log.signed++,
      signFailed: () => void log.signFailed++,
      isCurrent,
    },
  );
  const context = { suite: DEFAULT_SFRAME_SUITE, myPid, identityPublicKey: identity.publicKey };
  const add = (stale = () => false) => {
    const pid = randomPid();
    return pairs.create(context, pid, toHex(pid), clock.now(), stale);
  };
  return { pairs, log, add, settled: () => queue };
}

describe('PairTable (§6.5)', () => {
  it('makes PAIR_BURST pairs at once, then one per PAIR_REFILL_MS; the rest are counted as rate-limited', async () => {
    const clock = new FakeClock();
    const t = await table(clock);
    for (let i = 0; i < PAIR_BURST + 2; i++) await t.add();
    expect([t.pairs.size, t.log.rejected]).toEqual([PAIR_BURST, ['rate-limited', 'rate-limited']]);
    clock.advance(PAIR_REFILL_MS);
    expect(await t.add()).not.toBeNull();
    expect(t.pairs.size).toBe(PAIR_BURST + 1);
  });

  it('holds at most PAIR_LIMIT: evicts the quietest confirmed pair of someone who left, else the oldest unconfirmed one', async () => {
    const clock = new FakeClock();
    const state: { current?: Entry } = {};
    const t = await table(clock, undefined, (entry) => entry === state.current);
    const made: Entry[] = [];
    for (let i = 0; i < PAIR_LIMIT; i++) {
      made.push((await t.add()) as Entry);
      clock.advance(PAIR_REFILL_MS);
    }
    for (const entry of made.slice(1)) {
      entry.promoted = true;
      entry.lastHeardAt = clock.now();
    }
    const newest = (await t.add()) as Entry;
    expect(newest).not.toBeNull();
    expect(t.log.dropped).toEqual([made[0]]);
    expect([t.pairs.isRetired(made[0]!.key), t.pairs.retiredCount, t.log.retiredPairs]).toEqual([true, 1, []]);
    newest.promoted = true;
    newest.lastHeardAt = clock.now();
    // Every confirmed participant present: nothing to evict.
    clock.advance(PAIR_REFILL_MS);
    expect(await t.add()).toBeNull();
    expect(t.log.rejected).toEqual(['too-many-pairs']);
    // Later, only some are still heard. The quietest one gone is evicted, never the current one, however quiet.
    clock.advance(PRESENT_MS);
    state.current = made[1] as Entry;
    made[2]!.lastHeardAt = clock.now() - PRESENT_MS; // gone too, but heard more recently than made[3]
    for (const entry of [...made.slice(4), newest]) entry.lastHeardAt = clock.now();
    const quietest = made[3] as Entry; // heard with the others at first, never since
    const older = (await t.add()) as Entry;
    expect(older).not.toBeNull();
    expect(t.log.dropped).toEqual([made[0], quietest]);
    expect(t.pairs.isRetired(quietest.key)).toBe(true);
    // It was let go while its participant may still hold it: heard again 40 s later under that pid, a retry is due.
    clock.advance(2 * PENDING_PAIR_TIMEOUT_MS);
    t.pairs.refuseRetired(quietest.key, clock.now());
    expect(t.pairs.retryDue('ff'.repeat(8), clock.now())).toBe(true);
  });

  it('a full table lets go of someone who left before a half-made pair, and a half-made pair it evicts is repaired', async () => {
    // Eight browsers (protocol.md §6.5): Carol's five steady pairs, the old pairs of two participants who restarted
    // (silent, not superseded yet) and the first one's new pair, still unconfirmed at Carol, confirmed at its side.
    const clock = new FakeClock();
    const t = await table(clock);
    const steady: Entry[] = [];
    const old: Entry[] = [];
    for (let i = 0; i < 7; i++) {
      const entry = (await t.add()) as Entry;
      entry.promoted = true;
      entry.lastHeardAt = clock.now();
      (i < 5 ? steady : old).push(entry);
      clock.advance(PAIR_REFILL_MS);
    }
    clock.advance(PRESENT_MS);
    for (const entry of steady) entry.lastHeardAt = clock.now();
    const heidi = (await t.add()) as Entry; // unconfirmed here
    clock.advance(PAIR_REFILL_MS);
    for (const entry of steady) entry.lastHeardAt = clock.now();
    // The second restarted participant's new pid: one of the silent old pairs goes, not Heidi's.
    expect(await t.add()).not.toBeNull();
    expect(t.log.dropped).toHaveLength(1);
    expect(old).toContain(t.log.dropped[0]);
    expect(t.pairs.get(heidi.key)).toBe(heidi);
    // With no one gone left to let go, the half-made pair is evicted after all — and noted: Heidi may hold it, so if
    // she is still heard under that pid 40 s later, a retry is due (§6.5), as after a timeout.
    clock.advance(PAIR_REFILL_MS);
    for (const entry of [...steady, ...old]) entry.lastHeardAt = clock.now();
    expect(await t.add()).not.toBeNull();
    expect(t.pairs.isRetired(heidi.key)).toBe(true);
    clock.advance(2 * PENDING_PAIR_TIMEOUT_MS);
    t.pairs.refuseRetired(heidi.key, clock.now());
    expect(t.pairs.retryDue('ff'.repeat(8), clock.now())).toBe(true);
  });

  it('drops a confirmed pair with its keys retired, and forgets retired pids on request', async () => {
    const clock = new FakeClock();
    const t = await table(clock);
    const entry = (await t.add()) as Entry;
    entry.promoted = true;
    t.pairs.drop(entry);
    t.pairs.drop(entry);
    expect([t.pairs.size, t.log.retiredPairs, t.log.dropped.length]).toEqual([0, [entry.pair.id], 1]);
    t.pairs.clearRetired();
    expect(t.pairs.isRetired(entry.key)).toBe(false);
  });

  it('keeps no pair made after the session moved on (stale)', async () => {
    const t = await table(new FakeClock());
    expect(await t.add(() => true)).toBeNull();
    expect(t.pairs.size).toBe(0);
  });

  it('drops an unconfirmed pair after PENDING_PAIR_TIMEOUT_MS, and a superseded one after its grace unless still talking', async () => {
    const clock = new FakeClock();
    const t = await table(clock);
    const pending = (await t.add()) as Entry;
    const talking = (await t.add()) as Entry;
    const gone = (await t.add()) as Entry;
    for (const entry of [talking, gone]) {
      entry.promoted = true;
      entry.retireAt = clock.now() + PREVIOUS_PAIR_GRACE_MS;
    }
    expect(t.pairs.agreeing()).toBe(true);
    clock.advance(PENDING_PAIR_TIMEOUT_MS);
    expect(t.pairs.tick(clock.now(), (entry) => entry === talking)).toBe(true);
    expect(t.log.dropped).toEqual([pending, gone]);
    expect([t.pairs.get(talking.key), talking.retireAt]).toEqual([talking, undefined]);
    expect(t.pairs.agreeing()).toBe(false);
    expect(t.pairs.tick(clock.now(), () => false)).toBe(false);
  });

  it('a pair that timed out with someone still heard 20 s later is due a retry on the lower pid, 40 s later on either (§6.5)', async () => {
    const clock = new FakeClock();
    const t = await table(clock);
    const failed = (await t.add()) as Entry;
    const evicted = (await t.add()) as Entry;
    t.pairs.drop(evicted); // retired, but not because it timed out
    clock.advance(PENDING_PAIR_TIMEOUT_MS);
    t.pairs.tick(clock.now(), () => false);
    expect(t.pairs.isRetired(failed.key)).toBe(true);
    const lower = '00'.repeat(8);
    const higher = 'ff'.repeat(8);
    // Heard right after: refused as a retired pid, but not due yet — the peer's own side may still time out and renew.
    t.pairs.refuseRetired(failed.key, clock.now());
    t.pairs.refuseRetired(evicted.key, clock.now());
    expect(t.log.rejected).toEqual(['retired-pid', 'retired-pid']);
    expect(t.pairs.retryDue(lower, clock.now())).toBe(false);
    // Still heard under that pid a full timeout later: due on the lower pid only.
    clock.advance(PENDING_PAIR_TIMEOUT_MS);
    t.pairs.refuseRetired(failed.key, clock.now());
    expect(t.pairs.retryDue(lower, clock.now())).toBe(true);
    expect(t.pairs.retryDue(higher, clock.now())).toBe(false);
    // Still heard twice that long after: the lower side did not restart, or the peer holds the pair; due on either.
    clock.advance(PENDING_PAIR_TIMEOUT_MS - 1);
    t.pairs.refuseRetired(failed.key, clock.now());
    expect(t.pairs.retryDue(higher, clock.now())).toBe(false);
    clock.advance(1);
    t.pairs.refuseRetired(failed.key, clock.now());
    expect([t.pairs.retryDue(lower, clock.now()), t.pairs.retryDue(higher, clock.now())]).toEqual([true, true]);
    // Once it is quiet for PRESENT_MS (3 s), it has left: nothing to retry.
    clock.advance(3000);
    expect([t.pairs.retryDue(lower, clock.now()), t.pairs.retryDue(higher, clock.now())]).toEqual([false, false]);
    // A fresh pid (a new session) forgets it.
    t.pairs.refuseRetired(failed.key, clock.now());
    expect(t.pairs.retryDue(lower, clock.now())).toBe(true);
    t.pairs.clearRetired();
    expect(t.pairs.retryDue(lower, clock.now())).toBe(false);
  });

  it('a confirmed pair retired at the end of its grace is noted for a retry, unless its participant came back (§6.5)', async () => {
    const clock = new FakeClock();
    const t = await table(clock);
    const retired = (await t.add()) as Entry;
    const cameBack = (await t.add()) as Entry;
    for (const entry of [retired, cameBack]) {
      entry.promoted = true;
      entry.retireAt = clock.now() + PREVIOUS_PAIR_GRACE_MS;
    }
    cameBack.cameBack = true; // superseded by the same identity: that participant is back under a new pid
    clock.advance(PREVIOUS_PAIR_GRACE_MS);
    t.pairs.tick(clock.now(), () => false);
    expect(t.log.dropped).toEqual([retired, cameBack]);
    clock.advance(2 * PENDING_PAIR_TIMEOUT_MS);
    const higher = 'ff'.repeat(8);
    t.pairs.refuseRetired(cameBack.key, clock.now());
    expect(t.pairs.retryDue(higher, clock.now())).toBe(false);
    t.pairs.refuseRetired(retired.key, clock.now());
    expect(t.pairs.retryDue(higher, clock.now())).toBe(true);
  });

  it('a refused signature is a failure noted on the entry; the retry waits SIGN_RETRY_MS', async () => {
    const clock = new FakeClock();
    const t = await table(clock);
    const entry = (await t.add()) as Entry;
    t.pairs.startSigning(entry); // no keys yet: signingInput throws, which is a failure like a refusal
    expect(entry.signPending).toBe(true);
    await Promise.allSettled(t.pairs.pendingSignatures());
    await t.settled();
    expect([entry.signPending, entry.signFailedAt, t.log.signFailed, t.log.signed]).toEqual([false, clock.now(), 1, 0]);
    expect(t.pairs.pendingSignatures()).toEqual([]);
    clock.advance(SIGN_RETRY_MS - 1);
    t.pairs.tick(clock.now(), () => false);
    expect(entry.signPending).toBe(false);
    clock.advance(1);
    t.pairs.tick(clock.now(), () => false);
    expect([entry.signPending, entry.signFailedAt]).toEqual([true, undefined]);
  });
});
