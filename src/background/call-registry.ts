/**
 * What the background knows of each tab's call: the latest session report of every frame that has a call, and
 * errors the page side reported. It alone turns those claims into the `TabCallStatus` that the toolbar and the
 * popup show, checking that each claim is possible (an encrypted report must carry a code and a peer identity;
 * epochs never go back).
 */
import { NO_CALL, type TabCallStatus } from '../shared/call-status';
import type { SessionReport } from '../shared/messages';

interface FrameCall {
  report?: SessionReport;
  /** Display fingerprint of the report's peer identity key, computed by the background. */
  peerFingerprint?: string;
  error?: { code: string; message: string };
  updatedAt: number;
}

export type ReportVerdict = 'accepted' | 'rejected';

export class CallRegistry {
  private readonly tabs = new Map<number, Map<number, FrameCall>>();

  private frame(tabId: number, frameId: number): FrameCall {
    let frames = this.tabs.get(tabId);
    if (!frames) this.tabs.set(tabId, (frames = new Map()));
    let call = frames.get(frameId);
    if (!call) frames.set(frameId, (call = { updatedAt: 0 }));
    return call;
  }

  report(tabId: number, frameId: number, report: SessionReport, peerFingerprint?: string, now = Date.now()): ReportVerdict {
    const call = this.frame(tabId, frameId);
    if (!isPlausible(call.report, report)) return 'rejected';
    call.report = report;
    if (peerFingerprint) call.peerFingerprint = peerFingerprint;
    else delete call.peerFingerprint;
    call.updatedAt = now;
    return 'accepted';
  }

  error(tabId: number, frameId: number, code: string, message: string, now = Date.now()): void {
    const call = this.frame(tabId, frameId);
    call.error = { code, message };
    call.updatedAt = now;
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

  /**
   * The tab's call as shown to the user: the most recently active frame with a call decides. `enabled` is the
   * user's switch: with it off there is no E2EE to report, whatever a page claims.
   */
  status(tabId: number, enabled: boolean, isVerified: (peerKey: string) => boolean): TabCallStatus {
    if (!enabled) return NO_CALL;
    const frames = [...(this.tabs.get(tabId)?.values() ?? [])].sort((a, b) => b.updatedAt - a.updatedAt);
    const active = frames.find((f) => f.error) ?? frames.find((f) => f.report && f.report.state !== 'off');
    if (!active) return NO_CALL;
    const counters = active.report?.counters ?? NO_CALL.counters;
    if (active.error) {
      return { state: 'error', epoch: active.report?.epoch ?? 0, counters, detail: active.error.message };
    }
    const report = active.report as SessionReport;
    const status: TabCallStatus = { state: report.state, epoch: report.epoch, counters };
    if (report.securityCode) status.securityCode = report.securityCode;
    if (active.peerFingerprint) status.peerIdentityFingerprint = active.peerFingerprint;
    if (report.peerIdentityPublicKey) {
      if (report.state === 'encrypted' && isVerified(report.peerIdentityPublicKey)) status.state = 'verified';
    }
    if (report.detail) status.detail = report.detail;
    return status;
  }

  /** The peer identity key of the tab's encrypted call, if there is one. */
  peerIdentity(tabId: number): string | undefined {
    for (const call of this.tabs.get(tabId)?.values() ?? []) {
      if (call.report?.state === 'encrypted' && call.report.peerIdentityPublicKey) {
        return call.report.peerIdentityPublicKey;
      }
    }
    return undefined;
  }
}

const SECURITY_CODE = /^\d{5} \d{5} \d{5} \d{5}$/;

/** A report is possible only as a successor of the previous one. */
function isPlausible(previous: SessionReport | undefined, next: SessionReport): boolean {
  if (previous && next.epoch < previous.epoch) return false;
  if (next.state === 'encrypted') {
    return next.epoch > 0 && !!next.securityCode && SECURITY_CODE.test(next.securityCode) && !!next.peerIdentityPublicKey;
  }
  return true;
}
