/**
 * The messages every sentence comes from (src/shared/i18n.ts): English and German have the same keys and
 * placeholders, and both are what tools/locales/messages.py generates — a message added to the JSON files alone
 * would be lost the next time the generator runs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import english from '../../../public/_locales/en/messages.json';
import german from '../../../public/_locales/de/messages.json';

type Catalog = Record<string, { message: string; placeholders?: Record<string, { content: string }> }>;
const catalogs: Array<[string, Catalog]> = [
  ['en', english as Catalog],
  ['de', german as Catalog],
];
const generator = readFileSync(new URL('../../../tools/locales/messages.py', import.meta.url), 'utf8');

describe('locales', () => {
  it('English and German have the same keys, each with the same placeholders', () => {
    const en = english as Catalog;
    const de = german as Catalog;
    expect(Object.keys(de)).toEqual(Object.keys(en));
    for (const key of Object.keys(en)) expect([key, de[key]?.placeholders]).toEqual([key, en[key]?.placeholders]);
  });

  it.each(catalogs)('every %s message is a row of tools/locales/messages.py, word for word', (_lang, catalog) => {
    const missing = Object.entries(catalog)
      .filter(([key, { message }]) => !generator.includes(`("${key}", `) || !generator.includes(JSON.stringify(message)))
      .map(([key]) => key);
    expect(missing).toEqual([]);
  });
});
