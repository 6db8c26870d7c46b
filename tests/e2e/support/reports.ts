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
        const { session, seq, state, epoch, securityCode, counters, detail, media, participants } = message.report;
        reports.push({ t, tabId, session, seq, state, epoch, securityCode, counters, detail, media, participants });
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

/** The latest report (of any session), or undefined before the first. */
export async function latestReport(browser: TestBrowser): Promise<StampedReport | undefined> {
  return (await reports(browser)).at(-1);
}
