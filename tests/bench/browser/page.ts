/**
 * What a page without a call pays for CallSeal (issue 11, goal 6), part of `npm run bench`.
 *
 * Four headless Chromiums side by side: no extension; `bare`, an extension of two empty document_start content
 * scripts registered as CallSeal's are (one in the MAIN world, one isolated, every frame): what Chromium charges any
 * extension that must run before the page, whatever its scripts do; CallSeal installed (switch off, the default);
 * CallSeal switched on. The same small page (served on 127.0.0.1, `cache-control: no-store`, no call: text, a stylesheet and
 * two scripts) is loaded in each, interleaved load by load in a rotating order, `loads` times per browser. Per load:
 * - first script: ms from navigation start to the page's own first script (an inline script at the top of `<head>`),
 *   which runs after CallSeal's document_start content scripts — the hook's cost at page start lands here;
 * - document start to first script: from a DevTools script that runs when the document is made (before any content
 *   script) to that first script — the content scripts' own cost, without the navigation's noise;
 * - DOMContentLoaded and load (navigation timing, `responseEnd`-free: from navigation start);
 * - dedicated workers the page has after `load` (CDP targets): CallSeal starts its transform worker only on the first
 *   `getUserMedia` or peer connection, so a page without a call has none.
 * Also: the bytes of the content scripts every frame loads, and of the worker's code a page loads on its first call
 * (dist/). Medians with min–max; each browser's load-by-load differences against the no-extension browser are what
 * count on a shared machine.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer';
import { DIST_DIR, launchBrowser, type TestBrowser } from '../../e2e/support/browser';
import { switchOn } from '../../e2e/support/call';
import { startStaticServer } from '../../e2e/support/static-server';
import { spread, type PageReport } from './report';

/** The page without a call (also the A/B of page-ab.ts). */
export const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<script>window.benchFirstScript = performance.now();</script>
<title>A page without a call</title><link rel="stylesheet" href="/style.css"><script src="/app.js"></script>
</head><body><h1>News</h1>${'<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>'.repeat(40)}</body></html>`;
const STYLE = 'body { font: 16px sans-serif; max-width: 40em; margin: auto } p { line-height: 1.5 }';
const APP = 'document.addEventListener("DOMContentLoaded", () => { document.title += " (ready)"; });';

export type PageConfig = 'none' | 'bare' | 'off' | 'on';
const CONFIGS: PageConfig[] = ['none', 'bare', 'off', 'on'];

/**
 * An extension whose two content scripts do nothing, registered as CallSeal's are (manifest.config.ts): document_start,
 * every frame, about:blank and opaque origins, one in the MAIN world and one isolated. Returns its directory.
 */
async function bareExtension(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'callseal-bare-extension-'));
  const where = { matches: ['http://*/*', 'https://*/*'], run_at: 'document_start', all_frames: true, match_about_blank: true, match_origin_as_fallback: true };
  const manifest = {
    manifest_version: 3,
    name: 'Two empty document_start content scripts',
    version: '1.0',
    content_scripts: [
      { js: ['isolated.js'], ...where },
      { js: ['main.js'], world: 'MAIN', ...where },
    ],
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  await writeFile(join(dir, 'isolated.js'), 'void 0;\n');
  await writeFile(join(dir, 'main.js'), 'void 0;\n');
  return dir;
}

interface LoadTiming {
  /** From the new document's first moment (a DevTools script, which runs before any content script) to the first script. */
  startToFirstScript: number;
  firstScript: number;
  domContentLoaded: number;
  load: number;
  workers: number;
}

async function loadOnce(page: Page, url: string): Promise<LoadTiming> {
  await page.goto(url, { waitUntil: 'load' });
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return {
      firstScript: (window as unknown as { benchFirstScript: number }).benchFirstScript,
      startToFirstScript:
        (window as unknown as { benchFirstScript: number }).benchFirstScript - (window as unknown as { benchDocStart: number }).benchDocStart,
      domContentLoaded: nav.domContentLoadedEventEnd,
      load: nav.loadEventEnd,
    };
  });
  const workers = page.workers().length;
  return { ...timing, workers };
}

export async function measurePage(loads: number, chromium: string, log: (line: string) => void): Promise<PageReport> {
  const server = await startStaticServer({
    '/': { body: PAGE },
    '/style.css': { body: STYLE, type: 'text/css' },
    '/app.js': { body: APP, type: 'text/javascript' },
  });
  const browsers = new Map<PageConfig, TestBrowser>();
  const bare = await bareExtension();
  try {
    const pages = new Map<PageConfig, Page>();
    for (const config of CONFIGS) {
      const browser = await launchBrowser(config === 'bare' ? { extensionDir: bare } : { withExtension: config !== 'none' });
      browsers.set(config, browser);
      const page = await browser.newPage();
      // Runs when the document is made, before CallSeal's document_start content scripts (DevTools' scripts go first).
      await page.evaluateOnNewDocument(() => {
        (window as unknown as { benchDocStart: number }).benchDocStart = performance.now();
      });
      if (config === 'on') {
        await page.goto(server.url('/?setup'));
        const popup = await switchOn(browser, page);
        await popup.close();
      }
      pages.set(config, page);
    }
    log(`page start: ${loads} loads of a page without a call in each of ${CONFIGS.join(', ')} (interleaved)…`);
    const timings = new Map<PageConfig, LoadTiming[]>(CONFIGS.map((c) => [c, []]));
    // Two loads each first (not counted): the first loads fill the disk cache and start the renderers' JIT.
    for (let i = -2; i < loads; i++) {
      for (let k = 0; k < CONFIGS.length; k++) {
        const config = CONFIGS[(k + i + 3) % CONFIGS.length] as PageConfig;
        const timing = await loadOnce(pages.get(config) as Page, server.url(`/?load=${i}`));
        if (i >= 0) timings.get(config)?.push(timing);
      }
    }
    const none = timings.get('none') as LoadTiming[];
    const pick = (list: LoadTiming[], key: keyof LoadTiming): number[] => list.map((t) => t[key]);
    const report: PageReport = {
      date: new Date().toISOString(),
      chromium,
      loads,
      firstScriptMs: {},
      domContentLoadedMs: {},
      loadMs: {},
      firstScriptDeltaMs: {},
      startToFirstScriptMs: {},
      startToFirstScriptDeltaMs: {},
      workers: {},
      contentScripts: {},
    };
    for (const config of CONFIGS) {
      const list = timings.get(config) as LoadTiming[];
      report.firstScriptMs[config] = spread(pick(list, 'firstScript'));
      report.domContentLoadedMs![config] = spread(pick(list, 'domContentLoaded'));
      report.loadMs![config] = spread(pick(list, 'load'));
      // Load by load: this browser's first script minus the no-extension browser's load of the same round.
      report.startToFirstScriptMs![config] = spread(pick(list, 'startToFirstScript'));
      if (config !== 'none') {
        report.firstScriptDeltaMs![config] = spread(list.map((t, i) => t.firstScript - (none[i] as LoadTiming).firstScript));
        report.startToFirstScriptDeltaMs![config] = spread(
          list.map((t, i) => t.startToFirstScript - (none[i] as LoadTiming).startToFirstScript),
        );
      }
      report.workers[config] = Math.max(...pick(list, 'workers'));
    }
    for (const name of ['bridge.js', 'main-world.js']) {
      report.contentScripts[name] = (await stat(join(DIST_DIR, 'src', 'content', name))).size;
    }
    // A build from before the worker's code left main-world.js (protocol.md §7.2) has no such file.
    const workerCode = await stat(join(DIST_DIR, 'transform-worker.js')).catch(() => undefined);
    if (workerCode) report.workerCode = workerCode.size;
    const f = (s: { median: number; min: number; max: number }): string => `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;
    for (const config of CONFIGS) {
      log(
        `  ${config}: first script ${f(report.firstScriptMs[config]!)} ms, DOMContentLoaded ${f(report.domContentLoadedMs![config]!)} ms, ` +
          `load ${f(report.loadMs![config]!)} ms` +
          (config === 'none' ? '' : `; first script minus no extension, load by load: ${f(report.firstScriptDeltaMs![config]!)} ms`) +
          `; document start to first script ${f(report.startToFirstScriptMs![config]!)} ms` +
          (config === 'none' ? '' : ` (minus no extension: ${f(report.startToFirstScriptDeltaMs![config]!)} ms)`) +
          `; workers ${report.workers[config]}`,
      );
    }
    return report;
  } finally {
    for (const b of browsers.values()) await b.close().catch(() => undefined);
    await server.close();
    await rm(bare, { recursive: true, force: true });
  }
}
