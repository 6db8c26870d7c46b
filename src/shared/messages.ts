/**
 * The typed protocol between the bridge, the background and the popup (runtime ports). Each channel has one union
 * per direction, discriminated by `kind`; receivers switch on `kind` and reject anything else (see
 * `isPageToBackground` and friends). The page side's own channels are in worker-messages.ts:
 *
 *   transform worker ──port B── bridge ──runtime port── background ──runtime port── popup
 *   MAIN-world hook  ──port A──┘  (codes only)
 *
 * Byte strings are base64 here, because runtime ports serialize as JSON. Nothing secret is ever in these messages:
 * signing inputs, signatures, public keys, settings and status only (protocol.md §7).
 */
import {
  isCallState,
  type CodecName,
  type DetailCode,
  type FrameCounters,
  type PageSettings,
  type TabCallStatus,
  type WorkerCallState,
} from './call-status';
import { isPageSettings } from './worker-messages';

/** Runtime port names, which tell the background which kind of client connected. */
export const BRIDGE_PORT = 'callseal-bridge';
export const POPUP_PORT = 'callseal-popup';

/**
 * What the worker's session reports, once a second and on every change (protocol.md §7.4). The background checks it
 * and turns it into a `TabCallStatus`. It travels unchanged worker → bridge → background.
 */
export interface SessionReport {
  /** The worker session: 32 lowercase hex digits, fresh for every page load and every time E2EE is switched on. */
  session: string;
  /** Increases with every report of the session (heartbeats included). */
  seq: number;
  state: WorkerCallState;
  /** The current pair's number within the session (0 before the first pair is confirmed). */
  epoch: number;
  /** With `encrypted` and `identity-changed`: the current pair's code, "ddddd ddddd ddddd ddddd". */
  securityCode?: string;
  /** With `encrypted` and `identity-changed`: base64 of the current pair's peer identity key (32 bytes raw). */
  peerIdentityPublicKey?: string;
  counters: FrameCounters;
  detail?: DetailCode;
  codec?: CodecName;
}

/** What the hook can tell the background about the page (through the bridge); codes only. */
export type PageErrorCode = 'worker-blocked' | 'unsupported-browser' | 'no-bridge' | 'app-transform';

/** Bridge → background, on the runtime port (JSON: bytes are base64). */
export type PageToBackground =
  /** The page's transform worker started (or the hook needs to know the settings): answer with the settings. */
  | { kind: 'attach' }
  /** The worker asks for the identity key's signature over `th || pid` (base64 of exactly 40 bytes). */
  | { kind: 'sign'; requestId: number; input: string }
  | { kind: 'session'; report: SessionReport }
  /** The hook could not set up encryption on this page, or saw the app assign its own transform. */
  | { kind: 'page-error'; code: PageErrorCode };

/** Background → bridge. `identityPublicKey` is base64, and null while E2EE is off (no identity is made or sent). */
export type BackgroundToPage =
  | { kind: 'settings'; settings: PageSettings; identityPublicKey: string | null }
  | { kind: 'signed'; requestId: number; signature: string }
  | { kind: 'sign-refused'; requestId: number; code: string };

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
  /** "Codes match": exactly what the popup showed, so the background verifies only if it is still current. */
  | {
      kind: 'mark-verified';
      tabId: number;
      frameId: number;
      session: string;
      epoch: number;
      securityCode: string;
      peerIdentityPublicKey: string;
    };

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

/** Shape check for everything the bridge receives from the background (byte strings are checked when decoded). */
export function isBackgroundToPage(value: unknown): value is BackgroundToPage {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'settings':
      return isPageSettings(value.settings) && (value.identityPublicKey === null || isString(value.identityPublicKey, 64));
    case 'signed':
      return isInt(value.requestId) && isString(value.signature, 128);
    case 'sign-refused':
      return isInt(value.requestId) && isString(value.code, 64);
    default:
      return false;
  }
}
