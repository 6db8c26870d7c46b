/**
 * Calls of three or more people in the demo app's `group` topology through the werift relay: each participant its
 * own browser (own profile, own solid-colour camera), optionally with CallSeal switched on, publishing once and
 * subscribing to every other participant. `close()` stops everything it started.
 */
import { writeFile } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';
import type { Page } from 'puppeteer';
import { startDemoServer, type DemoServer } from '../../../demo/server.mjs';
import { averageColor, formatColor, isColorNear } from './picture';
import { launchBrowser, type TestBrowser } from './browser';
import { popupFor, switchOn, type Popup } from './call';
import { fakeCameras, type Rgb } from './fake-camera';
import { startRelay, type Relay } from './relay';
import { reportTimeline, reports, watchReports } from './reports';
import { waitFor } from './wait';
import { codecClearPrefixLength, parseCallSealFrame } from '../../../src/e2ee/frame-container';
import { readFastHeader } from '../../../src/sframe';

export interface Member {
  name: string;
  color: Rgb;
  /** CallSeal is loaded and switched on. */
  e2ee: boolean;
  browser: TestBrowser;
  page: Page;
  popup(): Promise<Popup>;
  /** Leaves the room (the page navigates away). */
  leave(): Promise<void>;
  /** Comes back into the room (the page loads the call again: a new worker session, a new pid). */
  rejoin(): Promise<void>;
}

export interface GroupCall {
  server: DemoServer;
  relay: Relay;
  members: Member[];
  /** Waits until `viewer` sees `sender`'s colour in its video of `sender`. */
  waitForColor(viewer: Member, sender: Member, timeout?: number): Promise<void>;
  /** Each member's decoders, signalling errors and worker counters, and the relay's counts (for a failure's message). */
  diagnose(): Promise<string>;
  close(): Promise<void>;
}

/** One participant: `e2ee` (default: the call's option) says whether CallSeal is loaded and switched on. */
export interface Person {
  name: string;
  color: Rgb;
  e2ee?: boolean;
}

export interface GroupCallOptions {
  /** CallSeal loaded and on for everyone who does not say otherwise. */
  e2ee?: boolean;
  /** The cameras' size ("WxH") and frame rate; default 320x240 at 30 (more people fit a small machine at less). */
  video?: { size: `${number}x${number}`; fps: number };
  /**
   * Cameras only, no microphones (default false). Eight browsers fit a 2-core machine only so: each one's microphone,
   * speaker and audio threads took about two thirds of its renderer's CPU.
   */
  cameraOnly?: boolean;
}

