/** The admin's E2EEMode over the user's switch. */
import { describe, expect, it } from 'vitest';
import { decideMode, effectiveSettings, parseMode } from '../../../src/background/policy';
import { SigningBudget } from '../../../src/background/signing-budget';

describe('effectiveSettings', () => {
  it('leaves the switch to the user when allowed (off by default), with the plaintext fallback', () => {
    expect(effectiveSettings(false, 'allowed')).toMatchObject({ page: { enabled: false }, canToggle: true });
    expect(effectiveSettings(true, 'allowed')).toMatchObject({
      page: { enabled: true, allowPlaintextFallback: true },
      canToggle: true,
    });
  });

  it('turns E2EE off and fixes the switch when disabled', () => {
    const settings = effectiveSettings(true, 'disabled');
    expect(settings).toMatchObject({ page: { enabled: false }, canToggle: false });
    expect(settings.policyNote).toMatch(/organization/);
  });

  it('turns E2EE on, without the plaintext fallback, when required', () => {
    expect(effectiveSettings(false, 'required')).toMatchObject({
      page: { enabled: true, allowPlaintextFallback: false },
      canToggle: false,
    });
  });

  it('reads unknown or missing policy values as allowed', () => {
    expect(parseMode(undefined)).toBe('allowed');
    expect(parseMode('REQUIRED')).toBe('allowed');
    expect(parseMode(1)).toBe('allowed');
    expect(parseMode('required')).toBe('required');
  });
});

describe('decideMode', () => {
  it('takes the delivered policy and remembers it', () => {
    expect(decideMode('required', undefined, false)).toEqual({ mode: 'required', remember: 'required' });
    expect(decideMode('allowed', 'required', true)).toEqual({ mode: 'allowed', remember: 'allowed' });
  });

  it('lets the remembered policy stand in while the browser has not delivered it yet', () => {
    expect(decideMode(undefined, 'required', true)).toEqual({ mode: 'required', remember: 'required' });
    expect(decideMode(undefined, 'disabled', true)).toEqual({ mode: 'disabled', remember: 'disabled' });
  });

  it('drops the remembered policy once the grace is over and none was delivered', () => {
    expect(decideMode(undefined, 'required', false)).toEqual({ mode: 'allowed', remember: undefined });
    expect(decideMode(undefined, undefined, true)).toEqual({ mode: 'allowed', remember: undefined });
  });
});

describe('SigningBudget', () => {
  it('grants its capacity at once, then refills over time', () => {
    let now = 0;
    const budget = new SigningBudget(3, 6, () => now);
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false]);
    now += 10_000; // 6 a minute: one token every 10 s
    expect([budget.take(), budget.take()]).toEqual([true, false]);
  });
});
