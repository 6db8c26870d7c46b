/**
 * The group code rounds (protocol.md §11.7): equal for everyone who sees the same people, and made by a
 * commit-then-reveal round that reveals nothing before every commitment is in. Rounds run between real participants
 * whose records are sealed under real pair keys (group-helpers.ts).
 */
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../../../src/e2ee/bytes';
import { sealCodeRecord } from '../../../src/e2ee/group-code';
import { GroupCodeRound, type CodeOutcome } from '../../../src/e2ee/group-code-round';
import { RECORD_SENDER_KEY, type CodeRecord } from '../../../src/e2ee/group-records';
import { RECORD_REPEAT_MS } from '../../../src/e2ee/group-keys';
import { makeAck } from '../../../src/e2ee/group-wrap';
import { get, join, makeGroup, randomIdentity, randomPid, type Participant } from './group-helpers';

type Group = Map<string, Participant>;

/** The time the rounds are told (records go out at most every RECORD_REPEAT_MS). */
let clock = 0;

/** Each participant's round, with `names` as members (everyone else in `members`). */
function rounds(group: Group): Map<string, GroupCodeRound> {
  return new Map([...group.values()].map((p) => [p.name, new GroupCodeRound(p.pid, p.identity)]));
}

async function setMembers(group: Group, rs: Map<string, GroupCodeRound>, at: string, members: readonly string[]) {
  const me = get(group, at);
  await (rs.get(at) as GroupCodeRound).setMembers(
    members.map((n) => ({ pid: get(group, n).pid, identity: get(group, n).identity, keys: me.keys.get(n) as never })),
  );
}

/** Delivers every record (and the ACKs back) until nothing is pending, or `limit` passes. Returns outcomes seen. */
async function settle(
  group: Group,
  rs: Map<string, GroupCodeRound>,
  limit = 10,
  log: { from: Uint8Array; to: string; record: CodeRecord }[] = [],
): Promise<CodeOutcome[]> {
  const byPid = new Map([...group.values()].map((p) => [Buffer.from(p.pid).toString('hex'), p]));
  const seen: CodeOutcome[] = [];
  for (let i = 0; i < limit; i++) {
    let sent = 0;
    clock += RECORD_REPEAT_MS;
    for (const [name, round] of rs) {
      const sender = get(group, name);
      for (const record of await round.records(clock)) {
        sent++;
        const to = byPid.get(Buffer.from(record.to).toString('hex')) as Participant;
        log.push({ from: sender.pid, to: to.name, record });
        const { outcome, ack } = await (rs.get(to.name) as GroupCodeRound).handleRecord(sender.pid, record);
        seen.push(outcome);
        if (ack !== null) await round.handleAck(to.pid, ack);
      }
    }
    if (sent === 0) break;
  }
  return seen;
}

async function codes(rs: Map<string, GroupCodeRound>, names: readonly string[]): Promise<(string | null)[]> {
  return Promise.all(names.map((n) => (rs.get(n) as GroupCodeRound).code()));
}

