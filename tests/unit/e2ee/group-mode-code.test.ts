/**
 * The group code through group mode itself (protocol.md §11.6, §11.7): four members on fake time (time is passed in),
 * with real pair secrets from the key schedule, one of whom is dishonest. It holds its pair keys, so it can seal what it
 * likes: a different commitment to one member than to the others, or a second commitment for the same roster. The
 * first shows as codes that differ when read aloud; the second is refused (`second-commit`) and moves no code. While a
 * round runs, each member names the members whose part it still lacks (the popup's "waiting for …"): everyone at
 * first, no one once the round is complete, and the member that withholds its reveal, for as long as it does.
 */
import { describe, expect, it } from 'vitest';
import { equalBytes, toHex } from '../../../src/e2ee/bytes';
import { groupCommitment, sealCodeRecord } from '../../../src/e2ee/group-code';
import { deriveGroupPairKeys, type GroupPairKeys } from '../../../src/e2ee/group-wrap';
import { GroupMode } from '../../../src/e2ee/group-mode';
import type { CodeRecord, GroupRecord } from '../../../src/e2ee/group-records';
import { commitmentOf, derivePairSecrets, generateEphemeral, type PairSecrets } from '../../../src/e2ee/key-schedule';
import { randomIdentity, randomPid } from './group-helpers';

const SUITE = 4;
const NO_HOOKS = { onEncoderKeyFrame: () => undefined, onReceiverKeyFrame: () => undefined };

interface Member {
  name: string;
  pid: Uint8Array;
  identity: Uint8Array;
  mode: GroupMode;
  /** Its side of each pair, by the other's name. */
  secrets: Map<string, PairSecrets>;
}

async function pairSecrets(x: Member, y: Member): Promise<void> {
  const [ex, ey] = await Promise.all([generateEphemeral(), generateEphemeral()]);
  const sideX = { pid: x.pid, commitment: await commitmentOf(SUITE, x.pid, y.pid, ex.publicKey), ephemeralPublicKey: ex.publicKey };
  const sideY = { pid: y.pid, commitment: await commitmentOf(SUITE, y.pid, x.pid, ey.publicKey), ephemeralPublicKey: ey.publicKey };
  x.secrets.set(y.name, await derivePairSecrets({ suite: SUITE, myPrivateKey: ex.privateKey, mine: sideX, peer: sideY }));
  y.secrets.set(x.name, await derivePairSecrets({ suite: SUITE, myPrivateKey: ey.privateKey, mine: sideY, peer: sideX }));
}

/** Four members in group mode with each other (every pair confirmed and speaking group). */
async function fourMembers(): Promise<Member[]> {
  const members = ['A', 'B', 'C', 'D'].map((name): Member => {
    const pid = randomPid();
    const identity = randomIdentity();
    return { name, pid, identity, mode: new GroupMode(pid, identity, NO_HOOKS), secrets: new Map() };
  });
  for (let i = 0; i < members.length; i++) for (let j = i + 1; j < members.length; j++) await pairSecrets(members[i] as Member, members[j] as Member);
  for (const m of members) {
    const others = members.filter((o) => o !== m);
    for (const [pairId, o] of others.entries()) {
      const s = m.secrets.get(o.name) as PairSecrets;
      await m.mode.addPeer({ pid: o.pid, pairId: pairId + 1, identity: o.identity, sendSecret: s.sendSecret, receiveSecret: s.receiveSecret }, 0);
    }
    await m.mode.start(others.map((o) => o.pid), 0);
  }
  return members;
}

let now = 0;

/**
 * Delivers every member's due records to their addressees, 100 ms apart, until nothing is due. `rewrite` plays a
 * dishonest sender: it may replace what that sender sends, or withhold it (null). Returns every refusal counted, by
 * receiver.
 */
async function run(
  members: readonly Member[],
  rewrite: (from: Member, record: GroupRecord) => Promise<GroupRecord | null> = async (_, r) => r,
  rounds = 40,
): Promise<Map<string, string[]>> {
  const refused = new Map<string, string[]>(members.map((m) => [m.name, []]));
  for (let i = 0; i < rounds; i++) {
    now += 100;
    for (const from of members) {
      from.mode.tick(now);
      for (const original of from.mode.records(now)) {
        const record = await rewrite(from, original);
        if (record === null) continue;
        const to = members.find((m) => equalBytes(m.pid, record.to)) as Member;
        refused.get(to.name)?.push(...(await to.mode.handle(from.pid, [record])));
      }
    }
  }
  return refused;
}

const codeOf = (m: Member): string | undefined => m.mode.groupCode()?.code;
/** Whose part of the current round `m` still lacks, by name. */
const missingAt = (m: Member, members: readonly Member[]): string[] =>
  (m.mode.codeProgress()?.missing ?? []).map((pid) => members.find((x) => toHex(x.pid) === pid)?.name ?? pid).sort();

/** D's group keys toward `to`, as D holds them: it can seal any commitment or nonce it likes. */
async function keysOf(d: Member, to: Member): Promise<GroupPairKeys> {
  const s = d.secrets.get(to.name) as PairSecrets;
  return deriveGroupPairKeys(s.sendSecret, s.receiveSecret);
}

