/**
 * The popup's screen for one state of the world: the view the background sent, a failure to show, and which click
 * awaits its answer. Hook-free on purpose: App keeps the state and the connection, and this renders it, so component
 * tests render it in Node without a DOM (tests/unit/popup/render-tree.ts) as well as in jsdom.
 *
 * One glance, top to bottom: the switch (and the organization's policy, when there is one), the call's state in one
 * sentence with any warning, the security code and the verify flow, the call's details folded away, the user's own
 * name.
 */
import { t } from '../shared/i18n';
import type { PopupView, ShownCall, ShownParticipant } from '../shared/messages';
import { CallDetails } from './CallDetails';
import { CallStateView } from './CallStateView';
import { EncryptionSwitch } from './EncryptionSwitch';
import { Header } from './Header';
import { OwnName } from './OwnName';
import { PolicyPanel } from './PolicyPanel';
import { Participants, WithoutCallSeal } from './Participants';
import { SecurityCode } from './SecurityCode';
import { shownCallOf, shownParticipantOf } from './shown-call';

export interface Failure {
  code: string;
  message: string;
}

export type Pending = 'switch' | 'verify' | 'refresh' | 'name';

interface PopupScreenProps {
  view: PopupView | undefined;
  failure: Failure | undefined;
  /** A click whose answer (the next view, or a failure) has not arrived yet. */
  pending: Pending | undefined;
  /** The security code was just copied. */
  copied?: boolean;
  onToggle(next: boolean): void;
  /** "Refresh" the organization's policy. */
  onRefreshPolicy(): void;
  /** "Codes match", with exactly what is on screen and the name to save the contact under. */
  onVerify(shown: ShownCall, contactName: string): void;
  /** "Codes match" for one participant of a group call, as listed. */
  onVerifyParticipant?(shown: ShownParticipant, contactName: string): void;
  onDismiss(): void;
  onCopy?(code: string): void;
  onSaveName?(name: string): void;
  onOpenOptions?(): void;
}

export function PopupScreen(props: PopupScreenProps) {
  const { view, failure, pending, onToggle, onRefreshPolicy, onVerify, onDismiss } = props;
  const failureBanner = failure && (
    <div class="failure" role="alert" data-testid="failure" data-code={failure.code}>
      <span>{failure.message}</span>
      {view && (
        <button type="button" class="dismiss" aria-label={t('popup_dismiss')} onClick={onDismiss}>
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
            {t('popup_loading')}
          </p>
        )}
      </main>
    );
  }

  const { status } = view;
  const securityCode = status.securityCode;
  // A group call lists its participants (§11.9); people without CallSeal are listed with them, or on their own.
  const participants = status.participants ?? [];
  const inGroup = participants.length > 0;
  const withoutCallSeal = status.withoutCallSeal ?? 0;
  return (
    <main class="popup">
      <Header state={status.state} onOpenOptions={props.onOpenOptions} />
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
          copied={props.copied === true}
          onVerified={onVerify}
          onCopy={(code) => props.onCopy?.(code)}
        />
      )}
      {inGroup && (
        <Participants
          participants={participants}
          groupCode={status.groupCode}
          withoutCallSeal={withoutCallSeal}
          shownOf={(p) => shownParticipantOf(view.tabId, status, p)}
          pending={pending === 'verify'}
          onVerify={(shown, contactName) => props.onVerifyParticipant?.(shown, contactName)}
        />
      )}
      {!inGroup && withoutCallSeal > 0 && <WithoutCallSeal count={withoutCallSeal} />}
      {status.state !== 'off' && <CallDetails status={status} />}
      {view.enabled && (
        <OwnName
          displayName={view.displayName ?? ''}
          pending={pending === 'name'}
          onSave={(name) => props.onSaveName?.(name)}
        />
      )}
    </main>
  );
}
