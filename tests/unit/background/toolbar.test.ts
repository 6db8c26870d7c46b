import { beforeEach, describe, expect, it, vi } from 'vitest';
import { NO_CALL, ZERO_COUNTERS } from '../../../src/shared/call-status';

// webextension-polyfill refuses to load outside an extension; the toolbar only needs `browser.action`.
const action = vi.hoisted(() => ({
  setIcon: vi.fn(async (_details: unknown) => {}),
  setTitle: vi.fn(async (_details: unknown) => {}),
  setBadgeText: vi.fn(async (_details: unknown) => {}),
  setBadgeBackgroundColor: vi.fn(async (_details: unknown) => {}),
}));
vi.mock('webextension-polyfill', () => ({ default: { action } }));

const { isClosedTabError, showTabStatus } = await import('../../../src/background/toolbar');

beforeEach(() => {
  for (const fn of Object.values(action)) {
    fn.mockReset();
    fn.mockImplementation(async () => {});
  }
});

describe('toolbar', () => {
  it('shows an encrypted call on its tab', async () => {
    await showTabStatus(12, { state: 'encrypted', epoch: 1, counters: ZERO_COUNTERS, securityCode: '1' });
    expect(action.setIcon).toHaveBeenCalledWith({
      tabId: 12,
      path: { 16: 'icons/shield-encrypted-16.png', 32: 'icons/shield-encrypted-32.png' },
    });
    expect(action.setTitle).toHaveBeenCalledWith({ tabId: 12, title: 'CallSeal: call end-to-end encrypted' });
    expect(action.setBadgeText).toHaveBeenCalledWith({ tabId: 12, text: '' });
  });

  it('does not show plain "encrypted" for a call whose video is not sent (issue 8)', async () => {
    await showTabStatus(14, {
      state: 'encrypted',
      epoch: 1,
      counters: ZERO_COUNTERS,
      detail: 'unsupported-codec',
      codec: 'H265',
      media: 'video',
    });
    expect(action.setTitle).toHaveBeenCalledWith({
      tabId: 14,
      title: 'CallSeal: call end-to-end encrypted, but video is NOT sent — CallSeal cannot encrypt H265',
    });
    expect(action.setBadgeText).toHaveBeenCalledWith({ tabId: 14, text: '!' });
    expect(action.setBadgeBackgroundColor).toHaveBeenCalledWith({ tabId: 14, color: '#e37400' });
  });

  it('badges an unencrypted call in red', async () => {
    await showTabStatus(3, { state: 'unencrypted', epoch: 0, counters: ZERO_COUNTERS });
    expect(action.setTitle).toHaveBeenCalledWith({
      tabId: 3,
      title: 'CallSeal: call NOT encrypted — no key exchange with the other side',
    });
    expect(action.setBadgeText).toHaveBeenCalledWith({ tabId: 3, text: '!' });
    expect(action.setBadgeBackgroundColor).toHaveBeenCalledWith({ tabId: 3, color: '#d93025' });
  });

  it('warns of a changed identity with its own icon and a red badge', async () => {
    await showTabStatus(5, { state: 'identity-changed', epoch: 2, counters: ZERO_COUNTERS });
    expect(action.setIcon).toHaveBeenCalledWith({
      tabId: 5,
      path: { 16: 'icons/shield-identity-changed-16.png', 32: 'icons/shield-identity-changed-32.png' },
    });
    expect(action.setTitle).toHaveBeenCalledWith({ tabId: 5, title: expect.stringMatching(/^CallSeal: WARNING/) });
    expect(action.setBadgeText).toHaveBeenCalledWith({ tabId: 5, text: '!' });
    expect(action.setBadgeBackgroundColor).toHaveBeenCalledWith({ tabId: 5, color: '#d93025' });
  });

  it('shows off for no call', async () => {
    await showTabStatus(4, NO_CALL);
    expect(action.setIcon).toHaveBeenCalledWith({
      tabId: 4,
      path: { 16: 'icons/shield-off-16.png', 32: 'icons/shield-off-32.png' },
    });
    expect(action.setTitle).toHaveBeenCalledWith({ tabId: 4, title: 'CallSeal: off' });
  });

  it('ignores a tab that has closed', async () => {
    action.setIcon.mockRejectedValue(new Error('No tab with id: 4.'));
    action.setTitle.mockRejectedValue(new Error('No tab with id: 4.'));
    await expect(showTabStatus(4, NO_CALL)).resolves.toBeUndefined();
  });

  it('passes other errors on', async () => {
    action.setIcon.mockRejectedValue(new Error("Failed to set icon 'icons/x.png': Failed to fetch"));
    await expect(showTabStatus(4, NO_CALL)).rejects.toThrow(/Failed to set icon/);
  });

  it('recognizes the closed-tab error', () => {
    expect(isClosedTabError(new Error('No tab with id: 123.'))).toBe(true);
    expect(isClosedTabError('No tab with id: 1')).toBe(true);
    expect(isClosedTabError(new Error('Invalid tab id'))).toBe(false);
  });
});
