/**
 * `npm run bench`: the per-frame cost of CallSeal's hot path in real Chromium, side by side with the WebCrypto floor
 * and LiveKit's FrameCryptor (bench-worker.ts), in one dedicated worker of one headless Chromium.
 *
 * - The worker is bundled by vite with the transform worker's own settings (IIFE, the manifest's minimum Chrome, minified) and loaded from
 *   a page served on 127.0.0.1 (cross-origin isolated, so the worker's clock has 5 µs resolution).
 * - Correctness first: every implementation gives back each frame it was given, and bytes added are measured.
 * - Then interleaved rounds: in every round each case runs once through each implementation, in a rotating order,
 *   so slow phases of a shared machine hit all three alike. Per case and implementation: the median over rounds of
 *   µs per frame (wall clock in the worker) and of CPU µs per frame (every thread of the renderer process, from
 *   /proc/<pid>/task/<tid>/schedstat: the worker, WebCrypto's threads and the rest), with the spread (min–max);
 *   ratios are taken within each round and then summarised the same way.
 * - Writes docs/benchmarks/frames.json and regenerates docs/benchmarks.md (report.ts).
 *
 * Flags: --smoke (correctness and one short round, writes nothing), --rounds N (default 7), --long-call[=MIN]
 * (the worker's heap over a paced call of MIN minutes, default 10: docs/benchmarks/memory.json), --profile (a CPU
 * profile of the worker while CallSeal runs: .tmp/bench-*.cpuprofile, with its top functions printed).
 */
import { access, readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build } from 'vite';
import { MINIMUM_CHROME_VERSION } from '../../../manifest.config.ts';
import type { CDPSession, Page } from 'puppeteer';
import { launchBrowser } from '../../e2e/support/browser';
import { startStaticServer } from '../../e2e/support/static-server';
import type { BenchCase, Impl, VerifyResult } from './bench-worker';
import { measureCalls } from './calls';
import { measurePage } from './page';
import { quantiles, readJsonFile, renderBenchmarks, spread, summarize, type CallsReport, type FramesReport, type MemoryReport } from './report';

const ROOT = resolve(import.meta.dirname, '../../..');
const IMPLS: Impl[] = ['floor', 'livekit', 'callseal'];
/** At most this many frames per sample, and at most SAMPLE_MS of them (a loaded machine is much slower). */
const FRAMES_PER_SAMPLE = [3000, 2500, 1200, 400, 250];
const SAMPLE_MS = 150;

/** livekit-client's TypeScript source folder (shipped in the package; its exports name only bundles). */
function livekitSource(): string {
  const entry = createRequire(join(ROOT, 'package.json')).resolve('livekit-client');
  return join(dirname(entry), '..', 'src', 'e2ee');
}

export async function buildBenchWorker(minify = true, root = ROOT): Promise<string> {
  const output = await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    resolve: { alias: { 'livekit-e2ee': livekitSource() } },
    build: {
      write: false,
      target: `chrome${MINIMUM_CHROME_VERSION}`,
      minify,
      lib: { entry: join(root, 'tests/bench/browser/bench-worker.ts'), formats: ['iife'], name: 'CallSealBench' },
    },
  });
  const result = Array.isArray(output) ? output[0] : output;
  const chunk = (result as { output: { type: string; code?: string }[] }).output.find((o) => o.type === 'chunk');
  if (!chunk?.code) throw new Error('the bench worker did not build');
  return chunk.code;
}

export const benchHeaders = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
export const benchPage = `<!doctype html><meta charset="utf-8"><title>CallSeal bench</title><script>
const worker = new Worker('/bench-worker.js');
const waiting = new Map();
let next = 0;
worker.onmessage = (event) => {
  const { id, result, error } = event.data;
  const w = waiting.get(id);
  waiting.delete(id);
  if (error !== undefined) w.reject(new Error(error)); else w.resolve(result);
};
window.bench = (message) => new Promise((resolve, reject) => {
  const id = ++next;
  waiting.set(id, { resolve, reject });
  worker.postMessage({ id, ...message });
});
</script>`;

export interface BenchOptions {
  smoke: boolean;
  rounds: number;
  longCallMinutes: number | null;
  profile: boolean;
  write: boolean;
  /** Handshakes in the worker (each as fast as it can and paced). */
  handshakes: number;
  /** Calls with CallSeal for the time to encrypted (0: none), and calls without the extension (the baseline). */
  calls: number;
  baseline: number;
  /** Loads per browser for the page-start cost (0: not measured). */
  pageLoads: number;
  /** Whole-call CPU: none, off, on, `cpuRuns` times each, `cpuSeconds` long. */
  cpu: boolean;
  cpuSeconds: number;
  cpuRuns: number;
}

