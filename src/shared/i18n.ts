/**
 * Every sentence CallSeal shows, in the user's language: the messages live in `public/_locales/<lang>/messages.json`
 * (English and German; generated from tools/locales/messages.py) and are looked up with `chrome.i18n.getMessage`,
 * which follows the browser's UI language. Callers name a message by key — the keys are typed from the English
 * file, so a missing one does not compile — and pass its substitutions.
 *
 * Outside the extension (unit tests in Node) there is no chrome.i18n: `setMessageLookup` installs one, e.g. over a
 * catalog with `catalogLookup`, which formats placeholders the way Chrome does.
 */
import type english from '../../public/_locales/en/messages.json';

export type MessageKey = keyof typeof english;

export type MessageLookup = (key: string, substitutions: string[]) => string;

let installed: MessageLookup | undefined;

/** Replaces chrome.i18n (tests, tools); undefined restores it. */
export function setMessageLookup(lookup: MessageLookup | undefined): void {
  installed = lookup;
}

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
  const lookup = installed ?? ((k: string, s: string[]) => chromeI18n()?.getMessage(k, s) ?? '');
  return lookup(key, subs) || key;
}

/** The browser's UI language (BCP 47), for `<html lang>` and dates. */
export function uiLanguage(): string {
  return chromeI18n()?.getUILanguage?.() ?? 'en';
}

export interface CatalogEntry {
  message: string;
  placeholders?: Record<string, { content: string }>;
}
export type Catalog = Record<string, CatalogEntry>;

/** chrome.i18n's formatting over a messages.json catalog: `$NAME$` placeholders whose content is `$1`…`$9`, `$$` a dollar. */
export function catalogLookup(catalog: Catalog): MessageLookup {
  return (key, substitutions) => {
    const entry = catalog[key];
    if (!entry) return '';
    const fill = (text: string): string => text.replace(/\$([1-9])/g, (_m, n: string) => substitutions[Number(n) - 1] ?? '');
    return entry.message.replace(/\$\$|\$([A-Za-z0-9_@]+)\$/g, (match, name: string | undefined) => {
      if (match === '$$') return '$';
      const placeholder = Object.entries(entry.placeholders ?? {}).find(([k]) => k.toLowerCase() === name?.toLowerCase());
      return placeholder ? fill(placeholder[1].content) : match;
    });
  };
}