export async function startGroupCall(people: readonly Person[], options: GroupCallOptions = {}): Promise<GroupCall> {
  const stack: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const stop of stack.reverse().splice(0)) await stop().catch((error: unknown) => errors.push(error));
    if (errors.length) throw new AggregateError(errors, 'closing the group call failed');
  };
  const startedAt = Date.now();
  try {
    const relay = await startRelay();
    stack.push(() => relay.close());
    const server = await startDemoServer({ mediaServer: relay, roomSize: people.length });
    stack.push(() => server.close());
    const [width, height] = (options.video?.size ?? '320x240').split('x').map(Number) as [number, number];
    const fps = options.video?.fps ?? 30;
    const cameras = await fakeCameras({ width, height, fps });
    stack.push(() => cameras.cleanup());
    const room = `group-${process.pid}-${Date.now()}`;
    /** A browser for one person, CallSeal switched on where it is loaded, on the demo's start page. */
    const prepare = async ({ name, color, e2ee = options.e2ee ?? false }: Person) => {
      const browser = await launchBrowser({ withExtension: e2ee, args: [await cameras.flag(name, color)] });
      stack.push(() => browser.close());
      const page = await browser.newPage();
      page.on('pageerror', (error) => console.warn(`[${name} page error]`, error));
      let popup: Promise<Popup> | undefined;
      if (e2ee) {
        await page.goto(server.url('/'));
        popup = switchOn(browser, page);
        await popup;
        await watchReports(browser); // the worker's drop counters, for a failure's diagnosis
      }
      return { name, color, e2ee, browser, page, popup };
    };
    const join = async ({ name, color, e2ee, browser, page, popup }: Awaited<ReturnType<typeof prepare>>): Promise<Member> => {
      const query = { room, peer: name, topology: 'group', loopback: '1', video: `${width}x${height}`, fps: String(fps), ...(options.cameraOnly ? { audio: '0' } : {}) };
      const roomUrl = server.url(`/?${new URLSearchParams(query)}`);
      await page.goto(roomUrl);
      return {
        name,
        color,
        e2ee,
        browser,
        page,
        popup: () => (popup ??= popupFor(browser, page)),
        leave: async () => void (await page.goto(server.url('/'))),
        rejoin: async () => void (await page.goto(roomUrl)),
      };
    };
    // The browsers start side by side (most of the set-up time); then they join one after the other, so each newcomer
    // finds the others in the room.
    const prepared = await Promise.all(people.map(prepare));
    stack.push(await favourRelay(prepared.map((p) => p.browser)));
    const members: Member[] = [];
    for (const person of prepared) members.push(await join(person));
    return {
      server,
      relay,
      members,
      async waitForColor(viewer, sender, timeout = 20_000) {
        let last: Rgb | null = null;
        await waitFor(
          async () => {
            last = await averageColor(viewer.page, `#remote-${sender.name}`).catch(() => null);
            return isColorNear(last, sender.color);
          },
          { timeout, interval: 250, message: `${viewer.name} to see ${sender.name}'s colour` },
        ).catch(async (error: unknown) => {
          const seen = await diagnosis(members, relay, startedAt).catch((e: unknown) => `(no diagnosis: ${String(e)})`);
          throw new Error(`${(error as Error).message}; saw ${formatColor(last)}; ${seen}`);
        });
      },
      diagnose: () => diagnosis(members, relay, startedAt).catch((e: unknown) => `(no diagnosis: ${String(e)})`),
      close,
    };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

/**
 * Puts the relay ahead of the browsers for the CPU; returns what puts it back. An SFU has a machine of its own; here
 * it shares two cores with up to eight Chromiums. Linux's scheduler shares the CPU fairly between sessions first
 * (autogroups, `/proc/sys/kernel/sched_autogroup_enabled`), and puppeteer starts every browser in a session of its
 * own, so with six browsers the relay's thread — which also reads every DevTools reply — got one seventh of the
 * machine and less: its event loop turned about once a second, and connections failed for want of answers to their
 * ICE checks (raising this thread alone, even to -20, changed nothing). So each browser's session is made nicer (10);
 * this thread is raised too, which is what counts where sessions are not scheduled apart (it needs root, as the tests
 * run). Either is skipped where the system does not allow it.
 */
async function favourRelay(browsers: readonly TestBrowser[]): Promise<() => Promise<void>> {
  await Promise.all(
    browsers.map(async (b) => {
      const pid = b.browser.process()?.pid;
      if (pid !== undefined) await writeFile(`/proc/${pid}/autogroup`, '10').catch(() => {});
    }),
  );
  const before = getPriority();
  try {
    setPriority(-10);
  } catch {
    return async () => {};
  }
  return async () => setPriority(before);
}

/**
 * What a failed wait needs to be explained: each member's decoders, signalling errors and worker (its latest report,
 * and how its reports changed since `origin`); the relay's counts.
 */
async function diagnosis(members: readonly Member[], relay: Relay, origin: number): Promise<string> {
  const seen: Record<string, unknown> = {};
  for (const m of members) {
    const page = await m.page
      .evaluate(async () => {
        const demo = (window as unknown as { demo?: { remotes: unknown; errors: unknown; receivedVideo(): Promise<unknown> } }).demo;
        return { remotes: demo?.remotes, errors: demo?.errors, received: await demo?.receivedVideo() };
      })
      .catch((error: unknown) => String(error));
    const history = m.e2ee ? await reports(m.browser).catch(() => undefined) : undefined;
    const report = history?.at(-1);
    // Each participant as this member's worker sees it (§11.9): whose key it lacks, who lacks its key.
    const participants = report?.participants?.map((x) => ({ name: x.peerName, key: x.peerIdentityPublicKey.slice(0, 8), state: x.state, hearsYou: x.hearsYou, youHear: x.youHear }));
    const timeline = history && reportTimeline(history, origin);
    const worker = report && { state: report.state, epoch: report.epoch, detail: report.detail, media: report.media, counters: report.counters, participants, timeline };
    seen[m.name] = { page, worker };
  }
  const stats = relay.stats();
  // What each sender's last frames were sealed under, as the SFU saw them (§11.2: KID = tag << 16 | step << 8 | index).
  const kids: Record<string, { audio: string[]; video: string[] }> = {};
  for (const m of members) {
    const copies = relay.copies(m.name);
    kids[m.name] = {
      audio: lastKids(copies.audio, 'audio/opus'),
      video: copies.videoCodec === 'video/vp8' ? lastKids(copies.video, 'video/vp8') : [],
    };
  }
  seen.relay = { keyframeRequests: stats.keyframeRequests, received: stats.received, forwarded: stats.forwarded, kids };
  return JSON.stringify(seen);
}

/**
 * The KIDs of the last three media frames among the last 20 a sender sent (handshake-only frames left out), each read
 * after its codec's clear prefix (§2; a VP8 key frame has its first byte's lowest bit clear, RFC 6386 §9.1).
 */
function lastKids(frames: readonly Uint8Array[], mimeType: string): string[] {
  return frames
    .slice(-20)
    .map((f) => describeKid(f, codecClearPrefixLength(mimeType, f.length > 0 && (f[0]! & 1) === 0, f.length) ?? 0))
    .filter((k) => k !== 'handshake only')
    .slice(-3);
}

/** The SFrame KID of a media frame as the SFU saw it: tag/step/index for a group KID (§11.2), else what it is. */
function describeKid(frame: Uint8Array, prefix: number): string {
  let parsed;
  try {
    parsed = parseCallSealFrame(frame, prefix);
  } catch {
    return 'malformed';
  }
  if (parsed === null) return 'plain';
  if (!parsed.hasMedia) return 'handshake only';
  const header = readFastHeader(parsed.payload, 0, parsed.payload.length);
  if (header === null) return 'no header';
  const kid = header.kid;
  return kid >= 0x1_0000 ? `${kid >>> 16}/${(kid >>> 8) & 0xff}/${kid & 0xff}` : `pair ${kid}`;
}
