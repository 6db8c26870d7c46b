/**
 * The bench's numbers as JSON (docs/benchmarks/*.json) and as docs/benchmarks.md with an SVG chart. Each script
 * writes its own JSON file — frames.json (`npm run bench`), memory.json (`--long-call`), calls.json and page.json
 * (`npm run bench:calls`, `npm run bench:page`) — and the page is regenerated from whatever files exist, so every
 * figure on it names the run it comes from.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchCase, TableImpl as Impl } from './bench-worker';
import { benchmarksMarkdown } from './markdown';

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface FramesReport {
  chromium: string;
  date: string;
  rounds: number;
  seconds: number;
  cases: BenchCase[];
  /** Per case (same order as `cases`). */
  rows: {
    wall: Record<Impl, Spread>;
    cpu: Record<Impl, Spread>;
    /** Within-round ratios. */
    ratios: { callsealToFloor: Spread; callsealToLivekit: Spread; livekitToFloor: Spread; cpuCallsealToFloor: Spread; cpuCallsealToLivekit: Spread };
    bytesAdded: Record<Impl, number>;
  }[];
  /**
   * The handshake alone, in the bench worker (no network): two fresh controllers exchanging audio frames until both
   * are `encrypted`, as fast as the worker can (`fast`) and one frame each way every 20 ms (`paced`, an audio call's
   * cadence over a network without delay). Ms; `exchanges` is the median number of frame exchanges it took.
   */
  handshake?: { fast: Quantiles & { exchanges: number }; paced: Quantiles & { exchanges: number; signAt: number; signedAt: number } };
}

/** Median and 95th percentile (nearest rank) of a set of milliseconds. */
export interface Quantiles {
  median: number;
  p95: number;
  n: number;
}

export interface MemoryReport {
  date: string;
  minutes: number;
  samples: { minute: number; heapBytes: number }[];
  frames: { audio: number; video: number; failed: number };
}

export interface CallsReport {
  date: string;
  chromium: string;
  timeToEncrypted: {
    calls: number;
    /** Per call that got there, ms from the first media packet either page received to the later side's `encrypted`. */
    ms: number[];
    median: number;
    p95: number;
    /** Calls where a side was not encrypted within 20 s. */
    failed?: number;
    p2p?: Quantiles;
    relay?: Quantiles;
    /** The earlier page's `connected` (ICE and DTLS done) to the later side's `encrypted`. */
    fromConnected?: Quantiles;
    /** The earlier page's `connected` to the first media packet received: WebRTC's part, with CallSeal and without. */
    firstPacket?: { callseal: Quantiles; none?: Quantiles };
    /** Per side, its own first packet received to its own `encrypted`. */
    sides?: Quantiles;
    /** The earlier side's first transform to both pages' connections `connected` (ICE and DTLS: WebRTC's part). */
    connected?: Quantiles;
    /** The earlier side's first transform (the call's setup) to both `encrypted`. */
    fromTransform?: Quantiles;
    /** The service worker's signing round trip (request in, signature out). */
    signing?: Quantiles;
    /** Navigation to the first remote video frame, per page: CallSeal on, and no extension (baseline calls). */
    picture?: { callseal: Quantiles; none?: Quantiles; noneCalls?: number };
    /** /proc/loadavg (1, 5, 15 min) before and after. */
    load?: string[];
  };
  cpu?: {
    /** When this part was measured (it may be older than the time to encrypted). */
    date?: string;
    seconds: number;
    width: number;
    height: number;
    fps: number;
    /** CPU-seconds of both browsers' process trees per run, by configuration ('none', 'off', 'on', …). */
    runs: Record<string, number[]>;
    /** Video frames encoded plus decoded by both browsers during each run, by configuration. */
    videoFrames?: Record<string, number[]>;
    /** The sent video's size at the end of each run, per browser (with WebRTC's quality limitation reason). */
    sizes?: Record<string, string[][]>;
    /** /proc/loadavg before each run. */
    loads?: string[];
  };
}

