/**
 * Everything the popup asks of the extension, behind one interface: which tab it is about, a live view of that
 * tab, and the things the user can do (the switch, "Refresh" the organization's policy, "Codes match"). `createBrowserActions` is the real one, over
 * a runtime port to the background; `FakeActions` (tests/unit/popup/fake-actions.ts) stands in for it in tests.
 *
 * The browser API is passed in rather than imported, so this module runs in Node tests; main.tsx passes
 * webextension-polyfill's `browser`.
 */
import { POPUP_PORT, type PopupToBackground, type PopupView, type ShownCall, type ShownParticipant } from '../shared/messages';
import { isBackgroundToPopup } from '../shared/message-checks';
import { t } from '../shared/i18n';

/** `answersRefresh`: this view is the background's answer to "Refresh". */
export type ViewHandler = (view: PopupView, answersRefresh: boolean) => void;
export type FailureHandler = (code: string, message: string) => void;

export interface ExtensionActions {
  /** The tab the popup describes: `?tabId=<n>` in the popup's address when present, else the active tab. */
  currentTabId(): Promise<number>;
  /**
   * Streams the tab's view: `onView` with every update, `onFailure` when the background reports a failure or the
   * connection is lost. Returns a function that stops watching.
   */
  watch(tabId: number, onView: ViewHandler, onFailure: FailureHandler): () => void;
  /** The user's switch. The outcome arrives as the next view (or a failure). */
  setEnabled(enabled: boolean): void;
  /** Fetch the organization's tenant policy now. The outcome arrives as a view marked as the answer. */
  refreshPolicy(): void;
  /**
   * The user confirmed the security codes match, for exactly the call shown (frame, session, epoch, code, peer
   * key), saving the peer as a contact under `contactName` ('' or absent: the contact's present or claimed name).
   * The outcome arrives as the next view, or a failure (`call-changed` when the call moved on meanwhile).
   */
  markVerified(shown: ShownCall, contactName?: string): void;
  /**
   * "Codes match" for one participant of a group call, exactly as listed (frame, session, its code and identity key).
   * The outcome arrives as the next view, or a failure (`participant-changed` when it is no longer listed so).
   */
  markParticipantVerified(shown: ShownParticipant, contactName?: string): void;
  /** The user's own display name, as typed. The outcome arrives as the next view, or a failure (`name-invalid`). */
  setDisplayName(name: string): void;
  /** Opens the options page (contacts and own identity). */
  openOptions(): void;
  /** Puts `text` on the clipboard. */
  copy(text: string): Promise<void>;
}

/** The `?tabId=` parameter is present but is not a tab id. */
export class TabIdError extends Error {
  override name = 'TabIdError';
}

/**
 * The tab id from the popup's query string (`location.search`): undefined when there is no `tabId` parameter,
 * a `TabIdError` when there is one that is not a non-negative decimal integer (`abc`, `-1`, `1.5`, `1e3`, ``).
 */
export function tabIdFromQuery(search: string): number | undefined {
  const raw = new URLSearchParams(search).get('tabId');
  if (raw === null) return undefined;
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id)) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    throw new TabIdError(t('failure_bad_tab_id', shown));
  }
  return id;
}

/** The part of a runtime port the popup uses (webextension-polyfill's `Runtime.Port` fits). */
export interface PortLike {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(callback: (message: unknown) => void): void };
  onDisconnect: { addListener(callback: () => void): void };
}

/** The part of the browser API the popup uses (webextension-polyfill's `browser` fits). */
export interface BrowserLike {
  runtime: {
    connect(connectInfo: { name: string }): PortLike;
    lastError?: { message?: string } | undefined;
    openOptionsPage?(): Promise<void>;
  };
  tabs: {
    query(queryInfo: { active: boolean; currentWindow: boolean }): Promise<Array<{ id?: number | undefined }>>;
  };
}

interface BrowserActionsOptions {
  /** The popup's `location.search`. */
  search?: string;
  /** Waits before each reconnection attempt; the last one repeats. */
  retryDelaysMs?: readonly number[];
  /** Failed reconnections in a row before the watcher hears about it (it keeps trying). */
  reportAfterFailures?: number;
}

const DEFAULT_RETRY_DELAYS_MS = [50, 200, 500, 1000, 2000] as const;

export const CONNECTION_LOST = 'disconnected';
export const BAD_MESSAGE = 'bad-message';

