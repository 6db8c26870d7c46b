/**
 * What the background believes about each tab's calls (protocol.md §7.4), kept per tab, per frame and per worker
 * session, so that nothing a frame once claimed outlives the session that claimed it:
 * - a report from a new session replaces the frame's old one (a switch or policy turned off and on, a new
 *   identity): the old session's `encrypted` and its code are gone, whatever epochs or seqs the new one starts at;
 * - within a session only increasing seqs count, and reports are heartbeats: a frame silent for 4 s has no call;
 * - errors belong to the frame that had them and end with its next session or its disconnection;
 * - "Codes match" confirms exactly what the user saw, and only while it is still the frame's current report.
 * Which frame the tab shows, and in what words, is derived in tab-status.ts. Pure: the clock is injected.
 */
import type { DetailCode, TabCallStatus } from '../shared/call-status';
import type { PageErrorCode, ReportParticipant, SessionReport, ShownCall, ShownParticipant } from '../shared/messages';
import {
  followsInSession,
  hasPair,
  HEARTBEAT_TIMEOUT_MS,
  isPossibleReport,
  RETIRED_SESSIONS_KEPT,
  type ReportVerdict,
} from './report-rules';
import type { FrameEntry } from './frame-entry';
import { tabStatus, type StatusContext } from './tab-status';

/** Page errors that stop encryption on the frame. `app-transform` changes no state: it is said (`appTransform`). */
const PAGE_ERROR_DETAIL: Partial<Record<PageErrorCode, DetailCode>> = {
  'worker-blocked': 'worker-blocked',
  'no-bridge': 'no-bridge',
  'unsupported-browser': 'unsupported-browser',
};

export class CallRegistry {
  private readonly tabs = new Map<number, Map<number, FrameEntry>>();

  constructor(private readonly now: () => number = Date.now) {}

  report(tabId: number, frameId: number, report: SessionReport, peerFingerprint?: string): ReportVerdict {
    const entry = this.entry(tabId, frameId);
    if (!isPossibleReport(report)) {
      // Not even its session can be trusted: the frame's current session is in error.
      this.reject(entry, entry.session);
      return 'rejected';
    }
    if (entry.retired.includes(report.session)) return 'stale';
    if (report.session !== entry.session) this.startSession(entry, report.session);
    const order = followsInSession(entry.last, report);
    if (order === 'stale') return 'stale';
    entry.last = { seq: report.seq, epoch: report.epoch };
    if (order === 'impossible') {
      this.reject(entry, report.session);
      return 'rejected';
    }
    const previousEpoch = entry.report?.epoch;
    entry.report = report;
    entry.receivedAt = this.now();
    this.followCall(entry, report, previousEpoch);
    if (peerFingerprint && hasPair(report.state)) entry.fingerprint = peerFingerprint;
    else delete entry.fingerprint;
    return 'accepted';
  }

  /** The hook (through the bridge) says encryption cannot run in this frame. */
  pageError(tabId: number, frameId: number, code: PageErrorCode): void {
    if (code === 'app-transform') {
      this.entry(tabId, frameId).appTransform = true; // for the frame's document: a new one is a new entry
      return;
    }
    const detail = PAGE_ERROR_DETAIL[code];
    if (!detail) return;
    const entry = this.entry(tabId, frameId);
    entry.error = { detail, failsClosed: true, session: entry.session };
  }

  /** True while the frame's current report is fresh and not `off`: the only time it may have signatures. */
  hasRunningCall(tabId: number, frameId: number): boolean {
    const entry = this.tabs.get(tabId)?.get(frameId);
    return !!entry && this.isFresh(entry) && entry.report?.state !== 'off';
  }

  /**
   * "Codes match" for exactly what the user saw. True (and remembered, for `identity-changed`) only if it is still
   * the frame's current, fresh report with a pair; false when anything moved on.
   */
  confirm(shown: ShownCall): boolean {
    const entry = this.tabs.get(shown.tabId)?.get(shown.frameId);
    const report = entry?.report;
    if (!entry || !report || !this.isFresh(entry) || entry.error || !hasPair(report.state)) return false;
    if (!isShownCall(report, shown)) return false;
    entry.confirmed = {
      session: shown.session,
      epoch: shown.epoch,
      securityCode: shown.securityCode,
      peerIdentityPublicKey: shown.peerIdentityPublicKey,
      seq: report.seq,
    };
    return true;
  }

  /**
   * "Codes match" for one participant of a group call (protocol.md §7.4, §11.9): the participant, as the frame's
   * current, fresh, `encrypted` report of the same session lists it with exactly this identity key and code; undefined
   * otherwise. The contact it becomes is what makes it `verified`; the comparison itself is remembered for this
   * session (with the report's seq), for ending an *encryption was lost* warning.
   */
  confirmParticipant(shown: ShownParticipant): ReportParticipant | undefined {
    const entry = this.tabs.get(shown.tabId)?.get(shown.frameId);
    const report = entry?.report;
    if (!entry || !report || !this.isFresh(entry) || entry.error) return undefined;
    if (report.session !== shown.session || report.state !== 'encrypted') return undefined;
    const listed = report.participants?.find(
      (p) => p.peerIdentityPublicKey === shown.peerIdentityPublicKey && p.securityCode === shown.securityCode,
    );
    if (listed) (entry.participantsConfirmed ??= new Map()).set(listed.peerIdentityPublicKey, report.seq);
    return listed;
  }