export function parseArgs(argv: string[]): BenchOptions {
  const options: BenchOptions = {
    smoke: false,
    rounds: 7,
    longCallMinutes: null,
    profile: false,
    write: true,
    handshakes: 10,
    calls: 20,
    baseline: 6,
    pageLoads: 30,
    cpu: false,
    cpuSeconds: 20,
    cpuRuns: 3,
  };
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const number = (): number => Number(arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i]);
    given.add(arg.split('=')[0] as string);
    if (arg === '--smoke') options.smoke = true;
    else if (arg === '--cpu') options.cpu = true;
    else if (arg.startsWith('--calls')) options.calls = number();
    else if (arg.startsWith('--baseline')) options.baseline = number();
    else if (arg.startsWith('--page-loads')) options.pageLoads = number();
    else if (arg.startsWith('--cpu-seconds')) options.cpuSeconds = number();
    else if (arg.startsWith('--cpu-runs')) options.cpuRuns = number();
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--no-write') options.write = false;
    else if (arg === '--rounds') options.rounds = Number(argv[++i]);
    else if (arg.startsWith('--rounds=')) options.rounds = Number(arg.slice(9));
    else if (arg.startsWith('--handshakes=')) options.handshakes = Number(arg.slice(13));
    else if (arg === '--long-call') options.longCallMinutes = 10;
    else if (arg.startsWith('--long-call=')) options.longCallMinutes = Number(arg.slice(12));
    else throw new Error(`unknown flag ${arg}`);
  }
  if (options.smoke) options.write = false;
  // The smoke is the frames' correctness only; a long call, a profile or the CPU figure alone measure only that.
  const alone = options.smoke || options.longCallMinutes !== null || options.profile;
  if (alone || (options.cpu && !given.has('--calls'))) options.calls = 0;
  if (alone || (options.cpu && !given.has('--page-loads'))) options.pageLoads = 0;
  if ((options.longCallMinutes !== null || (options.cpu && !options.smoke)) && !given.has('--rounds')) options.rounds = 0;
  if (options.calls === 0 && !given.has('--baseline')) options.baseline = 0;
  return options;
}

