/**
 * The group code's derivations and CODE records (protocol.md §11.7): order-independent, new with every membership
 * change, and a sealed commitment opens only for its member under its round and roster. The rounds that make the code
 * are tested in group-code-round.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { groupCode, groupCommitment, openCodeRecord, rosterDigest, sealCodeRecord } from '../../../src/e2ee/group-code';
import type { CodeRecord } from '../../../src/e2ee/group-records';
import { expectE2eeRejection, flipBit } from './helpers';
import { get, makeGroup, randomIdentity, randomPid } from './group-helpers';

describe('roster and code (§11.7)', () => {
  it('do not depend on order, and change with the membership', async () => {
    const [a, b, c, d] = [randomPid(), randomPid(), randomPid(), randomPid()];
    expect(await rosterDigest([a, b, c])).toEqual(await rosterDigest([c, a, b]));
    expect(await rosterDigest([a, b, c])).not.toEqual(await rosterDigest([a, b, c, d]));
    expect(await rosterDigest([a, b])).not.toEqual(await rosterDigest([a, c]));
    await expectE2eeRejection(() => rosterDigest([a, a]), 'invalid-argument');
    const members = [a, b, c].map((pid) => ({ pid, identity: randomIdentity(), nonce: randomIdentity() }));
    const code = await groupCode(members);
    expect(code).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    expect(await groupCode([members[2], members[0], members[1]] as typeof members)).toBe(code);
    expect(await groupCode(members.slice(0, 2))).not.toBe(code);
    const otherIdentity = members.map((m, i) => (i === 1 ? { ...m, identity: randomIdentity() } : m));
    expect(await groupCode(otherIdentity)).not.toBe(code);
    const otherNonce = members.map((m, i) => (i === 2 ? { ...m, nonce: randomIdentity() } : m));
    expect(await groupCode(otherNonce)).not.toBe(code);
    await expectE2eeRejection(() => groupCode(members.slice(0, 1)), 'invalid-argument');
    await expectE2eeRejection(() => rosterDigest(Array.from({ length: 9 }, randomPid)), 'invalid-argument');
  });

  it('a sealed commitment opens only for its member, under its round and roster', async () => {
    const g = await makeGroup(['A', 'B', 'C']);
    const [a, b, c] = [get(g, 'A'), get(g, 'B'), get(g, 'C')];
    const roster = await rosterDigest([a.pid, b.pid, c.pid]);
    const value = await groupCommitment(a.pid, roster, randomIdentity());
    const record = await sealCodeRecord('code-commit', a.keys.get('B') as never, a.pid, b.pid, 1, roster, value);
    expect(await openCodeRecord(b.keys.get('A') as never, a.pid, b.pid, record)).toEqual(value);
    const bad: CodeRecord[] = [
      { ...record, round: 2 },
      { ...record, roster: flipBit(roster, 0) },
      { ...record, kind: 'code-reveal' },
      { ...record, sealed: flipBit(record.sealed, 3) },
    ];
    for (const r of bad) await expectE2eeRejection(() => openCodeRecord(b.keys.get('A') as never, a.pid, b.pid, r), 'bad-group-record');
    await expectE2eeRejection(() => openCodeRecord(c.keys.get('A') as never, a.pid, c.pid, { ...record, to: c.pid }), 'bad-group-record');
  });
});
