/**
 * axe-core in a real page (the popup, the options page): its source is evaluated through the DevTools protocol,
 * which the extension pages' CSP does not apply to, and it runs with every WCAG 2.1 A/AA rule and best practice —
 * colour contrast included, since Chromium lays the page out.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'puppeteer';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The violations on `page` now, one line each (rule: the offending nodes). */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; nodes: Array<{ html: string }> }> }> } }).axe;
    const results = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
  });
  return violations;
}

/** Violations in the light and the dark theme (prefers-color-scheme), then back to the default. */
export async function axeViolationsInBothThemes(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
    found.push(...(await axeViolations(page)).map((v) => `[${scheme}] ${v}`));
  }
  await page.emulateMediaFeatures([]);
  return found;
}
