/**
 * An in-memory `ExtensionActions` for tests and previews: it holds one view per tab, answers the switch and
 * "Codes match" the way the background does, and records what the popup sent.
 */
import { NO_CALL, type TabCallStatus } from '../../../src/shared/call-status';
import type { PopupToBackground, PopupView, ShownCall, ShownParticipant } from '../../../src/shared/messages';
import type { PolicyView } from '../../../src/shared/policy-view';
import { failureMessage } from '../../../src/shared/status-text';
import type { ExtensionActions, FailureHandler, ViewHandler } from '../../../src/popup/actions';
import { shownCallOf } from '../../../src/popup/shown-call';

/** No policy: the user's own switch decides. */
const NO_POLICY: PolicyView = { decidedBy: 'user', lines: [], canRefresh: false };

export function fakeView(tabId: number, status: Partial<TabCallStatus> = {}, rest: Partial<PopupView> = {}): PopupView {
  return { tabId, status: { ...NO_CALL, ...status }, enabled: false, canToggle: true, policy: NO_POLICY, ...rest };
}

interface Watcher {
  tabId: number;
  onView: ViewHandler;
  onFailure: FailureHandler;
}

export class FakeActions implements ExtensionActions {
  /** Every message the popup sent, in order. */
  readonly sent: PopupToBackground[] = [];
  private readonly views = new Map<number, PopupView>();
  private readonly watchers = new Set<Watcher>();

  /** `tabId` is what `currentTabId` answers; an Error makes it reject with that error. */
  constructor(
    private readonly tabId: number | Error = 1,
    views: PopupView[] = [fakeView(typeof tabId === 'number' ? tabId : 1)],
  ) {
    for (const view of views) this.views.set(view.tabId, view);
  }

  currentTabId(): Promise<number> {
    return this.tabId instanceof Error ? Promise.reject(this.tabId) : Promise.resolve(this.tabId);
  }

  watch(tabId: number, onView: ViewHandler, onFailure: FailureHandler): () => void {
    const watcher = { tabId, onView, onFailure };
    this.watchers.add(watcher);
    this.sent.push({ kind: 'watch', tabId });
    const view = this.views.get(tabId);
    // Like the real port, the first view arrives asynchronously.
    if (view) queueMicrotask(() => this.watchers.has(watcher) && onView(view, false));
    return () => {
      this.watchers.delete(watcher);
    };
  }

  setEnabled(enabled: boolean): void {
    this.sent.push({ kind: 'set-enabled', enabled });
    for (const view of this.views.values()) {
      if (!view.canToggle) {
        this.fail('policy', view.policy.lines[0] ?? failureMessage('policy'));
        return;
      }
    }
    for (const view of [...this.views.values()]) this.push({ ...view, enabled });
  }

  /** Texts put on the clipboard; how often the options page was opened. */
  readonly copied: string[] = [];
  optionsOpened = 0;

  /** Like the background after a refresh: the views are sent again, marked as its answer (unless `holdRefresh`). */
  refreshPolicy(): void {
    this.sent.push({ kind: 'refresh-policy' });
    if (this.holdRefresh) return;
    for (const view of [...this.views.values()]) this.push(view, true);
  }

  /** Test control: "Refresh" is not answered until the test calls `push(view, true)`. */
  holdRefresh = false;

  /** Like the background: verifies only if exactly what was shown is still the tab's call, else `call-changed`. */
  markVerified(shown: ShownCall, contactName?: string): void {
    this.sent.push(contactName ? { kind: 'mark-verified', ...shown, contactName } : { kind: 'mark-verified', ...shown });
    const view = this.views.get(shown.tabId);
    const current = view && shownCallOf(view.tabId, view.status);
    const same =
      current !== undefined &&
      (Object.keys(shown) as Array<keyof ShownCall>).every((key) => current[key] === shown[key]);
    if (!view || !same) {
      this.fail('call-changed', failureMessage('call-changed'));
      return;
    }
    const name = contactName || view.status.peerName || '';
    this.push({ ...view, status: { ...view.status, state: 'verified', contact: { name, verifiedAt: 0 } } });
  }

  /**
   * Like the background: verifies a participant only while the tab's view lists exactly its key and code in the same
   * frame and session, else `participant-changed`; the call is `verified` once every participant is.
   */
  markParticipantVerified(shown: ShownParticipant, contactName?: string): void {
    this.sent.push(
      contactName ? { kind: 'mark-participant-verified', ...shown, contactName } : { kind: 'mark-participant-verified', ...shown },
    );
    const view = this.views.get(shown.tabId);
    const status = view?.status;
    const listed = status?.participants?.find(
      (p) => p.peerIdentityPublicKey === shown.peerIdentityPublicKey && p.securityCode === shown.securityCode,
    );
    if (!view || !status || !listed || status.frameId !== shown.frameId || status.session !== shown.session) {
      this.fail('participant-changed', failureMessage('participant-changed'));
      return;
    }
    const name = contactName || listed.peerName || '';
    const participants = status.participants!.map((p) => (p === listed ? { ...p, state: 'verified' as const, contact: { name, verifiedAt: 0 } } : p));
    const state = participants.every((p) => p.state === 'verified') ? 'verified' : status.state;
    this.push({ ...view, status: { ...status, participants, state } });
  }

  /** Like the background: saves the name for every tab's view. */
  setDisplayName(name: string): void {
    this.sent.push({ kind: 'set-display-name', name });
    for (const view of [...this.views.values()]) this.push({ ...view, displayName: name.trim() });
  }

  openOptions(): void {
    this.optionsOpened++;
  }

  async copy(text: string): Promise<void> {
    this.copied.push(text);
  }

  /** Test control: the background sends a new view for its tab. */
  push(view: PopupView, answersRefresh = false): void {
    this.views.set(view.tabId, view);
    for (const watcher of [...this.watchers]) if (watcher.tabId === view.tabId) watcher.onView(view, answersRefresh);
  }

  /** Test control: the background reports a failure to every watcher. */
  fail(code: string, message: string): void {
    for (const watcher of [...this.watchers]) watcher.onFailure(code, message);
  }

  /** The view the fake currently holds for a tab. */
  view(tabId: number): PopupView | undefined {
    return this.views.get(tabId);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }
}