export interface PageReport {
  date: string;
  chromium: string;
  loads: number;
  /** ms from navigation start to the page's first script, per configuration ('none', 'off', 'on'). */
  firstScriptMs: Record<string, Spread>;
  domContentLoadedMs?: Record<string, Spread>;
  loadMs?: Record<string, Spread>;
  /** Load by load, first script minus the no-extension browser's, per configuration with the extension. */
  firstScriptDeltaMs?: Record<string, Spread>;
  /** From the document's creation (a DevTools script, before any content script) to the first script, and its load-by-load difference. */
  startToFirstScriptMs?: Record<string, Spread>;
  startToFirstScriptDeltaMs?: Record<string, Spread>;
  /** Dedicated workers on a page that makes no call (the most seen after any load). */
  workers: Record<string, number>;
  /** Bytes of each content script in dist/. */
  contentScripts: Record<string, number>;
  /** Bytes of dist/transform-worker.js, which only a page that makes a call loads (protocol.md §7.2). */
  workerCode?: number;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number };
}

export function quantiles(values: number[]): Quantiles {
  return { median: Math.round(spread(values).median), p95: Math.round(percentile(values, 95)), n: values.length };
}

/** The p-th percentile by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export function summarize(input: {
  chromium: string;
  date: string;
  rounds: number;
  seconds: number;
  cases: BenchCase[];
  wall: Record<string, number[]>;
  cpu: Record<string, number[]>;
  bytesAdded: Record<Impl, number[]>;
}): FramesReport {
  const rows = input.cases.map((_, index) => {
    const w = (impl: Impl) => input.wall[`${impl}:${index}`] ?? [];
    const c = (impl: Impl) => input.cpu[`${impl}:${index}`] ?? [];
    const ratio = (a: number[], b: number[]) => spread(a.map((x, i) => x / (b[i] as number)));
    return {
      wall: { floor: spread(w('floor')), livekit: spread(w('livekit')), callseal: spread(w('callseal')) },
      cpu: { floor: spread(c('floor')), livekit: spread(c('livekit')), callseal: spread(c('callseal')) },
      ratios: {
        callsealToFloor: ratio(w('callseal'), w('floor')),
        callsealToLivekit: ratio(w('callseal'), w('livekit')),
        livekitToFloor: ratio(w('livekit'), w('floor')),
        cpuCallsealToFloor: ratio(c('callseal'), c('floor')),
        cpuCallsealToLivekit: ratio(c('callseal'), c('livekit')),
      },
      bytesAdded: {
        floor: input.bytesAdded.floor[index] ?? NaN,
        livekit: input.bytesAdded.livekit[index] ?? NaN,
        callseal: input.bytesAdded.callseal[index] ?? NaN,
      },
    };
  });
  return { chromium: input.chromium, date: input.date, rounds: input.rounds, seconds: input.seconds, cases: input.cases, rows };
}

const us = (s: Spread): string => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
const x = (s: Spread): string => `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;

export function framesTable(report: FramesReport): string {
  const lines = [
    '| frame | floor µs | LiveKit µs | CallSeal µs | CallSeal / floor | CallSeal / LiveKit | CPU: CallSeal / floor | CPU: CallSeal / LiveKit | bytes added: LiveKit, CallSeal |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  report.rows.forEach((row, i) => {
    const c = report.cases[i] as BenchCase;
    lines.push(
      `| ${c.label} | ${us(row.wall.floor)} | ${us(row.wall.livekit)} | ${us(row.wall.callseal)} | ${x(row.ratios.callsealToFloor)} | ` +
        `${x(row.ratios.callsealToLivekit)} | ${x(row.ratios.cpuCallsealToFloor)} | ${x(row.ratios.cpuCallsealToLivekit)} | ` +
        `${row.bytesAdded.livekit}, ${row.bytesAdded.callseal} |`,
    );
  });
  return lines.join('\n');
}

/** Bars: LiveKit / floor and CallSeal / floor per frame size (medians, whiskers min–max), and the 1.25× goal. */
export function framesChart(report: FramesReport): string {
  const width = 640;
  const height = 300;
  const left = 50;
  const bottom = 250;
  const top = 30;
  const maxRatio = Math.max(2, ...report.rows.flatMap((r) => [r.ratios.livekitToFloor.max, r.ratios.callsealToFloor.max]));
  const yOf = (v: number): number => bottom - ((bottom - top) * v) / maxRatio;
  const groupWidth = (width - left - 20) / report.rows.length;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="16" font-size="13">Per-frame cost relative to the WebCrypto floor (median of ${report.rounds} rounds, whiskers min–max)</text>`,
  ];
  for (let v = 0; v <= maxRatio; v += 0.5) {
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${yOf(v)}" y2="${yOf(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${yOf(v) + 4}" text-anchor="end">${v.toFixed(1)}×</text>`);
  }
  parts.push(`<line x1="${left}" x2="${width - 10}" y1="${yOf(1.25)}" y2="${yOf(1.25)}" stroke="#c00" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${width - 12}" y="${yOf(1.25) - 4}" text-anchor="end" fill="#c00">goal 1.25×</text>`);
  report.rows.forEach((row, i) => {
    const x0 = left + i * groupWidth + groupWidth * 0.2;
    const bar = groupWidth * 0.28;
    const series: [Spread, string][] = [
      [row.ratios.livekitToFloor, '#8888cc'],
      [row.ratios.callsealToFloor, '#2a8a4a'],
    ];
    series.forEach(([s, color], k) => {
      const bx = x0 + k * (bar + 4);
      parts.push(`<rect x="${bx}" y="${yOf(s.median)}" width="${bar}" height="${bottom - yOf(s.median)}" fill="${color}"/>`);
      const cx = bx + bar / 2;
      parts.push(`<line x1="${cx}" x2="${cx}" y1="${yOf(s.min)}" y2="${yOf(s.max)}" stroke="black"/>`);
      parts.push(`<text x="${cx}" y="${yOf(s.max) - 3}" text-anchor="middle" font-size="10">${s.median.toFixed(2)}</text>`);
    });
    parts.push(`<text x="${x0 + bar + 2}" y="${bottom + 16}" text-anchor="middle">${(report.cases[i] as BenchCase).label}</text>`);
  });
  parts.push(`<rect x="${left}" y="${bottom + 28}" width="10" height="10" fill="#8888cc"/><text x="${left + 14}" y="${bottom + 37}">LiveKit FrameCryptor / floor</text>`);
  parts.push(`<rect x="${left + 200}" y="${bottom + 28}" width="10" height="10" fill="#2a8a4a"/><text x="${left + 214}" y="${bottom + 37}">CallSeal / floor</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export interface Reports {
  frames?: FramesReport | undefined;
  memory?: MemoryReport | undefined;
  calls?: CallsReport | undefined;
  page?: PageReport | undefined;
}

/** Writes the given reports' JSON (when `write`), then regenerates docs/benchmarks.md from every JSON file. */
export async function renderBenchmarks(fresh: Reports, options: { dir: string; write: boolean }): Promise<{ table: string }> {
  const names = ['frames', 'memory', 'calls', 'page'] as const;
  if (options.write) {
    await mkdir(options.dir, { recursive: true });
    for (const name of names) {
      if (fresh[name]) await writeFile(join(options.dir, `${name}.json`), `${JSON.stringify(fresh[name], null, 1)}\n`);
    }
  }
  const all: Reports = {};
  for (const name of names) {
    (all as Record<string, unknown>)[name] = fresh[name] ?? (options.write ? await readJsonFile(join(options.dir, `${name}.json`)) : undefined);
  }
  const table = all.frames ? framesTable(all.frames) : '';
  if (options.write) {
    if (all.frames) await writeFile(join(options.dir, 'frames.svg'), `${framesChart(all.frames)}\n`);
    await writeFile(join(options.dir, '..', 'benchmarks.md'), benchmarksMarkdown(all));
  }
  return { table };
}
