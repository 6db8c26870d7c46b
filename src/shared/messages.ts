/**
 * The typed protocol between the bridge, the background and the popup (runtime ports). Each channel has one union
 * per direction, discriminated by `kind`; receivers switch on `kind` and reject anything else (the checks are in
 * message-checks.ts: `isPageToBackground` and friends). The page side's own channels are in worker-messages.ts:
 *
 *   transform worker ──port B── bridge ──runtime port── background ──runtime port── popup
 *   MAIN-world hook  ──port A──┘  (codes only)
 *
 * Byte strings are base64 here, because runtime ports serialize as JSON. Nothing secret is ever in these messages:
 * signing inputs, signatures, public keys, settings and status only (protocol.md §7).
 */
import type {
  CodecName,
  DetailCode,
  FrameCounters,
  MediaCodec,
  MediaKind,
  PageSettings,
  TabCallStatus,
  WorkerCallState,
} from './call-status';
import type { PolicyView } from './policy-view';

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
  /** With a pair: the peer's claimed display name, signed in its CONFIRM (protocol.md §4.5). A claim, never verified. */
  peerName?: string;
  /** With a pair: the SFrame cipher suite (RFC 9605 §4.5). */
  suite?: number;
  /** The codecs of the frames seen recently (for the call's details). */
  codecs?: MediaCodec[];
  counters: FrameCounters;
  detail?: DetailCode;
  codec?: CodecName;
  /** With `unsupported-codec` or `media-not-sent`: which media is dropped. */
  media?: MediaKind;
  /** In a group call encrypted with sender keys (protocol.md §11.9): each other participant present. */
  participants?: ReportParticipant[];
  /**
   * With `participants`: the group code (§11.7), "ddddd ddddd ddddd ddddd", only when the round of exactly these
   * participants and us is complete; absent while it is not.
   */
  groupCode?: string;
  /**
   * In an encrypted call: how many participants without CallSeal send media in clear now, counted from their streams
   * (§11.9), 1 to 32; with the detail `participant-without-callseal`.
   */
  withoutCallSeal?: number;
}

/** One other participant of a group call, as the worker reports it (§11.9). */
export interface ReportParticipant {
  /**
   * `encrypted`: keys both ways; `connecting`: its pair or a sender key is pending; `needs-update`: a 1:1-only
   * CallSeal (§11.3), paired but not in the sender keys.
   */
  state: 'encrypted' | 'connecting' | 'needs-update';
  /** The pair's code, "ddddd ddddd ddddd ddddd". */
  securityCode: string;
  /** Base64 of its identity key (32 bytes raw). */
  peerIdentityPublicKey: string;
  /** Its claimed display name (§4.5): a claim. */
  peerName?: string;
  /** It holds the key our media goes under now. */
  hearsYou: boolean;
  /** We hold its key, and its media decrypted within the last 2 s. */
  youHear: boolean;
  /** While no group code is shown: its part of the current group-code round is missing (§11.7). */
  codePending?: true;
}

/** What the hook can tell the background about the page (through the bridge); codes only. */
export const PAGE_ERROR_CODES = ['worker-blocked', 'unsupported-browser', 'no-bridge', 'app-transform'] as const;
export type PageErrorCode = (typeof PAGE_ERROR_CODES)[number];

/** Why the background refused to sign (protocol.md §7.4). */
export const SIGN_REFUSAL_CODES = [
  /** E2EE is off: there is no identity to sign with, and none is made. */
  'disabled',
  /** The requesting frame has no running call (no fresh report, or its state is `off`). */
  'no-call',
  /** The tab and origin used up their signing budget (12 at once, then 12 a minute). */
  'rate-limited',
  /** The input is not base64 of exactly 40 bytes. */
  'malformed-input',
  /** Signing itself failed (storage or WebCrypto). */
  'sign-failed',
] as const;
export type SignRefusalCode = (typeof SIGN_REFUSAL_CODES)[number];

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
  /** `extensions`: base64 of the CONFIRM extensions the signature covers ('' for none; protocol.md §4.3, §4.5). */
  | { kind: 'signed'; requestId: number; signature: string; extensions: string }
  | { kind: 'sign-refused'; requestId: number; code: SignRefusalCode };

/** What the popup renders for the current tab. */
export interface PopupView {
  tabId: number;
  status: TabCallStatus;
  /** The user's switch. */
  enabled: boolean;
  /** False when an admin policy fixes the switch. */
  canToggle: boolean;
  /** Which policy applies to the tab's site, decided by whom, why the switch is locked, how refreshing went. */
  policy: PolicyView;
  /** The user's own display name ('' for none): what the other side sees, signed, as who is calling (§4.5). */
  displayName?: string;
}

export type PopupToBackground =
  | { kind: 'watch'; tabId: number }
  | { kind: 'set-enabled'; enabled: boolean }
  /** The user clicked "Refresh": fetch the tenant policy document now (the new view follows). */
  | { kind: 'refresh-policy' }
  /** "Codes match": exactly what the popup showed, so the background verifies only if it is still current. */
  | {
      kind: 'mark-verified';
      tabId: number;
      frameId: number;
      session: string;
      epoch: number;
      securityCode: string;
      peerIdentityPublicKey: string;
      /** The name the user gives the contact, as typed ('' or absent: the contact's present or claimed name). */
      contactName?: string;
    }
  /**
   * "Codes match" for one participant of a group call (§7.4, §11.9): the frame and session, and that participant's code
   * and identity key exactly as listed; the background verifies only while the frame's current report lists it so.
   */
  | {
      kind: 'mark-participant-verified';
      tabId: number;
      frameId: number;
      session: string;
      securityCode: string;
      peerIdentityPublicKey: string;
      contactName?: string;
    }
  /** The user's own display name, as typed ('' removes it); the background normalizes or refuses it. */
  | { kind: 'set-display-name'; name: string };

/** "Codes match" as the popup sends it: exactly what it showed. */
type MarkVerified = Extract<PopupToBackground, { kind: 'mark-verified' }>;
/** What the user saw and confirmed (the mark-verified message without its kind and the contact's name). */
export type ShownCall = Omit<MarkVerified, 'kind' | 'contactName'>;
/** The participant of a group call the user confirmed, as shown. */
export type ShownParticipant = Omit<Extract<PopupToBackground, { kind: 'mark-participant-verified' }>, 'kind' | 'contactName'>;

/** Failure codes the background sends the popup (with a sentence the extension wrote). */
export type PopupFailureCode =
  /** The switch is fixed by the admin's policy. */
  | 'policy'
  /** "Codes match" arrived for a call, epoch, code or key that is no longer the frame's current one. */
  | 'call-changed'
  /** "Codes match" for a group's participant that the frame's current report no longer lists with that key and code. */
  | 'participant-changed'
  /** Remembering the verified peer failed (storage). */
  | 'verify-failed'
  /** A name the user typed (their own, or a contact's) breaks protocol.md §4.5's rules; the message says which. */
  | 'name-invalid'
  /** A contact of that name exists already. */
  | 'name-taken'
  /** Something the options page asked for failed (storage). */
  | 'options-failed';

export type BackgroundToPopup =
  /** `answers`: this view is the answer to the popup's "Refresh" (its button waits for exactly this). */
  | { kind: 'view'; view: PopupView; answers?: 'refresh-policy' }
  | { kind: 'failed'; code: string; message: string };
