/**
 * How the MAIN-world hook and the isolated-world bridge find each other without the page listening in
 * (protocol.md §7.2). Both content scripts run at document_start, the bridge first (manifest order), before any page
 * script. The hook makes two MessageChannels and dispatches ONE cancelable HOOK_OFFER_EVENT on the document carrying
 * port A (hook ↔ bridge) and port B (worker ↔ bridge). The bridge takes the first offer, cancels it — so the hook's
 * `dispatchEvent` returns false: the handover is confirmed — and stops listening. Neither side offers or accepts
 * again: a later offer is necessarily the page's.
 *
 * One case breaks "before any page script": a frame or popup whose first navigation reuses the Window of its initial
 * about:blank document (same origin). The page could reach that Window before the navigation, and the new document's
 * scripts then run in a realm the page may have rigged. The hook of the page that reached it has already hooked that
 * realm (its transforms win there) and says so with CHILD_REALM_EVENT; the bridge of the opener or parent marks the
 * Window in the isolated world, where the page cannot see or forge marks, and the bridge that later starts in that
 * Window sees COVERED_MARK and takes no offer at all. That bridge's first act, in every document, is to dispatch
 * DOCUMENT_START_EVENT: the hook that covers the Window listens for it there (a listener on the Window outlives the
 * document) and hooks the new document — its MutationObserver, for frames the parser makes — before the new
 * document's own scripts run.
 */
import type { BridgeSignal, HookSignal } from '../shared/worker-messages';

export const HOOK_OFFER_EVENT = 'callseal:hook-offer';

/** Hook → its own bridge, a MessageEvent whose `source` is a child Window the hook has just hooked. */
export const CHILD_REALM_EVENT = 'callseal:child-realm';

/** Bridge → any hook covering this Window: a new document starts in it. */
export const DOCUMENT_START_EVENT = 'callseal:document-start';

/** Isolated-world property of a Window hooked by its parent's or opener's hook. */
export const COVERED_MARK = '__callsealCoveredByOpener';

const HOOK_SIGNALS: readonly string[] = ['media-requested', 'worker-blocked', 'unsupported-browser', 'app-transform'] satisfies HookSignal[];

export function isHookSignal(value: unknown): value is HookSignal {
  return typeof value === 'string' && HOOK_SIGNALS.includes(value);
}

export const FAIL_CLOSED: BridgeSignal = 'fail-closed';
export const FAIL_OPEN: BridgeSignal = 'fail-open';
