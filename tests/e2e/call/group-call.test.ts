/**
 * Issue 13: group calls through an SFU (the werift relay, `group` topology), one browser per participant, each with
 * its own solid-colour camera.
 * - Three people, CallSeal on in all three: every popup shows `encrypted` and lists the two others, each encrypted
 *   both ways with its own 20-digit code (the same code in both popups of a pair), and all three popups show one
 *   and the same group code (§11.7), a new one after a leave and after the rejoin; everyone sees everyone; what the
 *   relay copied from each sender is CallSeal frames only and does not decode to its colour; one leaves and comes
 *   back (a new worker session) and video keeps going, encrypted, for all three.
 * - One of three without CallSeal, under `allowed` and under `required`: the two with CallSeal are encrypted between
 *   themselves, see each other, say that someone in the call has no CallSeal and list that one person; the third sees
 *   neither of them (it cannot decrypt), its media is not played at theirs, and nothing they send is in clear.
 */
import type { Page } from 'puppeteer';
import { afterEach, describe, expect, it } from 'vitest';
import { endsInMediaMarker, hasCallSealTrailer } from '../../../src/e2ee/frame-container';
import { BLUE, GREEN, RED } from '../support/fake-camera';
import type { Popup } from '../support/call';
import { startGroupCall, type GroupCall, type Member } from '../support/group';
import { expectEveryoneSeesEveryone, groupCodeShown } from '../support/group-checks';
import { writeExtensionPolicy, type ManagedPolicy } from '../support/managed-policy';
import { decodesToColor, formatColor } from '../support/picture';
import { waitFor, waitForElement } from '../support/wait';

interface ShownParticipant {
  state: string | undefined;
  code: string | undefined;
}

/** The participants the popup lists (protocol.md §11.9). */
const participants = (page: Page): Promise<ShownParticipant[]> =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="participant"]')].map((li) => ({
      state: li.getAttribute('data-state') ?? undefined,
      code: li.querySelector('[data-testid="participant-code"]')?.textContent ?? undefined,
    })),
  );

/** Every popup shows one and the same group code: returns it. */
async function waitSameGroupCode(call: GroupCall, popups: readonly Popup[], timeout = 60_000): Promise<string> {
  let last: unknown;
  return waitFor(
    async () => {
      const codes = await Promise.all(popups.map((p) => groupCodeShown(p.page)));
      last = codes;
      const first = codes[0];
      return first !== undefined && codes.every((c) => c === first) ? first : undefined;
    },
    { timeout, interval: 250, message: `all ${popups.length} popups to show the same group code` },
  ).catch(async (error: unknown) => {
    throw new Error(`${(error as Error).message}; saw ${JSON.stringify(last)}; ${await call.diagnose()}`);
  });
}

const detailText = (page: Page): Promise<string | undefined> =>
  page.evaluate(() => document.querySelector('[data-testid="call-detail"]')?.textContent ?? undefined);

/** Every popup `encrypted`, listing `others` participants, each encrypted both ways. */
async function waitAllEncrypted(call: GroupCall, popups: readonly Popup[], others: number, timeout = 90_000): Promise<ShownParticipant[][]> {
  let last: unknown;
  return waitFor(
    async () => {
      const seen = await Promise.all(popups.map(async (p) => ({ state: await p.state(), list: await participants(p.page) })));
      last = seen;
      const ok = seen.every((s) => s.state === 'encrypted' && s.list.length === others && s.list.every((x) => x.state === 'encrypted'));
      return ok ? seen.map((s) => s.list) : undefined;
    },
    { timeout, interval: 250, message: `every popup encrypted with ${others} participants` },
  ).catch(async (error: unknown) => {
    throw new Error(`${(error as Error).message}; saw ${JSON.stringify(last)}; ${await call.diagnose()}`);
  });
}

