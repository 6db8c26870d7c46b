/**
 * `npm run bench:calls [-- flags]`: whole calls of the demo app (`demo/`) between two real Chromium browsers on
 * 127.0.0.1, each with its own profile and the built extension (`dist/`, run `npm run build` first).
 *
 * Time to encrypted (`--calls N`, default 20; half peer-to-peer, half through the test relay):
 * - Both browsers are launched once per topology with CallSeal switched on, then every call is a fresh room: both
 *   pages load the call page (new documents: a new hook, worker and session each), the call runs until both sides
 *   are `encrypted` (or 20 s), then both pages leave.
 * - What is measured, and where: every report a tab's transform worker sends reaches the extension's service worker
 *   over the bridge's runtime port; a listener added there (CDP `evaluate` in the service worker, next to the
 *   extension's own) stamps each on arrival with `performance.timeOrigin + performance.now()` (the machine's clock,
 *   the same in both browsers and pages). A side is ENCRYPTED at the arrival of its first report with state
 *   `encrypted`. The FIRST MEDIA FRAME is taken as the moment the first page's peer connection reaches `connected`
 *   (ICE and DTLS done), stamped in the page: frames the encoder made before that never reach the other side, so
 *   that is the first media frame that can cross (CallSeal's handshake rides on media frames, protocol.md §2).
 *   Time to encrypted of a call = the later side's `encrypted` minus that. Also recorded: the time from the first
 *   transform (a side's first report: `noteTransform()` in call-controller.ts, at the call's setup) to both
 *   connected (WebRTC's part, the same with or without CallSeal), and the service worker's signing round trip.
 * - The no-extension baseline: the same calls without the extension, for the time from navigation to the first
 *   remote video frame (`requestVideoFrameCallback`, what the user sees) with and without CallSeal.

 * Whole-call CPU (`--cpu`, with `--seconds S` default 60 and `--runs R` default 3): a p2p call at 640×480, 30 fps
 * (Chromium's animated fake camera, `video=640x480` in the demo URL), in four configurations — no extension, no
 * extension with the page's own empty transforms (`bare`, bare-transform.ts), CallSeal switched off, CallSeal on
 * (encrypted) — interleaved per run. The call is connected (and, when on,
 * encrypted), then CPU time (utime + stime, `/proc/<pid>/stat`) of every process of both browsers' trees is summed
 * over the next S seconds.
 *
 * Writes docs/benchmarks/calls.json (merged with what is there) and regenerates docs/benchmarks.md.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Page } from 'puppeteer';
import { startDemoServer, type DemoServer } from '../../../demo/server.mjs';
import { launchBrowser, type TestBrowser } from '../../e2e/support/browser';
import { switchOn } from '../../e2e/support/call';
import { startRelay, type Relay } from '../../e2e/support/relay';
import { waitFor } from '../../e2e/support/wait';
import { BARE_TRANSFORM_SCRIPT } from './bare-transform';
import { percentile, quantiles, renderBenchmarks, spread, type CallsReport } from './report';

const ROOT = resolve(import.meta.dirname, '../../..');

interface Options {
  calls: number;
  /** Calls without the extension, for the time to the first remote picture. */
  baseline: number;
  cpu: boolean;
  seconds: number;
  runs: number;
  write: boolean;
  configs: CpuConfig[];
}

type CpuConfig = 'none' | 'bare' | 'off' | 'on';

function parseArgs(argv: string[]): Options {
  const options: Options = { calls: 0, baseline: -1, cpu: false, seconds: 60, runs: 3, write: true, configs: ['none', 'bare', 'off', 'on'] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): number => Number(arg.includes('=') ? arg.split('=')[1] : argv[++i]);
    if (arg.startsWith('--calls')) options.calls = value();
    else if (arg.startsWith('--baseline')) options.baseline = value();
    else if (arg === '--cpu') options.cpu = true;
    else if (arg.startsWith('--seconds')) options.seconds = value();
    else if (arg.startsWith('--runs')) options.runs = value();
    else if (arg.startsWith('--configs=')) options.configs = arg.slice(10).split(',') as CpuConfig[];
    else if (arg === '--no-write') options.write = false;
    else throw new Error(`unknown flag ${arg}`);
  }
  if (!options.cpu && options.calls === 0) options.calls = 20;
  if (options.baseline < 0) options.baseline = Math.ceil(options.calls / 2);
  return options;
}

