/**
 * Groups where not everyone can join the sender keys (protocol.md §11.3, §11.9), on fake time with real WebCrypto and
 * real signatures, frames fanned out as an SFU does (each sender's audio and video on their own synchronization
 * source):
 * - a 1:1-only CallSeal (its CONFIRM without the group capability): the others run the group among themselves and list
 *   it as `needs-update`, with its pair's code; it cannot decrypt them, and its plain media is not played; it shows
 *   §6.6's group state itself. Under `required` nothing goes out in clear.
 * - participants without CallSeal are counted from their plain streams (`withoutCallSeal`), next to the members.
 */
import { describe, expect, it } from 'vitest';
import type { ReportParticipant } from '../../../src/shared/messages';
import { MEDIA, clock, contains, party, settle, until, type Party } from './support/call-harness';

const SECRET = MEDIA.subarray(1);
const SLOW = 30_000;

/**
 * One audio frame from each party to every other (and a video frame from those in `withVideo`), then `ms` of time;
 * returns every frame put on the wire.
 */
async function fanout(parties: readonly Party[], withVideo: readonly Party[] = [], ms = 20): Promise<Uint8Array[]> {
  const sent: Uint8Array[] = [];
  for (const from of parties) {
    for (const kind of withVideo.includes(from) ? (['audio', 'video'] as const) : (['audio'] as const)) {
      const wire = await from.send(MEDIA, kind);
      if (!wire) continue;
      sent.push(wire);
      for (const to of parties) if (to !== from) await to.receive(wire, kind, from.ssrc[kind]);
    }
  }
  clock.advance(ms);
  await settle();
  return sent;
}

const participants = (p: Party): ReportParticipant[] => p.reports.at(-1)?.participants ?? [];
const keyOf = (p: Party): string => Buffer.from(p.identity.publicKey).toString('base64');
const listed = (p: Party, other: Party): ReportParticipant | undefined => participants(p).find((x) => x.peerIdentityPublicKey === keyOf(other));

/** `members` are encrypted with each other, and each lists `legacy` as needing an update. */
function membersEncrypted(members: readonly Party[], legacy: Party): boolean {
  return members.every(
    (p) =>
      p.state() === 'encrypted' &&
      participants(p).length === members.length &&
      members.every((m) => m === p || listed(p, m)?.state === 'encrypted') &&
      listed(p, legacy)?.state === 'needs-update',
  );
}

/** A frame that `to` plays as the original media. */
async function plays(wire: Uint8Array | null, to: Party, from: Party): Promise<boolean> {
  if (wire === null) return false;
  const out = await to.receive(wire, 'audio', from.ssrc.audio);
  return out !== null && out.length === MEDIA.length && contains(out, SECRET);
}

function explain(people: readonly Party[]): string {
  return people
    .map((p) => `${p.state()}/${p.detail()} [${participants(p).map((x) => x.state).join(' ')}] ${p.reports.at(-1)?.withoutCallSeal ?? ''}`)
    .join('; ');
}

