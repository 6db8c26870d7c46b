/**
 * The typed protocol between CallSeal's five places. Each channel has one union per direction, discriminated by
 * `kind`; receivers switch on `kind` and reject anything else (see `isPageToBackground` and friends).
 *
 *   transform worker ──postMessage── MAIN-world hook ──private MessagePort── bridge ──runtime port── background
 *                                                                                       popup ──runtime port──┘
 *
 * Messages from the page side (worker, hook, bridge) travel unchanged to the background and back, so one pair of
 * unions covers the whole path. Byte strings are base64 on this path, because the runtime port serializes as JSON.
 * Nothing secret is ever in these messages: hello bodies, signatures, public keys, settings and status only.
 */
import { isCallState, type FrameCounters, type PageSettings, type TabCallStatus } from './call-status';

/** Runtime port names, which tell the background which kind of client connected. */
export const BRIDGE_PORT = 'callseal-bridge';
export const POPUP_PORT = 'callseal-popup';

/** What the worker's session reports; the background checks it and turns it into a `TabCallStatus`. */
export interface SessionReport {
  state: 'off' | 'negotiating' | 'encrypted' | 'unencrypted' | 'blocked' | 'error';
  epoch: number;
  securityCode?: string;
  /** Base64 of the peer's raw Ed25519 identity public key. */
  peerIdentityPublicKey?: string;
  counters: FrameCounters;
  detail?: string;
}

export type PageToBackground =
  /** The page made its first peer connection: the background answers with the settings. */
  | { kind: 'attach' }
  /** The worker asks for the identity key's signature over a hello body (checked before signing). */
  | { kind: 'sign-hello'; requestId: number; body: string }
  | { kind: 'session'; report: SessionReport }
  /** The hook could not set up encryption on this page (e.g. the page's CSP blocked the worker). */
  | { kind: 'page-error'; code: string; message: string };

export type BackgroundToPage =
  | { kind: 'settings'; settings: PageSettings; identityPublicKey: string }
  | { kind: 'hello-signed'; requestId: number; signature: string }
  | { kind: 'hello-refused'; requestId: number; code: string; message: string };

/** What the popup renders for the current tab. */
export interface PopupView {
  tabId: number;
  status: TabCallStatus;
  /** The user's switch. */
  enabled: boolean;
  /** False when an admin policy fixes the switch. */
  canToggle: boolean;
  /** Why the switch is fixed, or what the admin requires. */
  policyNote?: string;
}

export type PopupToBackground =
  | { kind: 'watch'; tabId: number }
  | { kind: 'set-enabled'; enabled: boolean }
  | { kind: 'mark-verified'; tabId: number };

export type BackgroundToPopup =
  | { kind: 'view'; view: PopupView }
  | { kind: 'failed'; code: string; message: string };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isInt = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isString = (value: unknown, max = 4096): value is string => typeof value === 'string' && value.length <= max;
const optional = <T>(value: unknown, check: (v: unknown) => v is T): boolean => value === undefined || check(value);

function isCounters(value: unknown): value is FrameCounters {
  return (
    isRecord(value) && isInt(value.encrypted) && isInt(value.decrypted) && isInt(value.dropped) && isInt(value.plaintext)
  );
}

function isSessionReport(value: unknown): value is SessionReport {
  return (
    isRecord(value) &&
    isCallState(value.state) &&
    value.state !== 'verified' &&
    isInt(value.epoch) &&
    isCounters(value.counters) &&
    optional(value.securityCode, (v): v is string => isString(v, 64)) &&
    optional(value.peerIdentityPublicKey, (v): v is string => isString(v, 64)) &&
    optional(value.detail, (v): v is string => isString(v, 500))
  );
}

/** Shape check for everything that arrives from a page. Everything else is dropped. */
export function isPageToBackground(value: unknown): value is PageToBackground {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'attach':
      return true;
    case 'sign-hello':
      return isInt(value.requestId) && isString(value.body, 1024);
    case 'session':
      return isSessionReport(value.report);
    case 'page-error':
      return isString(value.code, 64) && isString(value.message, 500);
    default:
      return false;
  }
}

export function isPopupToBackground(value: unknown): value is PopupToBackground {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'watch':
    case 'mark-verified':
      return isInt(value.tabId);
    case 'set-enabled':
      return typeof value.enabled === 'boolean';
    default:
      return false;
  }
}