// ---- the service worker's view of the reports -----------------------------------------------------------------

interface Stamp {
  t: number;
  tabId: number | undefined;
  kind: 'report' | 'sign' | 'signed' | 'connected';
  state?: string;
  session?: string;
  seq?: number;
}

/** Adds a listener to the extension's service worker that stamps every report and signing request on arrival. */
async function instrument(browser: TestBrowser): Promise<void> {
  const worker = await browser.serviceWorker();
  await worker.evaluate(() => {
    const g = globalThis as unknown as { benchStamps?: unknown[] };
    if (g.benchStamps) return;
    const stamps: unknown[] = [];
    g.benchStamps = stamps;
    chrome.runtime.onConnect.addListener((port) => {
      const tabId = port.sender?.tab?.id;
      port.onMessage.addListener((message: { kind?: string; report?: { state?: string; session?: string; seq?: number } }) => {
        const t = performance.timeOrigin + performance.now();
        if (message?.kind === 'session' && message.report) {
          stamps.push({ t, tabId, kind: 'report', state: message.report.state, session: message.report.session, seq: message.report.seq });
        } else if (message?.kind === 'sign') stamps.push({ t, tabId, kind: 'sign' });
      });
      // The background's answers go out through the same port object: the signature's departure is stamped too.
      const post = port.postMessage.bind(port);
      port.postMessage = (message: { kind?: string }) => {
        if (message?.kind === 'signed') stamps.push({ t: performance.timeOrigin + performance.now(), tabId, kind: 'signed' });
        post(message);
      };
    });
  });
}

/** The stamps since `since` (and clears them), or throws when the listener is gone (the service worker restarted). */
async function takeStamps(browser: TestBrowser): Promise<Stamp[]> {
  const worker = await browser.serviceWorker();
  const stamps = await worker.evaluate(() => {
    const g = globalThis as unknown as { benchStamps?: unknown[] };
    if (!g.benchStamps) return null;
    return g.benchStamps.splice(0);
  });
  if (stamps === null) throw new Error('the service worker lost the bench listener (it restarted)');
  return stamps as Stamp[];
}

// ---- time to encrypted ----------------------------------------------------------------------------------------

interface CallTiming {
  topology: string;
  extension: boolean;
  /** Later side's `encrypted` minus the first media packet received by either page (the call's first media frame). */
  ms: number | null;
  /** Later side's `encrypted` minus the earlier page's `connected` (ICE and DTLS done). */
  fromConnected: number | null;
  /** The first media packet received by either page minus the earlier page's `connected` (WebRTC's part). */
  firstPacket: number | null;
  /** Per side: its own `encrypted` minus its own first packet received. */
  sides: (number | null)[];
  /** The later page's `connected` minus the earlier side's first transform (WebRTC's part of the setup). */
  connected: number | null;
  /** Later side's `encrypted` minus the earlier side's first transform. */
  fromTransform: number | null;
  /** Per page: navigation start to its first remote video frame (what the user sees). */
  picture: (number | null)[];
  /** Per page: its first RTP packet received, ms after the earlier `connected` (getStats, ±20 ms). */
  firstReceived: (number | null)[];
  /** Ms after the earlier `connected`: each signing request's arrival and each signature's departure. */
  signs: number[];
  signed: number[];
}

/**
 * Stamps, in the page: the moment each of its peer connections reaches `connected` (ICE and DTLS done: media can
 * flow), and the first remote video frame presented (`requestVideoFrameCallback` on `#remote-video`: what the user
 * sees). Added before the page's scripts; it wraps whatever `RTCPeerConnection` is (CallSeal's hook wraps it too).
 */
