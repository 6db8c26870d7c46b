/**
 * The popup in the user's language: Chromium started in German (`--lang=de`, and LANGUAGE=de for Linux) shows CallSeal's popup, toolbar title and
 * options page in German (public/_locales/de), and the German popup passes axe-core, light and dark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser';
import { axeViolationsInBothThemes } from './support/axe';
import { popupFor } from './support/call';
import { waitForElement } from './support/wait';

describe('German', () => {
  let browser: TestBrowser;

  beforeAll(async () => {
    // `--lang` sets the UI language on Windows and ChromeOS; Chromium on Linux takes it from LANGUAGE.
    browser = await launchBrowser({ args: ['--lang=de'], env: { LANGUAGE: 'de', LANG: 'de_DE.UTF-8' } });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders the popup and the options page in German', async () => {
    const page = await browser.newPage();
    const popup = await popupFor(browser, page);
    await popup.waitForToggle();
    const read = (selector: string) => popup.page.$eval(selector, (el) => el.textContent?.trim());
    expect(await popup.page.evaluate(() => document.documentElement.lang)).toMatch(/^de/);
    expect(await read('[data-testid="e2ee-toggle"]')).toBe('Ende-zu-Ende-verschlüsselte Anrufe');
    expect(await read('[data-testid="call-state"]')).toBe('Aus');
    expect(await read('.hint')).toMatch(/^Schalten Sie Ende-zu-Ende-verschlüsselte Anrufe ein/);
    expect(await axeViolationsInBothThemes(popup.page)).toEqual([]);

    const worker = await browser.serviceWorker();
    expect(await worker.evaluate(() => chrome.i18n.getMessage('state_off_title'))).toBe('CallSeal: aus');

    const options = await browser.newPage();
    await options.goto(`chrome-extension://${browser.extensionId}/src/options/index.html`);
    await waitForElement(options, 'h1');
    expect(await options.$eval('h1', (el) => el.textContent)).toBe('CallSeal — Kontakte und Identität');
    expect(await axeViolationsInBothThemes(options)).toEqual([]);
  }, 60_000);
});
