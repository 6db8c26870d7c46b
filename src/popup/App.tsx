/**
 * The popup: watches the current tab's view through the extension actions and keeps what the screen needs (the
 * view, a failure, a pending click, a fresh copy). PopupScreen renders it.
 */
import { useEffect, useState } from 'preact/hooks';
import type { PopupView } from '../shared/messages';
import { BAD_MESSAGE, CONNECTION_LOST, type ExtensionActions } from './actions';
import { PopupScreen, type Failure, type Pending } from './PopupScreen';

/**
 * How long "Refreshing…" waits for the background's answer before giving the button back: longer than the tenant
 * fetch's own timeout (15 s, background/tenant/refresher.ts), for an answer lost with a restarting service worker.
 */
const REFRESH_ANSWER_MS = 20_000;

/** Failures about the connection itself, which the next view from the background makes obsolete. */
const CONNECTION_FAILURES = new Set(['no-tab', CONNECTION_LOST, BAD_MESSAGE]);

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function App({ actions }: { actions: ExtensionActions }) {
  const [view, setView] = useState<PopupView | undefined>(undefined);
  const [failure, setFailure] = useState<Failure | undefined>(undefined);
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    let cancelled = false;
    let stop: (() => void) | undefined;
    actions.currentTabId().then(
      (tabId) => {
        if (cancelled) return;
        stop = actions.watch(
          tabId,
          (next, answersRefresh) => {
            setView(next);
            // A click's outcome arrives as the next view; "Refresh" waits for the view that answers it, since the
            // call's own updates keep arriving while the policy is fetched.
            setPending((current) => (current === 'refresh' && !answersRefresh ? current : undefined));
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

  useEffect(() => {
    if (pending !== 'refresh') return;
    const timer = setTimeout(() => setPending((current) => (current === 'refresh' ? undefined : current)), REFRESH_ANSWER_MS);
    return () => clearTimeout(timer);
  }, [pending]);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  return (
    <PopupScreen
      view={view}
      failure={failure}
      pending={pending}
      copied={copied}
      onToggle={(next) => {
        setFailure(undefined);
        setPending('switch');
        actions.setEnabled(next);
      }}
      onRefreshPolicy={() => {
        setFailure(undefined);
        setPending('refresh');
        actions.refreshPolicy();
      }}
      onVerify={(shown, contactName) => {
        setFailure(undefined);
        setPending('verify');
        actions.markVerified(shown, contactName);
      }}
      onVerifyParticipant={(shown, contactName) => {
        setFailure(undefined);
        setPending('verify');
        actions.markParticipantVerified(shown, contactName);
      }}
      onSaveName={(name) => {
        setFailure(undefined);
        setPending('name');
        actions.setDisplayName(name);
      }}
      onCopy={(code) => {
        actions.copy(code).then(
          () => setCopied(true),
          () => setCopied(false),
        );
      }}
      onOpenOptions={() => actions.openOptions()}
      onDismiss={() => setFailure(undefined)}
    />
  );
}
