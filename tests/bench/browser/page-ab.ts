/**
 * `CALLSEAL_BENCH_ENTRY=page-ab npm run bench -- [--loads N] [--trace N] name=DIR …`: two or more builds of CallSeal
 * (unpacked extension folders, e.g. a copy of dist/ from another commit) side by side with a browser without the
 * extension, on the page-start bench's page without a call (page.ts), interleaved load by load in a rotating order.
 * Prints, per build, document made → first script (the content scripts' own cost) and its load-by-load difference
 * against the no-extension browser; then `--trace N` more loads each under a Chromium trace, with the
 * `EvaluateScript` time of `bridge.js` and `main-world.js`; then `--profile N` more loads each under V8's sampling
 * profiler (CDP `Profiler`, 25 µs), with the self time of the content scripts' functions, summed per load (median
 * over the loads) and the top ones by name and position (build with `--minify false` for names). Writes nothing: a
 * one-off comparison (issue 11, goal 6: what the worker's source inside main-world.js cost, docs/benchmarks.md).
 */
import type { Page } from 'puppeteer';
import { launchBrowser, type TestBrowser } from '../../e2e/support/browser';
import { startStaticServer } from '../../e2e/support/static-server';
import { PAGE } from './page';
import { spread, type Spread } from './report';

interface TraceEvent {
  name: string;
  dur?: number;
  args?: { data?: { url?: string } };
}

const f = (s: Spread): string => `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;

export async function main(argv: string[]): Promise<void> {
  let loads = 40;
  let traceLoads = 15;
  let profileLoads = 0;
  const builds: [string, string | undefined][] = [['none', undefined]];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--loads') loads = Number(argv[++i]);
    else if (arg === '--trace') traceLoads = Number(argv[++i]);
    else if (arg === '--profile') profileLoads = Number(argv[++i]);
    else if (/^[\w-]+=/.test(arg)) builds.push([arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]);
    else throw new Error(`unknown argument ${arg}`);
  }
  if (builds.length < 2) throw new Error('name at least one build: name=DIR');
  const server = await startStaticServer({
    '/': { body: PAGE },
    '/style.css': { body: 'body { font: 16px sans-serif }', type: 'text/css' },
    '/app.js': { body: 'document.title += "!";', type: 'text/javascript' },
  });
  const browsers: TestBrowser[] = [];
  try {
    const pages: Page[] = [];
    for (const [, dir] of builds) {
      const browser = dir ? await launchBrowser({ extensionDir: dir, isCallSeal: true }) : await launchBrowser({ withExtension: false });
      browsers.push(browser);
      const page = await browser.newPage();
      await page.evaluateOnNewDocument(() => {
        (window as unknown as { benchDocStart: number }).benchDocStart = performance.now();
      });
      pages.push(page);
    }
    console.log(`${loads} loads in each of ${builds.map(([n]) => n).join(', ')} (interleaved), then ${traceLoads} traced…`);
    const times: number[][] = builds.map(() => []);
    // Three loads each first, not counted (disk cache, JIT).
    for (let i = -3; i < loads; i++) {
      for (let k = 0; k < builds.length; k++) {
        const b = (k + i + 3 * builds.length) % builds.length;
        const page = pages[b] as Page;
        await page.goto(server.url(`/?load=${i}`), { waitUntil: 'load' });
        const ms = await page.evaluate(() => {
          const w = window as unknown as { benchFirstScript: number; benchDocStart: number };
          return w.benchFirstScript - w.benchDocStart;
        });
        if (i >= 0) times[b]?.push(ms);
      }
    }
    const none = times[0] as number[];
    builds.forEach(([name], b) => {
      const list = times[b] as number[];
      console.log(
        `${name}: document made → first script ${f(spread(list))} ms` +
          (b === 0 ? '' : `; minus none, load by load ${f(spread(list.map((v, i) => v - (none[i] as number))))} ms`),
      );
    });
    const evaluate: Record<string, number[]>[] = builds.map(() => ({}));
    for (let i = 0; i < traceLoads; i++) {
      for (let b = 1; b < builds.length; b++) {
        const page = pages[b] as Page;
        await page.tracing.start({ categories: ['devtools.timeline'] });
        await page.goto(server.url(`/?trace=${i}`), { waitUntil: 'load' });
        const trace = JSON.parse(new TextDecoder().decode(await page.tracing.stop())) as { traceEvents: TraceEvent[] };
        for (const event of trace.traceEvents) {
          const file = /\/(bridge\.js|main-world\.js)$/.exec(event.args?.data?.url ?? '')?.[1];
          if (event.name === 'EvaluateScript' && event.dur !== undefined && file) (evaluate[b]![file] ??= []).push(event.dur / 1000);
        }
      }
    }
    builds.forEach(([name], b) => {
      for (const [file, list] of Object.entries(evaluate[b] ?? {})) console.log(`${name}: EvaluateScript ${file} ${f(spread(list))} ms (${list.length} loads)`);
    });
    for (let b = 1; b < builds.length && profileLoads > 0; b++) await profile(builds[b]![0], pages[b] as Page, server.url('/'), profileLoads);
  } finally {
    for (const browser of browsers) await browser.close().catch(() => undefined);
    await server.close();
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

const SCRIPT = /\/(bridge\.js|main-world\.js)$/;

/**
 * `loads` loads of `url` under V8's sampling profiler: the time spent in the content scripts per load — their own
 * code and the browser's code they call (Blink and V8 built-ins show as nodes without a script) — median and spread,
 * and summed over the loads per function of theirs, with the built-ins it called named (the top 20, ms per load).
 */
async function profile(name: string, page: Page, url: string, loads: number): Promise<void> {
  const cdp = await page.createCDPSession();
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 25 });
  const perLoad: Record<string, number[]> = {};
  const perFunction = new Map<string, number>();
  for (let i = 0; i < loads; i++) {
    await cdp.send('Profiler.start');
    await page.goto(`${url}?profile=${i}`, { waitUntil: 'load' });
    const { profile: p } = (await cdp.send('Profiler.stop')) as unknown as {
      profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    };
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
    const total: Record<string, number> = {};
    p.samples.forEach((id, k) => {
      const dt = (p.timeDeltas[k + 1] ?? 0) / 1000; // the time until the next sample is this sample's
      // The innermost frame of a content script on this sample's stack, and the built-in it was in, if any.
      let native: string | undefined;
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = nodes.get(at)?.callFrame;
        if (!frame) break;
        const file = SCRIPT.exec(frame.url)?.[1];
        if (!file) {
          if (frame.url === '' && native === undefined && at === id) native = frame.functionName || '(native)';
          if (frame.url !== '') break; // another script's code (the page's, DevTools'): not ours
          continue;
        }
        total[file] = (total[file] ?? 0) + dt;
        const key = `${file} ${frame.functionName || '(top level)'} ${frame.lineNumber + 1}:${frame.columnNumber + 1}${native ? ` → ${native}` : ''}`;
        perFunction.set(key, (perFunction.get(key) ?? 0) + dt);
        break;
      }
    });
    for (const file of ['main-world.js', 'bridge.js']) (perLoad[file] ??= []).push(total[file] ?? 0);
  }
  await cdp.detach();
  for (const [file, list] of Object.entries(perLoad)) console.log(`${name}: time in ${file} per load ${f(spread(list))} ms (${loads} loads)`);
  const top = [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, 20);
  for (const [key, ms] of top) console.log(`  ${(ms / loads).toFixed(2)} ms/load  ${key}`);
}