async function stampPage(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const stamps: { connected: number[]; picture?: number; firstSent?: number; firstReceived?: number } = { connected: [] };
    (window as unknown as { benchStamps: typeof stamps }).benchStamps = stamps;
    const now = (): number => performance.timeOrigin + performance.now();
    /** When the first RTP packet left and arrived (getStats, polled every 20 ms from `connected` for at most 5 s). */
    const watch = (pc: RTCPeerConnection): void => {
      const until = performance.now() + 5000;
      const poll = async (): Promise<void> => {
        const report = await pc.getStats().catch(() => undefined);
        const t = now();
        report?.forEach((s: { type: string; packetsSent?: number; packetsReceived?: number }) => {
          if (s.type === 'outbound-rtp' && (s.packetsSent ?? 0) > 0) stamps.firstSent ??= t;
          if (s.type === 'inbound-rtp' && (s.packetsReceived ?? 0) > 0) stamps.firstReceived ??= t;
        });
        if ((stamps.firstSent === undefined || stamps.firstReceived === undefined) && performance.now() < until) setTimeout(() => void poll(), 20);
      };
      void poll();
    };
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = new Proxy(Native, {
      construct(target, args, newTarget) {
        const pc = Reflect.construct(target, args, newTarget) as RTCPeerConnection;
        ((window as unknown as { benchPcs?: RTCPeerConnection[] }).benchPcs ??= []).push(pc);
        pc.addEventListener('connectionstatechange', () => {
          if (pc.connectionState !== 'connected') return;
          stamps.connected.push(now());
          watch(pc);
        });
        return pc;
      },
    });
    addEventListener('DOMContentLoaded', () => {
      const video = document.getElementById('remote-video') as HTMLVideoElement | null;
      video?.requestVideoFrameCallback(() => (stamps.picture = now()));
    });
  });
}

interface PageStamps {
  /** The page's navigation start (performance.timeOrigin). */
  origin: number;
  connected: number | undefined;
  picture: number | undefined;
  firstSent: number | undefined;
  firstReceived: number | undefined;
}

async function pageStamps(page: Page): Promise<PageStamps> {
  return page.evaluate(() => {
    const stamps = (
      window as unknown as { benchStamps?: { connected: number[]; picture?: number; firstSent?: number; firstReceived?: number } }
    ).benchStamps;
    return {
      origin: performance.timeOrigin,
      connected: stamps?.connected[0],
      picture: stamps?.picture,
      firstSent: stamps?.firstSent,
      firstReceived: stamps?.firstReceived,
    };
  });
}

async function leave(page: Page): Promise<void> {
  await page.goto('about:blank').catch(() => undefined);
}

