/**
 * `CALLSEAL_BENCH_ENTRY=experiment npm run bench -- IMPL,IMPL,... [ROUNDS] [BASE_DIR]`: interleaved rounds of any
 * bench-worker implementations (including `floor-copy`, not in the table), median µs per frame and each one's ratio
 * to the first. With BASE_DIR (a checkout of an older commit, e.g. `git archive HEAD src tests | tar -x -C DIR`, with
 * node_modules linked), `base:IMPL` runs IMPL from that checkout's code in a second worker of the same page: an A/B
 * of a change within one run.
 */
import { launchBrowser } from '../../e2e/support/browser';
import { startStaticServer } from '../../e2e/support/static-server';
import type { BenchCase } from './bench-worker';
import { buildBenchWorker, benchHeaders } from './run';
import { spread } from './report';

const PAGE = `<!doctype html><meta charset="utf-8"><title>CallSeal bench A/B</title><script>
const workers = { new: new Worker('/bench-worker.js'), base: new Worker('/bench-worker-base.js') };
const waiting = new Map();
let next = 0;
for (const worker of Object.values(workers)) worker.onmessage = (event) => {
  const { id, result, error } = event.data;
  const w = waiting.get(id);
  waiting.delete(id);
  if (error !== undefined) w.reject(new Error(error)); else w.resolve(result);
};
window.bench = (which, message) => new Promise((resolve, reject) => {
  const id = ++next;
  waiting.set(id, { resolve, reject });
  workers[which].postMessage({ id, ...message });
});
</script>`;

export async function main(argv: string[]): Promise<void> {
  const impls = (argv[0] ?? 'floor,callseal').split(',');
  const rounds = Number(argv[1] ?? 5);
  const baseDir = argv[2];
  const code = await buildBenchWorker(true);
  const base = baseDir ? await buildBenchWorker(true, baseDir) : code;
  const server = await startStaticServer({
    '/': { body: PAGE, headers: benchHeaders },
    '/bench-worker.js': { body: code, type: 'text/javascript', headers: benchHeaders },
    '/bench-worker-base.js': { body: base, type: 'text/javascript', headers: benchHeaders },
  });
  const browser = await launchBrowser({ withExtension: false });
  try {
    const page = await browser.newPage();
    await page.goto(server.url('/'));
    const call = (which: string, m: Record<string, unknown>): Promise<unknown> =>
      page.evaluate(
        (w, x) => (window as unknown as { bench: (w: string, m: unknown) => Promise<unknown> }).bench(w, x),
        which,
        m,
      );
    let cases: BenchCase[] = [];
    for (const which of ['new', 'base']) {
      cases = ((await call(which, { op: 'setup' })) as { cases: BenchCase[] }).cases;
      await call(which, { op: 'verify', frames: 3 });
    }
    const wall: Record<string, number[]> = {};
    for (let round = -1; round < rounds; round++) {
      for (let index = 0; index < cases.length; index++) {
        for (let k = 0; k < impls.length; k++) {
          const name = impls[(k + round + 1 + index) % impls.length] as string;
          const [which, impl] = name.startsWith('base:') ? ['base', name.slice(5)] : ['new', name];
          const s = (await call(which, { op: 'run', impl, index, frames: [3000, 2500, 1200, 400, 250][index], budgetMs: 150 })) as {
            us: number;
          };
          if (round >= 0) (wall[`${name}:${index}`] ??= []).push(s.us);
        }
      }
    }
    const fmt = (n: number): string => n.toFixed(n < 100 ? 1 : 0);
    console.log(`| frame | ${impls.map((i) => `${i} µs`).join(' | ')} | ${impls.slice(1).map((i) => `${i} / ${impls[0]}`).join(' | ')} |`);
    cases.forEach((c, index) => {
      const w = impls.map((i) => spread(wall[`${i}:${index}`] ?? []));
      const first = wall[`${impls[0]}:${index}`] ?? [];
      const ratios = impls.slice(1).map((i) => spread((wall[`${i}:${index}`] ?? []).map((v, r) => v / (first[r] as number))));
      console.log(
        `| ${c.label} | ${w.map((s) => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`).join(' | ')} | ` +
          `${ratios.map((s) => `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`).join(' | ')} |`,
      );
    });
  } finally {
    await browser.close();
    await server.close();
  }
}