describe('whose part of the group code is missing (§11.7: the popup’s "waiting for …")', () => {
  it('every other member at first; the list shrinks to no one as the round completes', async () => {
    const members = await fourMembers();
    const [a] = members as [Member];
    for (const m of members) expect(missingAt(m, members)).toEqual(members.filter((x) => x !== m).map((x) => x.name));
    expect(a.mode.codeProgress()?.pids.sort()).toEqual(members.map((x) => toHex(x.pid)).sort());
    const sizes: number[] = [];
    for (let i = 0; i < 10; i++) {
      await run(members, undefined, 1);
      sizes.push(missingAt(a, members).length);
    }
    expect(sizes.at(-1)).toBe(0);
    expect(sizes.every((n, i) => i === 0 || n <= (sizes[i - 1] as number))).toBe(true);
    for (const m of members) {
      expect(missingAt(m, members)).toEqual([]);
      expect(codeOf(m)).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    }
  });

  it('a member that withholds its reveal is the one every other member names, until it reveals', async () => {
    const members = await fourMembers();
    const [a, b, c, d] = members as [Member, Member, Member, Member];
    const withhold = async (from: Member, record: GroupRecord) => (from === d && record.kind === 'code-reveal' ? null : record);
    await run(members, withhold);
    for (const m of [a, b, c]) {
      expect(missingAt(m, members)).toEqual(['D']);
      expect(codeOf(m)).toBeUndefined();
    }
    // D holds everyone's nonce, but no one has ACKed its reveal: it cannot tell who lacks it, so it names all three.
    expect(missingAt(d, members)).toEqual(['A', 'B', 'C']);
    expect(codeOf(d)).toBeUndefined();
    await run(members);
    for (const m of members) expect(missingAt(m, members)).toEqual([]);
    expect(new Set(members.map(codeOf)).size).toBe(1);
    expect(codeOf(a)).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
  });
});

describe('the group code in group mode, with a dishonest member (§11.7)', () => {
  it('honest members all hold one code over the four of them', async () => {
    const members = await fourMembers();
    const refused = await run(members);
    const code = codeOf(members[0] as Member);
    expect(code).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    for (const m of members) {
      expect(codeOf(m)).toBe(code);
      expect((m.mode.groupCode()?.pids ?? []).sort()).toEqual(members.map((x) => toHex(x.pid)).sort());
    }
    for (const list of refused.values()) expect(list).toEqual([]);
  });

  it('a member that commits to one member differently than to the others: that member’s code differs', async () => {
    const members = await fourMembers();
    const [a, b, c, d] = members as [Member, Member, Member, Member];
    const otherNonce = randomIdentity();
    // D tells C another nonce than it tells A and B (commitment and reveal alike, under its real keys with C).
    const rewrite = async (from: Member, record: GroupRecord): Promise<GroupRecord> => {
      if (from !== d || !equalBytes(record.to, c.pid) || (record.kind !== 'code-commit' && record.kind !== 'code-reveal')) return record;
      const value = record.kind === 'code-commit' ? await groupCommitment(d.pid, record.roster, otherNonce) : otherNonce;
      return sealCodeRecord(record.kind, await keysOf(d, c), d.pid, c.pid, record.round, record.roster, value);
    };
    const refused = await run(members, rewrite);
    const code = codeOf(a);
    expect(code).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    expect(codeOf(b)).toBe(code);
    expect(codeOf(d)).toBe(code);
    // C's round completed too, over another nonce of D's: read aloud, C's digits are not the others'.
    expect(codeOf(c)).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    expect(codeOf(c)).not.toBe(code);
    for (const list of refused.values()) expect(list).toEqual([]);
  });

  it('a second commitment for the same roster is refused, counted, not ACKed, and moves no code', async () => {
    const members = await fourMembers();
    const [, b, , d] = members as [Member, Member, Member, Member];
    let commitToB: CodeRecord | undefined;
    await run(members, async (from, record) => {
      if (from === d && record.kind === 'code-commit' && equalBytes(record.to, b.pid)) commitToB = record;
      return record;
    });
    const code = codeOf(b);
    expect(code).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    const first = commitToB as CodeRecord;
    const second = await sealCodeRecord(
      'code-commit',
      await keysOf(d, b),
      d.pid,
      b.pid,
      first.round,
      first.roster,
      await groupCommitment(d.pid, first.roster, randomIdentity()),
    );
    expect(await b.mode.handle(d.pid, [second])).toEqual(['second-commit']);
    expect(b.mode.records(now + 1000).filter((r) => r.kind === 'ack')).toEqual([]);
    // and its genuine commitment, replayed, is a duplicate: ACKed again, nothing refused
    expect(await b.mode.handle(d.pid, [first])).toEqual([]);
    expect(b.mode.records(now + 2000).filter((r) => r.kind === 'ack')).toHaveLength(1);
    expect(codeOf(b)).toBe(code);
  });
});