async function timeCalls(
  topology: 'p2p' | 'single',
  count: number,
  extension: boolean,
  log: (line: string) => void,
): Promise<CallTiming[]> {
  let relay: Relay | undefined;
  let server: DemoServer | undefined;
  const browsers: TestBrowser[] = [];
  try {
    if (topology !== 'p2p') relay = await startRelay();
    server = await startDemoServer(relay ? { mediaServer: relay } : {});
    const pages: Page[] = [];
    for (let k = 0; k < 2; k++) {
      const browser = await launchBrowser({ withExtension: extension });
      browsers.push(browser);
      const page = await browser.newPage();
      await stampPage(page);
      if (extension) {
        await page.goto(server.url('/'));
        const popup = await switchOn(browser, page);
        await popup.close();
        await instrument(browser);
      }
      pages.push(page);
    }
    const timings: CallTiming[] = [];
    for (let i = 0; i < count; i++) {
      const room = `tte-${process.pid}-${topology}-${extension ? 'on' : 'none'}-${i}`;
      if (extension) await Promise.all(browsers.map((b) => takeStamps(b)));
      await Promise.all(
        pages.map((page, k) =>
          page.goto(server!.url(`/?${new URLSearchParams({ room, peer: k === 0 ? 'alice' : 'bob', topology, loopback: '1' })}`)),
        ),
      );
      const stamps: Stamp[][] = [[], []];
      const encryptedAt = (k: number): number | undefined => stamps[k]!.find((s) => s.state === 'encrypted')?.t;
      let seen: PageStamps[] = [];
      await waitFor(
        async () => {
          if (extension) for (let k = 0; k < 2; k++) stamps[k]!.push(...(await takeStamps(browsers[k]!)));
          seen = await Promise.all(pages.map(pageStamps));
          const pictures = seen.every((p) => p.picture !== undefined);
          return pictures && (!extension || (encryptedAt(0) !== undefined && encryptedAt(1) !== undefined));
        },
        { timeout: 20_000, interval: 100, message: 'both sides encrypted and showing the other' },
      ).catch(async () => {
        const states = await Promise.all(pages.map((p) => p.evaluate(() => JSON.stringify((window as unknown as { demo?: unknown }).demo))));
        log(`  call ${i + 1} not done within 20 s; the pages' window.demo: ${states.join(' / ')}`);
      });
      const firstTransform = stamps.map((s) => s.find((x) => x.kind === 'report' && x.state !== 'off')?.t);
      const enc = [encryptedAt(0), encryptedAt(1)];
      const up = seen.map((p) => p.connected);
      const known = (values: (number | undefined)[]): number[] => values.filter((t): t is number => t !== undefined);
      const both = (values: (number | undefined)[]): number | null =>
        values.every((t) => t !== undefined) ? Math.max(...(values as number[])) : null;
      const earliest = (values: (number | undefined)[]): number | null =>
        known(values).length > 0 ? Math.min(...known(values)) : null;
      const encrypted = extension ? both(enc) : null;
      const start = earliest(up);
      const transformStart = earliest(firstTransform);
      const received = seen.map((p) => p.firstReceived);
      const firstMedia = earliest(received);
      const ms = encrypted !== null && firstMedia !== null ? encrypted - firstMedia : null;
      const fromConnected = encrypted !== null && start !== null ? encrypted - start : null;
      const firstPacket = firstMedia !== null && start !== null ? firstMedia - start : null;
      const sides = [0, 1].map((k) =>
        enc[k] !== undefined && received[k] !== undefined ? (enc[k] as number) - (received[k] as number) : null,
      );
      const bothUp = both(up);
      const connected = bothUp !== null && transformStart !== null ? bothUp - transformStart : null;
      const fromTransform = encrypted !== null && transformStart !== null ? encrypted - transformStart : null;
      const picture = seen.map((p) => (p.picture === undefined ? null : p.picture - p.origin));
      const firstReceived = seen.map((p) => (p.firstReceived === undefined || start === null ? null : p.firstReceived - start));
      const after = (kind: Stamp['kind']): number[] =>
        stamps
          .flat()
          .filter((s) => s.kind === kind)
          .map((s) => Math.round(s.t - (start ?? 0)));
      const signs = after('sign');
      const signed = after('signed');
      timings.push({ topology, extension, ms, fromConnected, firstPacket, sides, connected, fromTransform, picture, firstReceived, signs, signed });
      const f = (v: number | null): string => (v === null ? '-' : v.toFixed(0));
      log(
        `  ${extension ? 'CallSeal' : 'no extension'}, ${topology} call ${i + 1}/${count}: ` +
          (extension
            ? `encrypted ${f(ms)} ms after the first media packet arrived, ${f(fromConnected)} ms after the first page ` +
              `connected (sides ${sides.map(f).join(', ')}); both connected ` +
              `${f(connected)} ms after the first transform; first packet received at ${firstReceived.map(f).join(', ')}; signing asked at ${signs.join(', ')}, answered at ${signed.join(', ')}; `
            : '') +
          `${extension ? '' : `first packet received ${firstReceived.map(f).join(', ')} ms after connected; `}` +
          `first remote picture ${picture.map(f).join(', ')} ms after navigation`,
      );
      await Promise.all(pages.map(leave));
    }
    return timings;
  } finally {
    for (const b of browsers) await b.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await relay?.close().catch(() => undefined);
  }
}

// ---- whole-call CPU -------------------------------------------------------------------------------------------

