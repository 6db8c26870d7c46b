import { describe, expect, it } from 'vitest';
import { CALL_STATES, CODEC_NAMES, DETAIL_CODES, ZERO_COUNTERS, type TabCallStatus } from '../../../src/shared/call-status';
import {
  detailSentence,
  failureMessage,
  identityChangedInstruction,
  ICON_SIZES,
  STATUS_WORDS,
  iconPath,
  offHint,
  otherCallsSentence,
  appTransformSentence,
  callWords,
  statusWords,
  toolbarIconPaths,
} from '../../../src/shared/status-text';

/** The words for a status with just these fields. */
const statusWordsFor = (status: Pick<TabCallStatus, 'state'> & Partial<TabCallStatus>) =>
  callWords({ epoch: 0, counters: ZERO_COUNTERS, ...status });

describe('status words', () => {
  it.each(CALL_STATES)('%s has a title, a sentence, an icon and a tone', (state) => {
    const words = statusWords(state);
    expect(words.title).toMatch(/^CallSeal: \S/);
    expect(words.sentence.length).toBeGreaterThan(1);
    expect(CALL_STATES).toContain(words.icon); // icons exist for every state (icons.test.ts)
    expect(['good', 'pending', 'bad', 'neutral']).toContain(words.tone);
    expect(words.badge.length).toBeLessThanOrEqual(4);
    expect(words.badgeColor).toMatch(/^#[0-9a-f]{6}$/i);
  });

  it('covers exactly the call states', () => {
    expect(Object.keys(STATUS_WORDS).sort()).toEqual([...CALL_STATES].sort());
  });

  it('says something different for every state', () => {
    const titles = new Set(CALL_STATES.map((s) => statusWords(s).title));
    const sentences = new Set(CALL_STATES.map((s) => statusWords(s).sentence));
    const icons = new Set(CALL_STATES.map((s) => statusWords(s).icon));
    expect(titles.size).toBe(CALL_STATES.length);
    expect(sentences.size).toBe(CALL_STATES.length);
    expect(icons.size).toBe(CALL_STATES.length);
  });

  it('never lets an unencrypted call sound encrypted', () => {
    for (const state of ['unencrypted', 'blocked', 'error', 'off', 'negotiating', 'identity-changed'] as const) {
      const { title, sentence, tone } = statusWords(state);
      expect(title).not.toMatch(/end-to-end encrypted/i);
      expect(sentence).not.toMatch(/^Encrypted/);
      expect(tone).not.toBe('good');
    }
    expect(statusWords('unencrypted').title).toMatch(/NOT encrypted/);
    expect(statusWords('unencrypted').sentence).toMatch(/^Not encrypted/);
    expect(statusWords('encrypted').title).toBe('CallSeal: call end-to-end encrypted');
    expect(statusWords('encrypted').tone).toBe('good');
    expect(statusWords('verified').tone).toBe('good');
  });

  it('uses the sentences the popup promises', () => {
    expect(statusWords('encrypted').sentence).toBe('Encrypted end to end');
    expect(statusWords('negotiating').sentence).toBe('Setting up encryption…');
    expect(statusWords('unencrypted').sentence).toBe('Not encrypted: no key exchange with the other side');
    expect(statusWords('blocked').sentence).toBe(
      'Blocked: the call could not be encrypted, so no media is sent or played',
    );
    expect(statusWords('off').sentence).toBe('Off');
    expect(statusWords('off').title).toBe('CallSeal: off');
  });

  it('does not blame the other side for a call that is not encrypted: the network may be the cause', () => {
    for (const state of ['unencrypted', 'blocked'] as const) {
      const { title, sentence } = statusWords(state);
      expect(`${title} ${sentence}`).not.toMatch(/does not have CallSeal|has no CallSeal|organization/i);
    }
  });

  it('warns loudly, in red, when the other side’s identity changed during the call', () => {
    const words = statusWords('identity-changed');
    expect(words.sentence).toMatch(/^Warning: the other side's identity changed during this call/);
    expect(words.sentence).toMatch(/compare the new code/i);
    expect(words.title).toMatch(/^CallSeal: WARNING/);
    expect(words).toMatchObject({ badge: '!', badgeColor: '#d93025', tone: 'bad', icon: 'identity-changed' });
    expect(identityChangedInstruction()).toMatch(/Codes match/);
  });

  it('badges only the states that need attention', () => {
    expect(statusWords('encrypted').badge).toBe('');
    expect(statusWords('verified').badge).toBe('');
    expect(statusWords('off').badge).toBe('');
    expect(statusWords('unencrypted').badge).not.toBe('');
    expect(statusWords('blocked').badge).not.toBe('');
  });

  it('names icon files the way make-icons writes them', () => {
    expect(iconPath('verified', 48)).toBe('icons/shield-verified-48.png');
    expect(toolbarIconPaths('unencrypted')).toEqual({
      16: 'icons/shield-unencrypted-16.png',
      32: 'icons/shield-unencrypted-32.png',
    });
    expect(ICON_SIZES).toEqual([16, 32, 48, 128]);
  });

  it('has a sentence of its own for every detail code', () => {
    const sentences = DETAIL_CODES.map((d) => detailSentence(d));
    expect(new Set(sentences).size).toBe(DETAIL_CODES.length);
    for (const sentence of sentences) expect(sentence).toMatch(/^[A-Z].{20,}[.]$/);
    expect(detailSentence('no-key-exchange')).toBe(
      'No key exchange received — the other side may not have CallSeal, or something on the network is blocking it.',
    );
  });

  it('names the codec CallSeal cannot encrypt', () => {
    for (const codec of CODEC_NAMES.filter((c) => c !== 'other')) {
      expect(detailSentence('unsupported-codec', codec)).toContain(codec);
    }
    expect(detailSentence('unsupported-codec', 'other')).not.toContain('other');
  });

  it('never shows plain "encrypted" while some of the call is not sent (issue 8)', () => {
    const av1 = statusWordsFor({ state: 'encrypted', detail: 'unsupported-codec', codec: 'AV1', media: 'video' });
    expect(av1.sentence).toBe('Encrypted end to end, but video is not sent');
    expect(av1.title).toBe('CallSeal: call end-to-end encrypted, but video is NOT sent — CallSeal cannot encrypt AV1');
    expect(av1).toMatchObject({ badge: '!', tone: 'pending', icon: 'encrypted' });
    const noKey = statusWordsFor({ state: 'verified', detail: 'media-not-sent', media: 'audio' });
    expect(noKey.sentence).toBe('Encrypted end to end, security code verified, but audio is not sent');
    expect(noKey.badge).toBe('!');
    // Without such a detail, a state keeps its own words; a louder state keeps its own too.
    expect(statusWordsFor({ state: 'encrypted' })).toEqual(statusWords('encrypted'));
    expect(statusWordsFor({ state: 'encrypted', detail: 'peer-stopped-encrypting' })).toEqual(statusWords('encrypted'));
    expect(statusWordsFor({ state: 'identity-changed', detail: 'unsupported-codec', codec: 'H265' })).toEqual(
      statusWords('identity-changed'),
    );
    expect(detailSentence('media-not-sent', undefined, 'video')).toMatch(/^Video from this page cannot be encrypted/);
    expect(detailSentence('unsupported-codec', 'H265', 'audio')).toMatch(/Audio in H265 is not sent or played\.$/);
  });

  it('names a group that cannot be encrypted in the headline: an older CallSeal, or more than 8 people', () => {
    expect(statusWordsFor({ state: 'unencrypted', detail: 'group-call' })).toMatchObject({
      sentence: "Not encrypted: someone's CallSeal cannot encrypt group calls",
      title: "CallSeal: call NOT encrypted — someone's CallSeal cannot encrypt group calls",
      tone: 'bad',
      badge: '!',
    });
    expect(statusWordsFor({ state: 'blocked', detail: 'group-call' }).sentence).toBe(
      "Blocked: someone's CallSeal cannot encrypt group calls, so no media is sent or played",
    );
    expect(detailSentence('group-call')).toMatch(/cannot encrypt group calls \(an older version\)/);
    expect(statusWordsFor({ state: 'unencrypted', detail: 'group-too-large' })).toMatchObject({
      sentence: 'Not encrypted: more than 8 people, CallSeal stopped encrypting',
      tone: 'bad',
    });
    expect(statusWordsFor({ state: 'blocked', detail: 'group-too-large' }).sentence).toMatch(/^Blocked: more than 8 people/);
  });

  it('an encrypted group says how many people it covers; someone without CallSeal makes it amber (§11.9)', () => {
    const participant = {
      state: 'encrypted' as const,
      securityCode: '00000 11111 22222 33333',
      peerIdentityPublicKey: 'A'.repeat(43) + '=',
      hearsYou: true,
      youHear: true,
    };
    const group = statusWordsFor({ state: 'encrypted', participants: [participant, participant] });
    expect(group.sentence).toBe('Encrypted end to end: everyone in this group call (2 others)');
    expect(group.tone).toBe('good');
    const plain = statusWordsFor({ state: 'encrypted', detail: 'participant-without-callseal' });
    expect(plain).toMatchObject({ badge: '!', tone: 'pending', sentence: 'Encrypted end to end, but someone in the call has no CallSeal' });
    expect(detailSentence('participant-without-callseal')).toMatch(/^Someone in this call does not have CallSeal/);
    // Someone whose CallSeal cannot do groups (§11.3): not counted among those it is encrypted with, and amber.
    const updating = statusWordsFor({ state: 'encrypted', participants: [participant, { ...participant, state: 'needs-update', hearsYou: false, youHear: false }] });
    expect(updating).toMatchObject({
      badge: '!',
      tone: 'pending',
      sentence: "Encrypted end to end: everyone in this group call (1 other), but someone's CallSeal needs an update to join the encryption",
    });
  });

  it('says plainly when the page runs its own transforms (issue 8 item 6)', () => {
    expect(appTransformSentence()).toMatch(/^This page processes call media itself.*CallSeal cannot protect this app together with it/);
  });

  it('says when other frames run calls', () => {
    expect(otherCallsSentence(1)).toMatch(/^Another frame on this page also runs a call/);
    expect(otherCallsSentence(3)).toMatch(/3/);
  });

  it('explains the failures the background reports', () => {
    expect(failureMessage('call-changed')).toMatch(/changed.*nothing was marked as verified/);
  });

  it('hints differently with the switch on and off', () => {
    expect(offHint(true)).not.toBe(offHint(false));
  });
});
