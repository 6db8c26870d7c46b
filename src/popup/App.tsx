import { useEffect, useState } from 'preact/hooks';
import type { PopupView } from '../shared/messages';
import { BAD_MESSAGE, CONNECTION_LOST, type ExtensionActions } from './actions';
import { CallStateView } from './CallStateView';
import { EncryptionSwitch } from './EncryptionSwitch';
import { FrameCounters } from './FrameCounters';
import { Header } from './Header';
import { SecurityCode } from './SecurityCode';

interface Failure {
  code: string;
  message: string;
}

/** Failures about the connection itself, which the next view from the background makes obsolete. */
const CONNECTION_FAILURES = new Set(['no-tab', CONNECTION_LOST, BAD_MESSAGE]);

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function App({ actions }: { actions: ExtensionActions }) {
  const [view, setView] = useState<PopupView | undefined>(undefined);
  const [failure, setFailure] = useState<Failure | undefined>(undefined);
  /** A click whose answer (the next view, or a failure) has not arrived yet. */
  const [pending, setPending] = useState<'switch' | 'verify' | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    let stop: (() => void) | undefined;
    actions.currentTabId().then(
      (tabId) => {
        if (cancelled) return;
        stop = actions.watch(
          tabId,
          (next) => {
            setView(next);
            setPending(undefined);
            setFailure((current) => (current && CONNECTION_FAILURES.has(current.code) ? undefined : current));
          },
          (code, message) => {
            setFailure({ code, message });
            setPending(undefined);
          },
        );
      },
      (error: unknown) => {
        if (!cancelled) setFailure({ code: 'no-tab', message: errorMessage(error) });
      },
    );
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [actions]);

  const failureBanner = failure && (
    <div class="failure" role="alert" data-testid="failure" data-code={failure.code}>
      <span>{failure.message}</span>
      {view && (
        <button type="button" class="dismiss" aria-label="Dismiss" onClick={() => setFailure(undefined)}>
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
        policyNote={view.policyNote}
        onToggle={(next) => {
          setFailure(undefined);
          setPending('switch');
          actions.setEnabled(next);
        }}
      />
      {failureBanner}
      <CallStateView status={status} enabled={view.enabled} />
      {securityCode !== undefined && securityCode !== '' && (
        <SecurityCode
          status={{ ...status, securityCode }}
          pending={pending === 'verify'}
          onVerified={() => {
            setFailure(undefined);
            setPending('verify');
            actions.markVerified(view.tabId);
          }}
        />
      )}
      <FrameCounters counters={status.counters} />
    </main>
  );
}
