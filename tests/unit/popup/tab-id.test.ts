import { describe, expect, it } from 'vitest';
import { TabIdError, createBrowserActions, tabIdFromQuery } from '../../../src/popup/actions';
import { FakeBrowser } from './fake-browser';

describe('tabIdFromQuery', () => {
  it('reads ?tabId=<n>', () => {
    expect(tabIdFromQuery('?tabId=42')).toBe(42);
    expect(tabIdFromQuery('?foo=bar&tabId=0')).toBe(0);
    expect(tabIdFromQuery('tabId=1234567')).toBe(1234567);
  });

  it('is undefined without the parameter', () => {
    expect(tabIdFromQuery('')).toBeUndefined();
    expect(tabIdFromQuery('?')).toBeUndefined();
    expect(tabIdFromQuery('?tabid=3')).toBeUndefined();
  });

  it.each(['abc', '-1', '1.5', '1e3', '0x10', '+3', ' 3', '3 ', '', '12abc', '9999999999999999', 'NaN', 'Infinity'])(
    'rejects tabId=%j with a clear error',
    (raw) => {
      const search = `?tabId=${encodeURIComponent(raw)}`;
      expect(() => tabIdFromQuery(search)).toThrow(TabIdError);
      expect(() => tabIdFromQuery(search)).toThrow(/invalid tabId/);
    },
  );

  it('shortens a long bad value in the message', () => {
    expect(() => tabIdFromQuery(`?tabId=${'x'.repeat(500)}`)).toThrow(/x{40}…”/);
  });
});

describe('currentTabId', () => {
  it('prefers the query parameter and does not ask the browser', async () => {
    const browser = new FakeBrowser();
    const actions = createBrowserActions(browser, { search: '?tabId=99' });
    await expect(actions.currentTabId()).resolves.toBe(99);
    expect(browser.queries).toBe(0);
  });

  it('falls back to the active tab of the current window', async () => {
    const browser = new FakeBrowser();
    await expect(createBrowserActions(browser, { search: '' }).currentTabId()).resolves.toBe(7);
    expect(browser.queries).toBe(1);
  });

  it('rejects a garbage parameter instead of guessing a tab', async () => {
    const browser = new FakeBrowser();
    await expect(createBrowserActions(browser, { search: '?tabId=abc' }).currentTabId()).rejects.toThrow(TabIdError);
    await expect(createBrowserActions(browser, { search: '?tabId=-5' }).currentTabId()).rejects.toThrow(TabIdError);
    expect(browser.queries).toBe(0);
  });

  it('fails clearly when there is no active tab', async () => {
    const browser = new FakeBrowser();
    browser.activeTabs = [];
    await expect(createBrowserActions(browser).currentTabId()).rejects.toThrow(/no tab/i);
    browser.activeTabs = [{}];
    await expect(createBrowserActions(browser).currentTabId()).rejects.toThrow(/no tab/i);
  });
});