  /** Takes back a participant's comparison (its contact could not be stored), while it is still this session's. */
  withdrawParticipant(shown: ShownParticipant): void {
    const entry = this.tabs.get(shown.tabId)?.get(shown.frameId);
    if (entry?.session === shown.session) entry.participantsConfirmed?.delete(shown.peerIdentityPublicKey);
  }

  /**
   * Takes back exactly the confirmation `confirm(shown)` made, if it is still the frame's: the contact could not be
   * stored, the popup says so, and the call must not go on showing a comparison the user was told did not take.
   */
  withdraw(shown: ShownCall): void {
    const entry = this.tabs.get(shown.tabId)?.get(shown.frameId);
    if (entry?.confirmed && isShownCall(entry.confirmed, shown)) delete entry.confirmed;
  }

  /** The claimed name of the frame's current report, if it is still `shown`'s call (for "Codes match"). */
  claimedName(shown: ShownCall): string | undefined {
    const report = this.tabs.get(shown.tabId)?.get(shown.frameId)?.report;
    return report?.session === shown.session && report.peerIdentityPublicKey === shown.peerIdentityPublicKey
      ? report.peerName
      : undefined;
  }

  /** The tab's call as the toolbar and the popup show it (tab-status.ts). */
  status(tabId: number, context: StatusContext): TabCallStatus {
    const frames = [...(this.tabs.get(tabId)?.values() ?? [])];
    return tabStatus(frames, context, (entry) => this.isFresh(entry));
  }

  /** When the next of the tab's fresh reports expires (so the caller can refresh the toolbar then). */
  nextExpiry(tabId: number): number | undefined {
    let next: number | undefined;
    for (const entry of this.tabs.get(tabId)?.values() ?? []) {
      if (!entry.report || !this.isFresh(entry)) continue;
      const at = entry.receivedAt + HEARTBEAT_TIMEOUT_MS;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  forgetFrame(tabId: number, frameId: number): void {
    const frames = this.tabs.get(tabId);
    frames?.delete(frameId);
    if (frames?.size === 0) this.tabs.delete(tabId);
  }

  forgetTab(tabId: number): void {
    this.tabs.delete(tabId);
  }

  tabIds(): number[] {
    return [...this.tabs.keys()];
  }

  private entry(tabId: number, frameId: number): FrameEntry {
    let frames = this.tabs.get(tabId);
    if (!frames) this.tabs.set(tabId, (frames = new Map()));
    let entry = frames.get(frameId);
    if (!entry) frames.set(frameId, (entry = { frameId, receivedAt: 0, retired: [] }));
    return entry;
  }

  private isFresh(entry: FrameEntry): boolean {
    return entry.report !== undefined && this.now() - entry.receivedAt < HEARTBEAT_TIMEOUT_MS;
  }

  /**
   * What the background remembers of the frame's call beyond its last report: when its keys were agreed, its
   * reference identity, and whether it lost its encryption. A call ends when the worker reports `off`.
   */
  private followCall(entry: FrameEntry, report: SessionReport, previousEpoch: number | undefined): void {
    if (report.state === 'off') {
      delete entry.callKey;
      delete entry.hadPair;
      delete entry.lostAtSeq;
      return;
    }
    if (hasPair(report.state) && report.peerIdentityPublicKey !== undefined) {
      entry.callKey ??= report.peerIdentityPublicKey;
      entry.hadPair = true;
      if (previousEpoch !== report.epoch || entry.epochAt === undefined) entry.epochAt = this.now();
    }
    const lost =
      report.state === 'unencrypted' ||
      report.state === 'blocked' ||
      report.state === 'error' ||
      report.detail === 'peer-stopped-encrypting';
    if (entry.hadPair && lost) entry.lostAtSeq ??= report.seq;
  }

  /** The frame's worker started a new session: nothing of the old one survives, and it never comes back. */
  private startSession(entry: FrameEntry, session: string): void {
    if (entry.session !== undefined) {
      entry.retired.push(entry.session);
      if (entry.retired.length > RETIRED_SESSIONS_KEPT) entry.retired.shift();
    }
    entry.session = session;
    delete entry.last;
    delete entry.report;
    delete entry.fingerprint;
    delete entry.confirmed;
    delete entry.participantsConfirmed;
    delete entry.epochAt;
    delete entry.callKey;
    delete entry.hadPair;
    delete entry.lostAtSeq;
    if (entry.error && entry.error.session !== session) delete entry.error;
  }

  private reject(entry: FrameEntry, session: string | undefined): void {
    delete entry.report;
    delete entry.fingerprint;
    delete entry.confirmed;
    entry.error = { detail: 'internal-error', failsClosed: false, session };
  }
}

/** The same call, pair and code as `shown` (what "Codes match" compares, and what it takes back). */
function isShownCall(
  call: { session: string; epoch: number; securityCode?: string | undefined; peerIdentityPublicKey?: string | undefined },
  shown: ShownCall,
): boolean {
  return (
    call.session === shown.session &&
    call.epoch === shown.epoch &&
    call.securityCode === shown.securityCode &&
    call.peerIdentityPublicKey === shown.peerIdentityPublicKey
  );
}