const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds (utime + stime) per process of the tree under `root`. */
async function treeCpu(root: number): Promise<Map<number, number>> {
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / TICK);
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, depth = 0; p !== undefined && p > 1 && depth < 50; p = parent.get(p), depth++) {
      if (p === root) return true;
    }
    return false;
  };
  const out = new Map<number, number>();
  for (const [pid, seconds] of cpu) if (inTree(pid)) out.set(pid, seconds);
  return out;
}

/** CPU seconds both trees used between two snapshots (a process that started meanwhile counts whole). */
function used(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

interface VideoWork {
  encoded: number;
  decoded: number;
  /** The sent video's size at the end, and why it was limited (WebRTC lowers it when the CPU is short). */
  width: number;
  height: number;
  limitation: string;
}

/** Video frames encoded and decoded so far by the page's peer connections (getStats). */
async function videoWork(page: Page): Promise<VideoWork> {
  return page.evaluate(async () => {
    const work = { encoded: 0, decoded: 0, width: 0, height: 0, limitation: 'none' };
    for (const pc of (window as unknown as { benchPcs?: RTCPeerConnection[] }).benchPcs ?? []) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach(
        (s: { type: string; kind?: string; framesEncoded?: number; framesDecoded?: number; frameWidth?: number; frameHeight?: number; qualityLimitationReason?: string }) => {
          if (s.kind !== 'video') return;
          if (s.type === 'outbound-rtp') {
            work.encoded += s.framesEncoded ?? 0;
            work.width = s.frameWidth ?? work.width;
            work.height = s.frameHeight ?? work.height;
            work.limitation = s.qualityLimitationReason ?? work.limitation;
          } else if (s.type === 'inbound-rtp') work.decoded += s.framesDecoded ?? 0;
        },
      );
    }
    return work;
  });
}

export interface CpuSample {
  cpuSeconds: number;
  /** Video frames encoded plus decoded by both browsers during the measurement. */
  videoFrames: number;
  /** The sent video sizes at the end, with WebRTC's quality limitation reason. */
  sizes: string[];
}

