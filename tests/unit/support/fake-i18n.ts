/**
 * chrome.i18n for unit tests, which run in Node without one: `useCatalog` installs a `chrome.i18n.getMessage` over a
 * messages.json catalog (public/_locales/<lang>), formatting placeholders the way Chrome does, so src/shared/i18n.ts
 * runs exactly as in the extension.
 */
interface CatalogEntry {
  message: string;
  placeholders?: Record<string, { content: string }>;
}
type Catalog = Record<string, CatalogEntry>;

/** chrome.i18n's formatting over a catalog: `$NAME$` placeholders whose content is `$1`…`$9`, `$$` a dollar. */
function catalogLookup(catalog: Catalog): (key: string, substitutions?: string[]) => string {
  return (key, substitutions = []) => {
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

/** Makes `catalog` the language chrome.i18n answers in (the UI language stays what it was, 'en' by default). */
export function useCatalog(catalog: Catalog): void {
  const g = globalThis as { chrome?: { i18n?: object } };
  g.chrome = { ...g.chrome, i18n: { ...g.chrome?.i18n, getMessage: catalogLookup(catalog) } };
}
