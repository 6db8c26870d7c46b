/**
 * The transform worker's reports as the extension's service worker receives them (protocol.md §7.4), each stamped on
 * arrival with the machine's clock (`performance.timeOrigin + performance.now()`, the same in every browser and
 * page): what a test needs to time a state change against what a page shows, and the frame counters by drop reason
 * (the popup shows only their sum). The technique is the call benchmark's (tests/bench/browser/calls.ts).
 *
 * `watchReports(browser)` must run before the call page loads (`ParticipantOptions.beforeCall`): it listens for new
 * bridge connections. A service worker restart loses the listener (`reports()` then throws).
 */
import type { FrameCounters } from '../../../src/shared/call-status';
import type { ReportParticipant } from '../../../src/shared/messages';
import type { TestBrowser } from './browser';

export interface StampedReport {
  /** Arrival at the service worker, ms since the epoch (machine clock). */
  t: number;
  tabId: number | undefined;
  session: string;
  seq: number;
  state: string;
  epoch: number;
  securityCode: string | undefined;
  counters: FrameCounters;
  detail?: string;
  media?: string;
  /** In a group call (protocol.md §11.9): each other participant, as this worker sees it. */
  participants?: ReportParticipant[];
  /** With `participants`, when a group code is shown (§11.7). */
  groupCode?: string;
}

export async function watchReports(browser: TestBrowser): Promise<void> {
  const worker = await browser.serviceWorker();
  await worker.evaluate(() => {
    const g = globalThis as unknown as { testReports?: unknown[] };
    if (g.testReports) return;
    const reports: unknown[] = [];
    g.testReports = reports;
    chrome.runtime.onConnect.addListener((port) => {
      const tabId = port.sender?.tab?.id;
      port.onMessage.addListener((message: { kind?: string; report?: Record<string, unknown> }) => {
        const t = performance.timeOrigin + performance.now();
        if (message?.kind !== 'session' || typeof message.report !== 'object' || message.report === null) return;
        const { session, seq, state, epoch, securityCode, counters, detail, media, participants, groupCode } = message.report;
        reports.push({ t, tabId, session, seq, state, epoch, securityCode, counters, detail, media, participants, groupCode });
      });
    });
  });
}

/** Every report received so far, in order of arrival. */
export async function reports(browser: TestBrowser): Promise<StampedReport[]> {
  const worker = await browser.serviceWorker();
  const all = await worker.evaluate(() => (globalThis as unknown as { testReports?: unknown[] }).testReports ?? null);
  if (all === null) throw new Error('the service worker lost the report listener (it restarted)');
  return all as StampedReport[];
}

/**
 * The reports at which something a person would see changed — the session, state, epoch, the participants listed and
 * their states, whether a group code is shown — each as one line, seconds after `origin` (ms since the epoch): how a
 * failed wait got where it is, not only where it ended. The last `limit` changes, and how old the latest report is.
 */
export function reportTimeline(all: readonly StampedReport[], origin: number, limit = 40): string[] {
  const lines: string[] = [];
  let previous = '';
  for (const r of all) {
    const list = (r.participants ?? []).map((x) => `${x.peerName ?? x.peerIdentityPublicKey.slice(0, 6)}:${x.state}${x.hearsYou ? '' : ' !hearsYou'}`);
    const seen = `${r.session.slice(0, 4)} ${r.state}${r.detail ? `/${r.detail}` : ''} e${r.epoch} [${list.join(', ')}]${r.groupCode ? ' code' : ''}`;
    if (seen === previous) continue;
    previous = seen;
    lines.push(`+${((r.t - origin) / 1000).toFixed(1)}s ${seen}`);
  }
  const latest = all.at(-1);
  const tail = lines.slice(-limit);
  if (latest !== undefined) tail.push(`latest report ${((Date.now() - latest.t) / 1000).toFixed(1)}s ago`);
  return tail;
}