/** CPU time (ns) of every thread of the given processes. */
async function cpuNs(pids: number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) {
    let tasks: string[];
    try {
      tasks = await readdir(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        total += Number((await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')).split(' ')[0]);
      } catch {
        // a thread that ended meanwhile
      }
    }
  }
  return total;
}

async function rendererPids(session: CDPSession): Promise<number[]> {
  const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  return processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
}

type Call = (message: Record<string, unknown>) => Promise<unknown>;

function caller(page: Page): Call {
  return (message) => page.evaluate((m) => (window as unknown as { bench: Call }).bench(m), message);
}

export interface BenchRun {
  frames: FramesReport;
  memory?: MemoryReport;
}

export async function runBench(options: BenchOptions, log: (line: string) => void = console.log): Promise<BenchRun> {
  const started = Date.now();
  log('building the bench worker (vite, the transform worker settings)…');
  const code = await buildBenchWorker(!options.profile); // a profile wants the functions' names
  const server = await startStaticServer({
    '/': { body: benchPage, headers: benchHeaders },
    '/bench-worker.js': { body: code, type: 'text/javascript', headers: benchHeaders },
  });
  const browser = await launchBrowser({ withExtension: false });
  try {
    const page = await browser.newPage();
    let workerSession: CDPSession | undefined;
    page.on('workercreated', (worker) => (workerSession = worker.client));
    await page.goto(server.url('/'));
    const call = caller(page);
    const version = await browser.browser.version();
    log(`${version}; setting up (LiveKit keys, CallSeal handshake)…`);
    const setup = (await call({ op: 'setup' })) as { cases: BenchCase[] };
    const cases = setup.cases;
    const verified = (await call({ op: 'verify', frames: options.smoke ? 2 : 5 })) as VerifyResult;
    log('correctness: every implementation gave back every frame it was given');
    const browserSession = await browser.browser.target().createCDPSession();
    const pids = await rendererPids(browserSession);

    if (options.profile && workerSession) await profile(workerSession, call, cases, log);

    const rounds = options.smoke ? 1 : options.rounds;
    const wall: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    const scale = options.smoke ? 0.02 : 1;
    // A warm-up round (not counted), then the measured ones.
    for (let round = rounds > 0 ? -1 : 0; round < rounds; round++) {
      for (let index = 0; index < cases.length; index++) {
        const maxFrames = Math.max(5, Math.round((FRAMES_PER_SAMPLE[index] ?? 200) * scale));
        const budgetMs = options.smoke ? 20 : round < 0 ? 40 : SAMPLE_MS;
        for (let k = 0; k < IMPLS.length; k++) {
          const impl = IMPLS[(k + round + 1 + index) % IMPLS.length] as Impl;
          const before = await cpuNs(pids);
          const sample = (await call({ op: 'run', impl, index, frames: maxFrames, budgetMs })) as { frames: number; us: number };
          const cpuUs = (await cpuNs(pids)) - before;
          if (round < 0) continue;
          const key = `${impl}:${index}`;
          (wall[key] ??= []).push(sample.us);
          (cpu[key] ??= []).push(cpuUs / 1000 / sample.frames);
        }
      }
      if (round >= 0) log(`round ${round + 1}/${rounds} done`);
    }
    const frames = summarize({
      chromium: version,
      date: new Date().toISOString(),
      rounds,
      cases,
      wall,
      cpu,
      bytesAdded: verified.bytesAdded,
      seconds: 0,
    });
    let memory: MemoryReport | undefined;
    if (options.longCallMinutes !== null && workerSession) {
      memory = await longCall(workerSession, call, options.longCallMinutes, log);
    }
    if (options.handshakes > 0) frames.handshake = await handshakes(call, options.smoke ? 1 : options.handshakes, log);
    frames.seconds = Math.round((Date.now() - started) / 1000);
    return memory ? { frames, memory } : { frames };
  } finally {
    await browser.close();
    await server.close();
  }
}

interface HandshakeSample {
  ms: number;
  exchanges: number;
  signAt: number[];
  signedAt: number[];
}

/** The handshake alone in the bench worker, `count` times each as fast as it can and at an audio call's cadence. */
async function handshakes(call: Call, count: number, log: (line: string) => void): Promise<NonNullable<FramesReport['handshake']>> {
  const fast: HandshakeSample[] = [];
  const paced: HandshakeSample[] = [];
  for (let i = 0; i < count; i++) {
    fast.push((await call({ op: 'handshake', cadenceMs: 0 })) as HandshakeSample);
    paced.push((await call({ op: 'handshake', cadenceMs: 20 })) as HandshakeSample);
  }
  const median = (values: number[]): number => spread(values).median;
  const q = (list: HandshakeSample[]) => ({ ...quantiles(list.map((h) => h.ms)), exchanges: median(list.map((h) => h.exchanges)) });
  const result = {
    fast: q(fast),
    paced: {
      ...q(paced),
      signAt: Math.round(median(paced.map((h) => Math.max(...h.signAt)))),
      signedAt: Math.round(median(paced.map((h) => Math.max(...h.signedAt)))),
    },
  };
  log(
    `handshake in the worker, no network (${count} each): as fast as it can ${result.fast.median} ms median, p95 ${result.fast.p95} ` +
      `(${result.fast.exchanges} exchanges); one frame each way per 20 ms ${result.paced.median} ms median, p95 ${result.paced.p95} ` +
      `(${result.paced.exchanges} exchanges; the later signature asked at ${result.paced.signAt} ms, back at ${result.paced.signedAt} ms)`,
  );
  return result;
}

async function profile(session: CDPSession, call: Call, cases: BenchCase[], log: (line: string) => void): Promise<void> {
  await mkdir(join(ROOT, '.tmp'), { recursive: true });
  // 100 B, 1 KB, 10 KB and 100 KB: the audio frame, and video frames where fixed costs, then bytes dominate. The
  // floor is profiled too, so the worker thread's time per frame can be compared function by function.
  for (const index of [0, 1, 2, 4]) {
    const c = cases[index] as BenchCase;
    for (const impl of ['floor', 'callseal'] as const) {
      await session.send('Profiler.enable');
      await session.send('Profiler.setSamplingInterval', { interval: 50 });
      await session.send('Profiler.start');
      const frames = [20_000, 10_000, 5_000, 2_000, 1_000][index] as number;
      const sample = (await call({ op: 'run', impl, index, frames, budgetMs: 4000 })) as { frames: number; us: number };
      const { profile } = (await session.send('Profiler.stop')) as { profile: CpuProfile };
      const file = join(ROOT, '.tmp', `bench-${impl}-${c.size}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      log(`profile of ${impl}, ${c.label}: ${sample.frames} frames, median ${sample.us.toFixed(0)} µs; ${file}`);
      for (const line of topFunctions(profile, impl === 'floor' ? 8 : 25, sample.frames)) log(`  ${line}`);
      if (index > 1) continue;
      // What the worker allocates per frame (sampled every 256 bytes), by function.
      await session.send('HeapProfiler.enable');
      await session.send('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      const counted = (await call({ op: 'run', impl, index, frames, budgetMs: 2000 })) as { frames: number };
      const { profile: heap } = (await session.send('HeapProfiler.stopSampling')) as { profile: HeapProfile };
      log(`  allocations of ${impl}, ${c.label}, bytes per frame by function:`);
      for (const line of topAllocations(heap, 12, counted.frames)) log(`    ${line}`);
    }
  }
}

interface HeapProfile {
  head: HeapNode;
}
interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Bytes allocated per frame by function (self), from a sampling heap profile. */
function topAllocations(profile: HeapProfile, n: number, frames: number): string[] {
  const self = new Map<string, number>();
  const walk = (node: HeapNode): void => {
    const f = node.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}` : ''}`;
    self.set(name, (self.get(name) ?? 0) + node.selfSize);
    node.children.forEach(walk);
  };
  walk(profile.head);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [
    `total ${(total / frames).toFixed(0)} bytes per frame`,
    ...[...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, bytes]) => `${(bytes / frames).toFixed(0).padStart(7)} B/frame  ${name}`),
  ];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time by function: share of the profile and µs per frame (the worker thread only; WebCrypto's run elsewhere). */
function topFunctions(profile: CpuProfile, n: number, frames: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    if (!node) return;
    const f = node.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}` : ''}`;
    self.set(name, (self.get(name) ?? 0) + dt);
  });
  const busy = total - (self.get('(idle) ') ?? 0);
  return [
    `worker thread busy ${(busy / frames).toFixed(1)} µs per frame (of ${(total / frames).toFixed(1)} µs)`,
    ...[...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}% ${(us / frames).toFixed(2).padStart(8)} µs/frame  ${name}`),
  ];
}