async function cpuCall(config: CpuConfig, seconds: number, log: (line: string) => void): Promise<CpuSample> {
  const server = await startDemoServer();
  const browsers: TestBrowser[] = [];
  try {
    const pages: Page[] = [];
    const room = `cpu-${process.pid}-${config}-${Date.now()}`;
    for (const name of ['alice', 'bob']) {
      const browser = await launchBrowser({ withExtension: config !== 'none' && config !== 'bare' });
      browsers.push(browser);
      const page = await browser.newPage();
      await stampPage(page);
      if (config === 'bare') await page.evaluateOnNewDocument(BARE_TRANSFORM_SCRIPT);
      if (config === 'on') {
        await page.goto(server.url('/'));
        const popup = await switchOn(browser, page);
        await popup.close();
        await instrument(browser);
      }
      await page.goto(server.url(`/?${new URLSearchParams({ room, peer: name, topology: 'p2p', loopback: '1', video: '640x480' })}`));
      pages.push(page);
    }
    await waitFor(
      async () => {
        const states = await Promise.all(
          pages.map((p) => p.evaluate(() => (window as unknown as { demo: { connected: boolean; remoteVideoPlaying: boolean } }).demo)),
        );
        return states.every((s) => s.connected && s.remoteVideoPlaying);
      },
      { timeout: 60_000, interval: 200, message: 'the call to connect' },
    ).catch(async (error: unknown) => {
      const states = await Promise.all(pages.map((p) => p.evaluate(() => JSON.stringify((window as unknown as { demo?: unknown }).demo))));
      throw new Error(`${(error as Error).message}; the pages' window.demo: ${states.join(' / ')}`);
    });
    if (config === 'on') {
      const seen = [false, false];
      await waitFor(
        async () => {
          for (let k = 0; k < 2; k++) if ((await takeStamps(browsers[k]!)).some((s) => s.state === 'encrypted')) seen[k] = true;
          return seen.every(Boolean);
        },
        { timeout: 30_000, interval: 200, message: 'both sides encrypted' },
      );
    }
    const roots = browsers.map((b) => b.browser.process()?.pid as number);
    const workBefore = await Promise.all(pages.map(videoWork));
    const before = await Promise.all(roots.map(treeCpu));
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const after = await Promise.all(roots.map(treeCpu));
    const workAfter = await Promise.all(pages.map(videoWork));
    const total = used(before[0]!, after[0]!) + used(before[1]!, after[1]!);
    const videoFrames = workAfter.reduce((sum, w, k) => sum + w.encoded + w.decoded - workBefore[k]!.encoded - workBefore[k]!.decoded, 0);
    const sizes = workAfter.map((w) => `${w.width}x${w.height}${w.limitation === 'none' ? '' : ` (${w.limitation})`}`);
    // The call must still be up: a call that dropped would use less.
    const frames = await Promise.all(
      pages.map((p) => p.evaluate(() => (window as unknown as { demo: { remoteVideoPlaying: boolean } }).demo.remoteVideoPlaying)),
    );
    if (!frames.every(Boolean)) throw new Error(`${config}: the remote video stopped during the measurement`);
    if (config === 'bare') {
      // Every end (audio and video, both ways) carried a transform, and frames went through it.
      for (const page of pages) {
        const { ends, frames } = await page.evaluate(async () => {
          const w = window as unknown as { __bareEnds: number; __bareFrames: () => Promise<number> };
          return { ends: w.__bareEnds, frames: await w.__bareFrames() };
        });
        if (ends < 4 || frames < 50 * seconds) throw new Error(`bare: the page's own transforms did not run (${ends} ends, ${frames} frames)`);
      }
    }
    if (config === 'on') {
      for (const b of browsers) {
        if ((await takeStamps(b)).some((s) => s.kind === 'report' && s.state !== 'encrypted')) {
          throw new Error('on: a side left `encrypted` during the measurement');
        }
      }
    }
    log(
      `  ${config}: ${total.toFixed(2)} CPU-seconds over ${seconds} s, ${videoFrames} video frames encoded and decoded ` +
        `(${((1000 * total) / Math.max(1, videoFrames)).toFixed(2)} CPU-ms per frame; sent ${sizes.join(', ')}) (load ${loadAverage()})`,
    );
    return { cpuSeconds: total, videoFrames, sizes };
  } finally {
    for (const b of browsers) await b.close().catch(() => undefined);
    await server.close().catch(() => undefined);
  }
}