describe('group code rounds (§11.7)', () => {
  it('everyone gets the same code, whatever order they learnt of each other in', async () => {
    const g = await makeGroup(['A', 'B', 'C']);
    const rs = rounds(g);
    await setMembers(g, rs, 'A', ['B', 'C']);
    await setMembers(g, rs, 'B', ['C', 'A']);
    await setMembers(g, rs, 'C', ['A', 'B']);
    const outcomes = await settle(g, rs);
    expect(outcomes.every((o) => o === 'accepted')).toBe(true);
    const [ca, cb, cc] = await codes(rs, ['A', 'B', 'C']);
    expect(ca).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    expect(cb).toBe(ca);
    expect(cc).toBe(ca);
    // and it is the code over exactly their pids, identities and revealed nonces — so not dependent on who joined first
    expect([...rs.values()].every((r) => r.waitingFor().length === 0)).toBe(true);
  });

  it('the code is the same when people join in a different order, and changes when the membership changes', async () => {
    const g = await makeGroup(['A', 'B']);
    const rs = rounds(g);
    await setMembers(g, rs, 'A', ['B']);
    await setMembers(g, rs, 'B', ['A']);
    await settle(g, rs);
    const twoPeople = await (rs.get('A') as GroupCodeRound).code();
    expect(await (rs.get('B') as GroupCodeRound).code()).toBe(twoPeople);

    await join(g, 'C');
    rs.set('C', new GroupCodeRound(get(g, 'C').pid, get(g, 'C').identity));
    // C learns of B first, A learns of C late: order of arrival does not matter
    await setMembers(g, rs, 'C', ['B', 'A']);
    await setMembers(g, rs, 'B', ['A', 'C']);
    await settle(g, rs, 2);
    expect(await (rs.get('B') as GroupCodeRound).code()).toBeNull(); // A has not committed to the new roster yet
    expect((rs.get('B') as GroupCodeRound).waitingFor().map((p) => equalBytes(p, get(g, 'A').pid))).toContain(true);
    await setMembers(g, rs, 'A', ['C', 'B']);
    await settle(g, rs);
    const three = await codes(rs, ['A', 'B', 'C']);
    expect(new Set(three).size).toBe(1);
    expect(three[0]).not.toBeNull();
    expect(three[0]).not.toBe(twoPeople);

    // C leaves: the roster of A and B comes back, with its nonces and its code
    await setMembers(g, rs, 'A', ['B']);
    await setMembers(g, rs, 'B', ['A']);
    await settle(g, rs);
    expect(await (rs.get('A') as GroupCodeRound).code()).toBe(twoPeople);
    expect(await (rs.get('B') as GroupCodeRound).code()).toBe(twoPeople);
  });

  it('nobody reveals before holding every member’s commitment', async () => {
    const g = await makeGroup(['A', 'B', 'C']);
    const rs = rounds(g);
    await setMembers(g, rs, 'A', ['B', 'C']);
    await setMembers(g, rs, 'B', ['A', 'C']); // C has not started: it never commits
    await settle(g, rs);
    const a = rs.get('A') as GroupCodeRound;
    expect(a.canReveal).toBe(false);
    expect((await a.records(clock + RECORD_REPEAT_MS)).map((r) => r.kind)).toEqual(['code-commit']); // only C's commit
    expect(await a.code()).toBeNull();
    expect(a.waitingFor().map((p) => [...p])).toHaveLength(2);
  });

  it('replayed, forged and out-of-order records change nothing', async () => {
    const g = await makeGroup(['A', 'B', 'C']);
    const [a, b] = [get(g, 'A'), get(g, 'B')];
    const rs = rounds(g);
    await setMembers(g, rs, 'A', ['B', 'C']);
    await setMembers(g, rs, 'B', ['A', 'C']);
    await setMembers(g, rs, 'C', ['A', 'B']);
    const ra = rs.get('A') as GroupCodeRound;
    const rb = rs.get('B') as GroupCodeRound;
    const commitToB = (await ra.records(clock)).find((r) => equalBytes(r.to, b.pid)) as CodeRecord;

    // a reveal before its commit
    const roster = ra.roster as Uint8Array;
    const early = await sealCodeRecord('code-reveal', a.keys.get('B') as never, a.pid, b.pid, 1, roster, randomIdentity());
    expect((await rb.handleRecord(a.pid, early)).outcome).toBe('reveal-before-commit');
    expect((await rb.handleRecord(a.pid, commitToB)).outcome).toBe('accepted');
    const again = await rb.handleRecord(a.pid, commitToB);
    expect(again.outcome).toBe('duplicate');
    expect(again.ack).not.toBeNull(); // a duplicate is ACKed again
    // another commitment for the same roster: refused, even a genuine-looking one
    const second = await sealCodeRecord('code-commit', a.keys.get('B') as never, a.pid, b.pid, 7, roster, randomIdentity());
    expect((await rb.handleRecord(a.pid, second)).outcome).toBe('second-commit');
    // a reveal that does not open the commitment
    expect((await rb.handleRecord(a.pid, early)).outcome).toBe('bad-opening');
    // a record for B replayed to C, or from the wrong member
    const rc = rs.get('C') as GroupCodeRound;
    expect((await rc.handleRecord(a.pid, { ...commitToB, to: get(g, 'C').pid })).outcome).toBe('bad-group-record');
    expect((await rb.handleRecord(get(g, 'C').pid, commitToB)).outcome).toBe('bad-group-record');
    expect((await rb.handleRecord(randomPid(), commitToB)).outcome).toBe('unknown-member');

    const log: { from: Uint8Array; to: string; record: CodeRecord }[] = [];
    await settle(g, rs, 10, log);
    const done = await codes(rs, ['A', 'B', 'C']);
    expect(new Set(done).size).toBe(1);
    expect(done[0]).not.toBeNull();
    // every record replayed after the round, in reverse order: duplicates (ACKed again), and no code moves
    for (const { from, to, record } of log.reverse()) {
      const { outcome, ack } = await (rs.get(to) as GroupCodeRound).handleRecord(from, record);
      expect(outcome).toBe('duplicate');
      expect(ack).not.toBeNull();
    }
    // a different reveal for a roster already revealed: refused
    const otherReveal = await sealCodeRecord('code-reveal', a.keys.get('B') as never, a.pid, b.pid, ra.round as number, roster, randomIdentity());
    expect((await rb.handleRecord(a.pid, otherReveal)).outcome).toBe('second-reveal');
    expect(await codes(rs, ['A', 'B', 'C'])).toEqual(done);
  });

  it('ACKs clear only what they name, and only from their member', async () => {
    const g = await makeGroup(['A', 'B', 'C']);
    const [a, b, c] = [get(g, 'A'), get(g, 'B'), get(g, 'C')];
    const rs = rounds(g);
    await setMembers(g, rs, 'A', ['B', 'C']);
    const ra = rs.get('A') as GroupCodeRound;
    expect(await ra.records(clock)).toHaveLength(2);
    expect(await ra.records(clock + RECORD_REPEAT_MS - 1)).toHaveLength(0); // at most every 100 ms
    const fromC = await makeAck(c.keys.get('A') as never, c.pid, a.pid, 0x06, ra.round as number);
    expect(await ra.handleAck(b.pid, fromC)).toBe('bad-mac');
    const wrongRound = await makeAck(b.keys.get('A') as never, b.pid, a.pid, 0x06, (ra.round as number) + 1);
    expect(await ra.handleAck(b.pid, wrongRound)).toBe('stale');
    const wrongKind = await makeAck(b.keys.get('A') as never, b.pid, a.pid, RECORD_SENDER_KEY, ra.round as number);
    expect(await ra.handleAck(b.pid, wrongKind)).toBe('stale');
    expect(await ra.records(clock + RECORD_REPEAT_MS)).toHaveLength(2);
    expect(await ra.handleAck(b.pid, await makeAck(b.keys.get('A') as never, b.pid, a.pid, 0x06, ra.round as number))).toBe('accepted');
    expect((await ra.records(clock + 2 * RECORD_REPEAT_MS)).map((r) => equalBytes(r.to, c.pid))).toEqual([true]);
  });

  it('a man in the middle of one pair makes the codes differ', async () => {
    // M sits between A and B: A sees M's identity as "B", B sees another as "A". Everything else is honest.
    const g = await makeGroup(['A', 'B', 'C']);
    const [a, b, c] = [get(g, 'A'), get(g, 'B'), get(g, 'C')];
    const rs = new Map([
      ['A', new GroupCodeRound(a.pid, a.identity)],
      ['B', new GroupCodeRound(b.pid, b.identity)],
      ['C', new GroupCodeRound(c.pid, c.identity)],
    ]);
    const mIdentityAsB = randomIdentity();
    await (rs.get('A') as GroupCodeRound).setMembers([
      { pid: b.pid, identity: mIdentityAsB, keys: a.keys.get('B') as never },
      { pid: c.pid, identity: c.identity, keys: a.keys.get('C') as never },
    ]);
    await setMembers(g, rs, 'B', ['A', 'C']);
    await setMembers(g, rs, 'C', ['A', 'B']);
    // the records travel as they would; only the views differ, which a man in the middle cannot avoid (§11.7)
    await settle(g, rs);
    const [ca, cb, cc] = await codes(rs, ['A', 'B', 'C']);
    expect(cb).toBe(cc);
    expect(ca).not.toBeNull();
    expect(ca).not.toBe(cb);
  });
});