describe('group calls through an SFU', () => {
  let call: GroupCall | undefined;
  let policy: ManagedPolicy | undefined;
  afterEach(async () => {
    await call?.close();
    call = undefined;
    await policy?.remove();
    policy = undefined;
  });

  it('three people with CallSeal: everyone encrypted with everyone, the relay sees nothing, a leave and rejoin keep video going', async () => {
    call = await startGroupCall(
      [
        { name: 'alice', color: RED },
        { name: 'bob', color: BLUE },
        { name: 'carol', color: GREEN },
      ],
      { e2ee: true },
    );
    const members = call.members as [Member, Member, Member];
    const popups = await Promise.all(members.map((m) => m.popup()));
    const lists = await waitAllEncrypted(call, popups, 2);
    // Six per-peer codes, three pairs: each pair's code appears in exactly its two popups.
    const codes = lists.flat().map((x) => x.code);
    for (const code of codes) {
      expect(code).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
      expect(codes.filter((c) => c === code)).toHaveLength(2);
    }
    expect(new Set(codes).size).toBe(3);
    // One group code, the same in all three popups, and none of the pairs' codes.
    const groupOfThree = await waitSameGroupCode(call, popups);
    expect(groupOfThree).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
    expect(codes).not.toContain(groupOfThree);
    await expectEveryoneSeesEveryone(call, members);

    // What the SFU sees: CallSeal frames only, and no sender's copy decodes to its picture.
    const relay = call.relay;
    await waitFor(() => members.every((m) => relay.copies(m.name).video.length >= 30), {
      timeout: 15_000,
      interval: 200,
      message: 'the relay to copy 30 video frames of each participant',
    });
    const decoder = await members[0].browser.newPage();
    await decoder.goto(call.server.url('/'));
    for (const sender of members) {
      const copies = relay.copies(sender.name);
      const plain = [...copies.video, ...copies.audio].filter((f) => !(hasCallSealTrailer(f) || endsInMediaMarker(f)));
      expect(plain, `${sender.name} sent ${plain.length} frames without CallSeal's trailer`).toHaveLength(0);
      const report = await decodesToColor(decoder, copies.video.slice(-60), sender.color, { maxFrames: 60 });
      expect(report.matches, `${sender.name}'s copy decoded to ${formatColor(report.average)}`).toBe(false);
    }
    await decoder.close();

    // Carol leaves: Alice and Bob stay encrypted (keys rotated, §11.5) and keep seeing each other.
    const [alice, bob, carol] = members;
    await carol.leave();
    await waitAllEncrypted(call, popups.slice(0, 2), 1);
    const groupOfTwo = await waitSameGroupCode(call, popups.slice(0, 2));
    expect(groupOfTwo).not.toBe(groupOfThree);
    await call.waitForColor(alice, bob);
    await call.waitForColor(bob, alice);

    // Carol comes back (a new worker session): everyone encrypted with everyone again, and everyone sees everyone.
    await carol.rejoin();
    await waitAllEncrypted(call, popups, 2);
    // Carol's new session is a new participant: a new roster, so a new group code, again the same in all three popups.
    const groupAgain = await waitSameGroupCode(call, popups);
    expect(new Set([groupOfThree, groupOfTwo, groupAgain]).size).toBe(3);
    // A rejoined page starts its camera, connections and decoders afresh: on a loaded machine that alone can take
    // longer than the 20 s the other checks allow.
    await expectEveryoneSeesEveryone(call, members, 60_000);

    // "Codes match" per participant (§7.4, §11.9): Alice confirms each person's code in her popup, one at a time; each
    // then shows verified, and her call once both are. Bob's popup is not Alice's business: it stays encrypted.
    const [alicePopup, bobPopup] = popups as [Popup, Popup, Popup];
    for (const verified of [1, 2]) {
      await alicePopup.page.$eval('[data-testid="participant-mark-verified"]', (el) => (el as HTMLElement).click());
      await waitFor(async () => (await participants(alicePopup.page)).filter((x) => x.state === 'verified').length === verified, {
        timeout: 10_000,
        interval: 200,
        message: `${verified} of Alice's participants to show verified`,
      });
    }
    await waitFor(async () => (await alicePopup.state()) === 'verified', { timeout: 10_000, interval: 200, message: "Alice's call to show verified" });
    expect(await bobPopup.state()).toBe('encrypted');
  }, 360_000);

  // Under `allowed` (the default) and under `required` (a real managed policy file) alike (§11.3, §11.9).
  it.each(['allowed', 'required'] as const)(
    'one of three without CallSeal (%s): the two with it are encrypted and see each other; the third sees neither',
    async (mode) => {
      if (mode === 'required') policy = await writeExtensionPolicy({ E2EEMode: 'required' });
      call = await startGroupCall(
        [
          { name: 'alice', color: RED },
          { name: 'bob', color: BLUE },
          { name: 'carol', color: GREEN, e2ee: false },
        ],
        { e2ee: true },
      );
      const [alice, bob, carol] = call.members as [Member, Member, Member];
      const popups = await Promise.all([alice.popup(), bob.popup()]);
      if (mode === 'required') {
        // The browser delivers the policy a few seconds after start; the popup then shows the switch fixed.
        for (const popup of popups) await waitForElement(popup.page, '[data-testid="policy-note"]', { timeout: 15_000 });
      }
      const code = await waitFor(
        async () => {
          const [a, b, codeA, codeB] = await Promise.all([popups[0].state(), popups[1].state(), popups[0].securityCode(), popups[1].securityCode()]);
          return a === 'encrypted' && b === 'encrypted' && codeA !== undefined && codeA === codeB ? codeA : undefined;
        },
        { timeout: 40_000, interval: 250, message: 'alice and bob encrypted with one code' },
      );
      expect(code).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
      await call.waitForColor(alice, bob);
      await call.waitForColor(bob, alice);
      // Both say plainly that someone in the call has no CallSeal (§11.9), with an amber shield rather than a green one.
      const relay = call.relay;
      await waitFor(() => (relay.stats().received.carol?.audio ?? 0) > 0, {
        timeout: 30_000,
        interval: 250,
        message: 'carol to publish (her camera starts last)',
      });
      for (const popup of popups) {
        await waitFor(async () => /^Someone in this call does not have CallSeal/.test((await detailText(popup.page)) ?? ''), {
          timeout: 30_000,
          interval: 250,
          message: 'the popup to say someone has no CallSeal',
        });
        // And lists her, one person, counted from her streams (§11.9): she has no name, code or identity to show.
        await waitFor(async () => (await popup.page.$$('[data-testid="participant-without-callseal"]')).length === 1, {
          timeout: 10_000,
          interval: 250,
          message: 'the popup to list one participant without CallSeal',
        });
      }
      // Carol, without CallSeal, receives only ciphertext from them: never their colours; and her media, in clear, is
      // not played at theirs.
      await expect(call.waitForColor(carol, alice, 5_000)).rejects.toThrow(/carol to see alice's colour/);
      await expect(call.waitForColor(carol, bob, 2_000)).rejects.toThrow(/carol to see bob's colour/);
      await expect(call.waitForColor(alice, carol, 2_000)).rejects.toThrow(/alice to see carol's colour/);
      expect(relay.stats().forwarded.carol?.video ?? 0, 'the relay forwarded their video to carol').toBeGreaterThan(0);
      for (const sender of [alice, bob]) {
        // Under `required`, the first frames may have left before the policy arrived (README: the first seconds after
        // start); the recent ones, and under `allowed` all of them, are CallSeal's.
        const copies = relay.copies(sender.name);
        const sent = mode === 'required' ? [...copies.video.slice(-30), ...copies.audio.slice(-100)] : [...copies.video, ...copies.audio];
        const plain = sent.filter((f) => !(hasCallSealTrailer(f) || endsInMediaMarker(f)));
        expect(plain, `${sender.name} sent ${plain.length} frames in clear`).toHaveLength(0);
      }
    },
    200_000,
  );
});