export function loadAverage(): string {
  try {
    return execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

// ---- main -----------------------------------------------------------------------------------------------------

async function existing(): Promise<CallsReport | undefined> {
  try {
    return JSON.parse(await readFile(join(ROOT, 'docs', 'benchmarks', 'calls.json'), 'utf8')) as CallsReport;
  } catch {
    return undefined;
  }
}

export interface CallsOptions {
  calls: number;
  baseline: number;
  cpu: boolean;
  seconds: number;
  runs: number;
  configs: CpuConfig[];
}

/** Time to encrypted (when `calls` > 0) and whole-call CPU (when `cpu`), as a CallsReport. */
export async function measureCalls(options: CallsOptions, chromium: string, log: (line: string) => void): Promise<CallsReport> {
  const report: CallsReport = { date: new Date().toISOString(), chromium, timeToEncrypted: { calls: 0, ms: [], median: NaN, p95: NaN } };
  if (options.calls > 0) {
    const loadBefore = loadAverage();
    log(`time to encrypted: ${options.calls} calls with CallSeal, ${options.baseline} without (load ${loadBefore})…`);
    const half = (n: number): number => Math.ceil(n / 2);
    const timings = [
      ...(await timeCalls('p2p', half(options.calls), true, log)),
      ...(await timeCalls('p2p', half(options.baseline), false, log)),
      ...(await timeCalls('single', options.calls - half(options.calls), true, log)),
      ...(await timeCalls('single', options.baseline - half(options.baseline), false, log)),
    ];
    const on = timings.filter((t) => t.extension);
    const none = timings.filter((t) => !t.extension);
    const values = (list: CallTiming[], pick: (t: CallTiming) => number | null | (number | null)[]): number[] =>
      list.flatMap((t) => [pick(t)].flat()).filter((v): v is number => v !== null);
    const ms = values(on, (t) => t.ms);
    const signing = on.flatMap((t) => t.signed.map((s, i) => s - (t.signs[i] ?? s)));
    report.timeToEncrypted = {
      calls: on.length,
      ms: ms.map((m) => Math.round(m)),
      median: Math.round(spread(ms).median),
      p95: Math.round(percentile(ms, 95)),
      failed: on.length - ms.length,
      p2p: quantiles(values(on.filter((t) => t.topology === 'p2p'), (t) => t.ms)),
      relay: quantiles(values(on.filter((t) => t.topology === 'single'), (t) => t.ms)),
      fromConnected: quantiles(values(on, (t) => t.fromConnected)),
      firstPacket: {
        callseal: quantiles(values(on, (t) => t.firstPacket)),
        ...(none.length > 0 && { none: quantiles(values(none, (t) => t.firstPacket)) }),
      },
      sides: quantiles(values(on, (t) => t.sides)),
      connected: quantiles(values(on, (t) => t.connected)),
      fromTransform: quantiles(values(on, (t) => t.fromTransform)),
      signing: quantiles(signing),
      picture: {
        callseal: quantiles(values(on, (t) => t.picture)),
        ...(none.length > 0 && { none: quantiles(values(none, (t) => t.picture)), noneCalls: none.length }),
      },
      load: [loadBefore, loadAverage()],
    };
    const t = report.timeToEncrypted;
    log(
      `time to encrypted over ${ms.length} calls (${t.failed} not encrypted within 20 s): median ${t.median} ms, p95 ${t.p95} ms ` +
        `from the first media packet; from the first connected: median ${t.fromConnected?.median} ms, p95 ${t.fromConnected?.p95} ms ` +
        `(load ${loadAverage()})`,
    );
  }

  if (options.cpu) {
    const runs: Record<string, number[]> = {};
    const frames: Record<string, number[]> = {};
    const sizes: Record<string, string[][]> = {};
    const loads: string[] = [];
    log(`whole-call CPU: ${options.runs} runs of ${options.configs.join(', ')}, ${options.seconds} s each, 640×480 p2p…`);
    for (let run = 0; run < options.runs; run++) {
      for (let k = 0; k < options.configs.length; k++) {
        const config = options.configs[(k + run) % options.configs.length] as CpuConfig;
        loads.push(loadAverage());
        // A call that did not come up (a loaded machine) is tried once more; a second failure ends the bench.
        const sample = await cpuCall(config, options.seconds, log).catch((error: unknown) => {
          log(`  ${config}: ${(error as Error).message}; trying once more`);
          return cpuCall(config, options.seconds, log);
        });
        (runs[config] ??= []).push(sample.cpuSeconds);
        (frames[config] ??= []).push(sample.videoFrames);
        (sizes[config] ??= []).push(sample.sizes);
      }
    }
    report.cpu = { date: new Date().toISOString(), seconds: options.seconds, width: 640, height: 480, fps: 30, runs, videoFrames: frames, sizes, loads };
  }
  return report;
}

/** `npm run bench:calls`: the calls part of `npm run bench` alone (flags above). */
export async function main(argv: string[]): Promise<void> {
  const options = parseArgs(argv);
  const log = (line: string): void => console.log(line);
  const probe = await launchBrowser({ withExtension: false });
  const chromium = await probe.browser.version();
  await probe.close();
  const fresh = await measureCalls(options, chromium, log);
  const old = await existing();
  // Keeps the part not measured this time (time to encrypted, or the CPU figure) from the last run.
  const report: CallsReport = { ...fresh, ...(options.calls === 0 && old && { timeToEncrypted: old.timeToEncrypted }) };
  if (!options.cpu && old?.cpu) report.cpu = old.cpu;
  await renderBenchmarks({ calls: report }, { dir: join(ROOT, 'docs', 'benchmarks'), write: options.write });
  if (options.write) console.log('wrote docs/benchmarks/calls.json and docs/benchmarks.md');
}
