/**
 * Every sentence CallSeal shows, in the user's language: the messages live in `public/_locales/<lang>/messages.json`
 * (English and German; generated from tools/locales/messages.py) and are looked up with `chrome.i18n.getMessage`,
 * which follows the browser's UI language. Callers name a message by key — the keys are typed from the English
 * file, so a missing one does not compile — and pass its substitutions.
 *
 * Outside the extension (unit tests in Node) there is no chrome.i18n: the tests install one over a catalog
 * (tests/unit/support/fake-i18n.ts).
 */
import type english from '../../public/_locales/en/messages.json';

export type MessageKey = keyof typeof english;

interface ChromeI18n {
  getMessage(key: string, substitutions?: string[]): string;
  getUILanguage?(): string;
}

function chromeI18n(): ChromeI18n | undefined {
  const chrome = (globalThis as { chrome?: { i18n?: ChromeI18n } }).chrome;
  return typeof chrome?.i18n?.getMessage === 'function' ? chrome.i18n : undefined;
}

/** The message `key` with its substitutions; the key itself if no catalog has it (never an empty string). */
export function t(key: MessageKey, ...substitutions: Array<string | number>): string {
  const subs = substitutions.map(String);
  return chromeI18n()?.getMessage(key, subs) || key;
}

/** The browser's UI language (BCP 47), for `<html lang>` and dates. */
export function uiLanguage(): string {
  return chromeI18n()?.getUILanguage?.() ?? 'en';
}
