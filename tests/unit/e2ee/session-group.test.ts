/**
 * The group side of a session on its own (protocol.md §6.6): presence, a group with a participant that does not speak
 * group (§11.3), settling, and the group's end. Its sender keys (§11) run through whole sessions in group-call tests.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/shared/bytes';
import { DEFAULT_SFRAME_SUITE } from '../../../src/e2ee/constants';
import { GROUP_LINGER_MS, PRESENT_MS, SETTLE_MS } from '../../../src/e2ee/group-presence';
import { SessionGroup } from '../../../src/e2ee/session-group';
import { PairTable, type Entry } from '../../../src/e2ee/session-pairs';
import { PREVIOUS_PAIR_GRACE_MS, randomPid } from '../../../src/e2ee/session-options';
import { FakeClock, makeIdentity } from './helpers';

async function groupOf(clock: FakeClock) {
  const identity = await makeIdentity();
  const myPid = randomPid();
  const log = { emitted: 0, madeCurrent: [] as Entry[] };
  let current: Entry | null = null;
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (task: () => Promise<void> | void) => (queue = queue.then(task));
  const sign = () => Promise.reject(new Error('not in these tests'));
  const pairs = new PairTable(
    { now: clock.now, sign, onPairRetired: () => undefined },
    { enqueue, reject: () => undefined, dropped: () => undefined, signed: () => undefined, signFailed: () => undefined, isCurrent: (entry) => entry === current },
  );
  const group = new SessionGroup({
    pairs,
    identityPublicKey: () => identity.publicKey,
    now: clock.now,
    pid: () => myPid,
    current: () => current,
    enqueue,
    emit: () => void log.emitted++,
    reject: () => undefined,
    makeCurrent: (stay) => {
      log.madeCurrent.push(stay);
      current = stay;
    },
    keyFrame: () => undefined,
  });
  /** A participant whose pair confirmed now (these pairs never speak group: no CONFIRM was exchanged). */
  const confirmed = async (): Promise<Entry> => {
    const pid = randomPid();
    const context = { suite: DEFAULT_SFRAME_SUITE, myPid, identityPublicKey: identity.publicKey };
    const entry = (await pairs.create(context, pid, toHex(pid), clock.now(), () => false)) as Entry;
    entry.promoted = true;
    entry.confirmedAt = clock.now();
    entry.lastHeardAt = clock.now();
    return entry;
  };
  /** Alice (current) and bob confirmed, and alice heard after bob's confirmation: two participants present. */
  const aliceAndBob = async (): Promise<{ alice: Entry; bob: Entry }> => {
    const alice = await confirmed();
    current = alice;
    clock.advance(100);
    const bob = await confirmed();
    clock.advance(100);
    group.heard(alice, clock.now());
    return { alice, bob };
  };
  return { group, log, confirmed, aliceAndBob, setCurrent: (entry: Entry) => void (current = entry) };
}

describe('SessionGroup (§6.6)', () => {
  it('says nothing outside a group: the session decides alone', async () => {
    const clock = new FakeClock();
    const g = await groupOf(clock);
    g.setCurrent(await g.confirmed());
    g.group.tick(clock.now());
    expect([g.group.sendMode(true, true), g.group.status(1, DEFAULT_SFRAME_SUITE, true), g.group.keys]).toEqual([null, null, null]);
    expect([g.group.end(), g.log.emitted]).toEqual([false, 0]);
  });

  it('a group in which someone does not speak group is unencrypted where policy allows plaintext, else blocked', async () => {
    const clock = new FakeClock();
    const g = await groupOf(clock);
    await g.aliceAndBob();
    expect(g.log.emitted).toBe(1);
    expect(g.group.sendMode(true, true)).toBe('plain');
    expect(g.group.sendMode(true, false)).toBe('hold');
    expect(g.group.status(2, DEFAULT_SFRAME_SUITE, true)).toEqual({ state: 'unencrypted', epoch: 2, detail: 'group-call' });
    expect(g.group.status(2, DEFAULT_SFRAME_SUITE, false)).toEqual({ state: 'blocked', epoch: 2, detail: 'group-call' });
    expect(g.group.end()).toBe(true);
  });

  it('when the group is over, sends to whoever is still there; the pairs of those who left retire', async () => {
    const clock = new FakeClock();
    const g = await groupOf(clock);
    const { alice, bob } = await g.aliceAndBob();
    // Alice leaves: only bob is heard from now on.
    for (let t = 0; t < PRESENT_MS + GROUP_LINGER_MS; t += 500) {
      clock.advance(500);
      g.group.heard(bob, clock.now());
      g.group.tick(clock.now());
    }
    expect(g.log.madeCurrent).toEqual([bob]);
    expect(alice.retireAt).toBeGreaterThan(clock.now());
    expect(alice.retireAt).toBeLessThanOrEqual(clock.now() + PREVIOUS_PAIR_GRACE_MS);
    expect(g.group.sendMode(true, true)).toBeNull();
  });

  it('holds a new identity back for SETTLE_MS when the current participant was heard a moment ago', async () => {
    const clock = new FakeClock();
    const g = await groupOf(clock);
    const alice = await g.confirmed();
    clock.advance(SETTLE_MS);
    g.group.settle(alice, clock.now()); // alice last heard SETTLE_MS ago: no doubt, a takeover or a reload
    expect(g.group.isSettling()).toBe(false);
    g.group.heard(alice, clock.now());
    g.group.settle(alice, clock.now());
    expect(g.group.isSettling()).toBe(true);
    clock.advance(SETTLE_MS);
    expect(g.group.isSettling()).toBe(false);
  });

  it('a superseded participant heard after it was superseded is still talking, silent or not at the end of its grace', async () => {
    const clock = new FakeClock();
    const g = await groupOf(clock);
    const old = await g.confirmed();
    clock.advance(100);
    old.lastHeardAt = clock.now(); // heard before it was superseded: that does not count
    clock.advance(100);
    const current = await g.confirmed();
    g.setCurrent(current);
    old.retireAt = clock.now() + PREVIOUS_PAIR_GRACE_MS; // superseded now, as the session does (§6.2)
    expect(g.group.stillTalking(old)).toBe(false);
    clock.advance(100);
    old.lastHeardAt = clock.now();
    expect([g.group.stillTalking(old), g.group.stillTalking(current)]).toEqual([true, false]);
    // Silent for longer than PRESENT_MS as its grace ends: still a participant of the call (§6.6), kept.
    clock.advance(PRESENT_MS + 1);
    expect(g.group.stillTalking(old)).toBe(true);
  });
});
