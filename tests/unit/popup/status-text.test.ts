import { describe, expect, it } from 'vitest';
import { CALL_STATES } from '../../../src/shared/call-status';
import {
  ICON_SIZES,
  ICON_VARIANTS,
  STATUS_WORDS,
  iconPath,
  offHint,
  statusWords,
  toolbarIconPaths,
} from '../../../src/shared/status-text';

describe('status words', () => {
  it.each(CALL_STATES)('%s has a title, a sentence, an icon and a tone', (state) => {
    const words = statusWords(state);
    expect(words.title).toMatch(/^CallSeal: \S/);
    expect(words.sentence.length).toBeGreaterThan(1);
    expect(ICON_VARIANTS).toContain(words.icon);
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
    for (const state of ['unencrypted', 'blocked', 'error', 'off', 'negotiating'] as const) {
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
    expect(statusWords('unencrypted').sentence).toBe('Not encrypted: the other side does not have CallSeal on');
    expect(statusWords('blocked').sentence).toBe(
      'Blocked: your organization requires encryption and it could not be set up',
    );
    expect(statusWords('off').sentence).toBe('Off');
    expect(statusWords('off').title).toBe('CallSeal: off');
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

  it('hints differently with the switch on and off', () => {
    expect(offHint(true)).not.toBe(offHint(false));
  });
});