async function longCall(session: CDPSession, call: Call, minutes: number, log: (line: string) => void): Promise<MemoryReport> {
  const heap = async (): Promise<number> => {
    await session.send('HeapProfiler.collectGarbage');
    const { usedSize } = (await session.send('Runtime.getHeapUsage')) as { usedSize: number };
    return usedSize;
  };
  const samples: { minute: number; heapBytes: number }[] = [{ minute: 0, heapBytes: await heap() }];
  log(`long call: ${minutes} min at 50 audio + 30 video frames a second…`);
  await call({ op: 'pace-start' });
  for (let minute = 1; minute <= minutes; minute++) {
    await new Promise((r) => setTimeout(r, 60_000));
    samples.push({ minute, heapBytes: await heap() });
    log(`  minute ${minute}: worker heap ${(samples.at(-1)!.heapBytes / 1e6).toFixed(2)} MB`);
  }
  const counts = (await call({ op: 'pace-stop' })) as { audio: number; video: number; failed: number };
  return { date: new Date().toISOString(), minutes, samples, frames: counts };
}

export async function main(argv: string[]): Promise<void> {
  const options = parseArgs(argv);
  const started = Date.now();
  const log = (line: string): void => console.log(line);
  const out = join(ROOT, 'docs', 'benchmarks');
  const result = await runBench(options, log);
  const chromium = result.frames.chromium;
  let calls: CallsReport | undefined;
  if (options.calls > 0 || options.cpu) {
    await access(join(ROOT, 'dist', 'manifest.json')).catch(() => {
      throw new Error('dist/ is missing: run `npm run build` first (the calls use the built extension)');
    });
    calls = await measureCalls(
      { calls: options.calls, baseline: options.baseline, cpu: options.cpu, seconds: options.cpuSeconds, runs: options.cpuRuns, configs: ['none', 'bare', 'off', 'on'] },
      chromium,
      log,
    );
    // The part not measured this time (time to encrypted, or the CPU figure) stays from its last run, with its date.
    const old = options.write ? await readJsonFile<CallsReport>(join(out, 'calls.json')) : undefined;
    if (options.calls === 0 && old) calls.timeToEncrypted = old.timeToEncrypted;
    if (!options.cpu && old?.cpu) calls.cpu = old.cpu;
  }
  const page = options.pageLoads > 0 ? await measurePage(options.pageLoads, chromium, log) : undefined;
  // Frames measured with no rounds (a long call, a profile, the CPU figure alone) do not replace the last table.
  const frames = options.rounds > 0 ? result.frames : undefined;
  const { table } = await renderBenchmarks({ frames, memory: result.memory, calls, page }, { dir: out, write: options.write });
  if (table) console.log(`\n${table}`);
  const seconds = Math.round((Date.now() - started) / 1000);
  if (options.write) console.log(`\nwrote docs/benchmarks/*.json and docs/benchmarks.md (${seconds} s in all)`);
  else console.log(`\n${seconds} s in all (nothing written)`);
}
