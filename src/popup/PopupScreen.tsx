/**
 * The popup's screen for one state of the world: the view the background sent, a failure to show, and which click
 * awaits its answer. Hook-free on purpose: App keeps the state and the connection, and this renders it, so component
 * tests render it in Node without a DOM (tests/unit/popup/render-tree.ts).
 */
import type { PopupView, ShownCall } from '../shared/messages';
import { CallStateView } from './CallStateView';
import { EncryptionSwitch } from './EncryptionSwitch';
import { FrameCounters } from './FrameCounters';
import { Header } from './Header';
import { PolicyPanel } from './PolicyPanel';
import { SecurityCode } from './SecurityCode';
import { shownCallOf } from './shown-call';

export type Pending = 'switch' | 'verify' | 'refresh';

export interface Failure {
  code: string;
  message: string;
}

export interface PopupScreenProps {
  view: PopupView | undefined;
  failure: Failure | undefined;
  /** A click whose answer (the next view, or a failure) has not arrived yet. */
  pending: Pending | undefined;
  onToggle(next: boolean): void;
  /** "Refresh" the organization's policy. */
  onRefreshPolicy(): void;
  /** "Codes match", with exactly what is on screen. */
  onVerify(shown: ShownCall): void;
  onDismiss(): void;
}

export function PopupScreen({ view, failure, pending, onToggle, onRefreshPolicy, onVerify, onDismiss }: PopupScreenProps) {
  const failureBanner = failure && (
    <div class="failure" role="alert" data-testid="failure" data-code={failure.code}>
      <span>{failure.message}</span>
      {view && (
        <button type="button" class="dismiss" aria-label="Dismiss" onClick={onDismiss}>
          ×
        </button>
      )}
    </div>
  );

  if (!view) {
    return (
      <main class="popup">
        <Header state="off" />
        {failureBanner ?? (
          <p class="loading" data-testid="loading">
            Loading…
          </p>
        )}
      </main>
    );
  }

  const { status } = view;
  const securityCode = status.securityCode;
  return (
    <main class="popup">
      <Header state={status.state} />
      <EncryptionSwitch
        enabled={view.enabled}
        canToggle={view.canToggle}
        pending={pending === 'switch'}
        describedByPolicy={view.policy.lines.length > 0}
        onToggle={onToggle}
      />
      <PolicyPanel policy={view.policy} pending={pending === 'refresh'} onRefresh={onRefreshPolicy} />
      {failureBanner}
      <CallStateView status={status} enabled={view.enabled} />
      {securityCode !== undefined && securityCode !== '' && (
        <SecurityCode
          status={{ ...status, securityCode }}
          shown={shownCallOf(view.tabId, status)}
          pending={pending === 'verify'}
          onVerified={onVerify}
        />
      )}
      <FrameCounters counters={status.counters} />
    </main>
  );
}