export function createBrowserActions(api: BrowserLike, options: BrowserActionsOptions = {}): ExtensionActions {
  const search = options.search ?? '';
  const delays = options.retryDelaysMs?.length ? options.retryDelaysMs : DEFAULT_RETRY_DELAYS_MS;
  const reportAfter = options.reportAfterFailures ?? 3;

  let port: PortLike | undefined;
  let watcher: { tabId: number; onView: ViewHandler; onFailure: FailureHandler } | undefined;
  /** Messages not yet handed to a port; re-sent after a reconnection. */
  const queue: PopupToBackground[] = [];
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Connections lost in a row without hearing from the background. */
  let failures = 0;
  let reported = false;

  const wanted = () => watcher !== undefined || queue.length > 0;

  function connect(): void {
    if (port || retryTimer !== undefined || !wanted()) return;
    let next: PortLike;
    try {
      next = api.runtime.connect({ name: POPUP_PORT });
    } catch (error) {
      lost(error instanceof Error ? error.message : String(error));
      return;
    }
    port = next;
    next.onMessage.addListener((message) => {
      if (port === next) receive(message);
    });
    next.onDisconnect.addListener(() => {
      // Reading lastError marks it handled (Chrome sets it when nobody was listening, e.g. a worker still starting).
      const reason = api.runtime.lastError?.message;
      if (port !== next) return;
      port = undefined;
      lost(reason);
    });
    if (watcher) post({ kind: 'watch', tabId: watcher.tabId });
    flush();
  }

  /** Posts on the open port; if that throws, the connection counts as lost (a reconnection re-sends the watch). */
  function post(message: PopupToBackground): boolean {
    const current = port;
    if (!current) return false;
    try {
      current.postMessage(message);
      return true;
    } catch (error) {
      if (port === current) {
        port = undefined;
        lost(error instanceof Error ? error.message : String(error));
      }
      return false;
    }
  }

  function flush(): void {
    while (queue.length > 0 && port) {
      if (!post(queue[0]!)) return;
      queue.shift();
    }
  }

  function send(message: PopupToBackground): void {
    queue.push(message);
    if (port) flush();
    else connect();
  }

  function lost(reason: string | undefined): void {
    if (!wanted()) return;
    failures += 1;
    if (failures >= reportAfter && !reported && watcher) {
      reported = true;
      watcher.onFailure(CONNECTION_LOST, t('failure_connection_lost') + (reason ? ` (${reason})` : ''));
    }
    const delay = delays[Math.min(failures - 1, delays.length - 1)] ?? 1000;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect();
    }, delay);
  }

  function receive(message: unknown): void {
    if (!isBackgroundToPopup(message)) {
      watcher?.onFailure(BAD_MESSAGE, t('failure_bad_message'));
      return;
    }
    failures = 0;
    reported = false;
    if (message.kind === 'failed') watcher?.onFailure(message.code, message.message);
    else if (watcher && message.view.tabId === watcher.tabId) watcher.onView(message.view, message.answers === 'refresh-policy');
  }

  return {
    async currentTabId() {
      const fromQuery = tabIdFromQuery(search);
      if (fromQuery !== undefined) return fromQuery;
      const [tab] = await api.tabs.query({ active: true, currentWindow: true });
      if (tab?.id === undefined || !Number.isSafeInteger(tab.id) || tab.id < 0) {
        throw new Error(t('failure_no_tab'));
      }
      return tab.id;
    },

    watch(tabId, onView, onFailure) {
      const own = { tabId, onView, onFailure };
      watcher = own;
      if (port) post({ kind: 'watch', tabId });
      else connect();
      return () => {
        if (watcher !== own) return;
        watcher = undefined;
        if (queue.length > 0) return; // Let queued clicks still reach the background.
        if (retryTimer !== undefined) clearTimeout(retryTimer);
        retryTimer = undefined;
        const current = port;
        port = undefined;
        current?.disconnect();
      };
    },

    setEnabled(enabled) {
      send({ kind: 'set-enabled', enabled });
    },

    refreshPolicy() {
      send({ kind: 'refresh-policy' });
    },

    markVerified(shown, contactName) {
      send(contactName ? { kind: 'mark-verified', ...shown, contactName } : { kind: 'mark-verified', ...shown });
    },

    markParticipantVerified(shown, contactName) {
      send(contactName ? { kind: 'mark-participant-verified', ...shown, contactName } : { kind: 'mark-participant-verified', ...shown });
    },

    setDisplayName(name) {
      send({ kind: 'set-display-name', name });
    },

    openOptions() {
      void api.runtime.openOptionsPage?.().catch(() => undefined);
    },

    async copy(text) {
      await navigator.clipboard.writeText(text);
    },
  };
}