describe('a 1:1-only CallSeal in a group (§11.3)', () => {
  it('allowed: the others are encrypted among themselves and list it as needing an update; it decrypts nothing', async () => {
    const [alice, bob, carol] = await Promise.all([party(), party(), party({ group: false })]);
    const people = [alice, bob, carol];
    await until(() => membersEncrypted([alice, bob], carol), () => fanout(people), 800).catch((e: unknown) => {
      throw new Error(`${String(e)}: ${explain(people)}`);
    });
    // Its pair is confirmed, so its code is listed, but neither direction holds: it has no sender key, nor we its.
    for (const member of [alice, bob]) {
      const shown = listed(member, carol) as ReportParticipant;
      expect(shown.securityCode).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
      expect(shown.hearsYou).toBe(false);
      expect(shown.youHear).toBe(false);
    }
    // Carol's own CallSeal cannot do groups: it shows §6.6's state, and (policy allowing) sends in clear.
    expect(carol.state()).toBe('unencrypted');
    expect(carol.detail()).toBe('group-call');

    let bobPlayed = 0;
    for (let i = 0; i < 60; i++) {
      const fromAlice = await alice.send();
      expect(fromAlice === null || !contains(fromAlice, SECRET)).toBe(true);
      if (await plays(fromAlice, bob, alice)) bobPlayed++;
      expect(await plays(fromAlice, carol, alice)).toBe(false);
      // Carol's media arrives in clear: the members do not play it (nothing in clear reaches a decoder, §6.3).
      const fromCarol = await carol.send();
      if (fromCarol !== null && contains(fromCarol, SECRET)) expect(await alice.receive(fromCarol, 'audio', carol.ssrc.audio)).toBeNull();
      await fanout(people);
    }
    expect(bobPlayed).toBeGreaterThan(30);
    // She is a CallSeal peer sending in clear (her probes carry her packets on that stream), not someone without
    // CallSeal; and the group's code is over the members only (§11.7).
    for (const member of [alice, bob]) {
      expect(member.state()).toBe('encrypted');
      expect(member.reports.at(-1)?.withoutCallSeal).toBeUndefined();
      expect(member.detail()).toBeUndefined();
    }
    await until(() => alice.reports.at(-1)?.groupCode !== undefined && alice.reports.at(-1)?.groupCode === bob.reports.at(-1)?.groupCode, () => fanout(people), 400);
  }, SLOW);

  it('required: the others are encrypted, it is blocked, and nothing goes out in clear', async () => {
    const people = await Promise.all([
      party({ allowPlaintextFallback: false }),
      party({ allowPlaintextFallback: false }),
      party({ allowPlaintextFallback: false, group: false }),
    ]);
    const [alice, bob, carol] = people as [Party, Party, Party];
    const wires: Uint8Array[] = [];
    await until(
      () => membersEncrypted([alice, bob], carol) && carol.state() === 'blocked',
      async () => wires.push(...(await fanout(people))),
      800,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}: ${explain(people)}`);
    });
    expect(carol.detail()).toBe('group-call');
    for (let i = 0; i < 60; i++) wires.push(...(await fanout(people)));
    expect(wires.filter((w) => contains(w, SECRET))).toHaveLength(0);
    expect(membersEncrypted([alice, bob], carol)).toBe(true);
  }, SLOW);

  it('with nobody present who speaks group, the group keeps §6.6 state', async () => {
    const people = await Promise.all([party(), party({ group: false }), party({ group: false })]);
    await until(() => people.every((p) => p.state() === 'unencrypted' && p.detail() === 'group-call'), () => fanout(people), 800).catch(
      (e: unknown) => {
        throw new Error(`${String(e)}: ${explain(people)}`);
      },
    );
    for (let i = 0; i < 60; i++) await fanout(people);
    for (const p of people) expect(p.detail()).toBe('group-call');
    // (A pair of two may show `encrypted` before the third is heard; never a group encrypted with sender keys.)
    expect(people.some((p) => p.reports.some((r) => r.state === 'encrypted' && r.participants !== undefined))).toBe(false);
  }, SLOW);
});

describe('participants without CallSeal (§11.9)', () => {
  it('are counted from their plain streams, next to the members, and counted down when one leaves', async () => {
    const [alice, bob, carol] = await Promise.all([party(), party(), party()]);
    const [dave, erin] = await Promise.all([party({ enabled: false }), party({ enabled: false })]);
    const everyone = [alice, bob, carol, dave, erin];
    const count = (p: Party): number | undefined => p.reports.at(-1)?.withoutCallSeal;
    const members = [alice, bob, carol];
    const ready = (n: number) => (): boolean =>
      members.every((p) => p.state() === 'encrypted' && participants(p).length === 2 && participants(p).every((x) => x.state === 'encrypted') && count(p) === n);
    await until(ready(2), () => fanout(everyone, [dave, erin]), 800).catch((e: unknown) => {
      throw new Error(`${String(e)}: ${explain(everyone)}`);
    });
    for (const p of members) expect(p.detail()).toBe('participant-without-callseal');
    // Erin leaves: two seconds later her streams are no longer counted; Dave still is.
    const rest = [alice, bob, carol, dave];
    await until(ready(1), () => fanout(rest, [dave]), 300);
    // Dave leaves too: nobody without CallSeal, and the detail goes.
    await until(() => members.every((p) => p.state() === 'encrypted' && count(p) === undefined && p.detail() === undefined), () => fanout(members), 300);
  }, SLOW);
});
