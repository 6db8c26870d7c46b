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
  isPageSettings,
  isCodecName,
  isDetailCode,
  isDropReason,
  isMediaKind,
  DROP_REASONS,
  isMediaCodec,
  isSframeSuite,
  type CodecName,
  type MediaCodec,
  type DetailCode,
  type DropReason,
  type MediaKind,
  type FrameCounters,
  type PageSettings,
  type TabCallStatus,
  type WorkerCallState,
} from './call-status';
import { isIdentityKeyBase64, isSecurityCode, isSessionId, isBase64Of } from './formats';
import { ED25519_SIGNATURE_LENGTH, SIGNING_INPUT_LENGTH } from '../e2ee/constants';
import { isDisplayName, MAX_CONFIRM_EXTENSIONS_LENGTH } from '../e2ee/display-name';
import { MAX_TYPED_NAME_LENGTH } from './options-messages';
import { isPolicyView, type PolicyView } from './policy-view';

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
}

/** One other participant of a group call, as the worker reports it (§11.9). */
export interface ReportParticipant {
  /** `encrypted`: keys both ways; `connecting`: its pair or a sender key is pending. */
  state: 'encrypted' | 'connecting';
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

/** At most 7 others: a group is up to 8 people (§11.9). */
const MAX_REPORT_PARTICIPANTS = 7;

function isReportParticipant(value: unknown): value is ReportParticipant {
  return (
    isRecord(value) &&
    (value.state === 'encrypted' || value.state === 'connecting') &&
    isSecurityCode(value.securityCode) &&
    isIdentityKeyBase64(value.peerIdentityPublicKey) &&
    optional(value.peerName, isDisplayName) &&
    typeof value.hearsYou === 'boolean' &&
    typeof value.youHear === 'boolean' &&
    (value.codePending === undefined || value.codePending === true)
  );
}

function isParticipantList(value: unknown): value is ReportParticipant[] {
  return Array.isArray(value) && value.length >= 1 && value.length <= MAX_REPORT_PARTICIPANTS && value.every(isReportParticipant);
}

function copyParticipant(p: ReportParticipant): ReportParticipant {
  const copy: ReportParticipant = {
    state: p.state,
    securityCode: p.securityCode,
    peerIdentityPublicKey: p.peerIdentityPublicKey,
    hearsYou: p.hearsYou,
    youHear: p.youHear,
  };
  if (p.peerName !== undefined) copy.peerName = p.peerName;
  if (p.codePending === true) copy.codePending = true;
  return copy;
}

/** What the hook can tell the background about the page (through the bridge); codes only. */
const PAGE_ERROR_CODES = ['worker-blocked', 'unsupported-browser', 'no-bridge', 'app-transform'] as const;
export type PageErrorCode = (typeof PAGE_ERROR_CODES)[number];

/** Why the background refused to sign (protocol.md §7.4). */
const SIGN_REFUSAL_CODES = [
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

function isSignRefusalCode(value: unknown): value is SignRefusalCode {
  return typeof value === 'string' && (SIGN_REFUSAL_CODES as readonly string[]).includes(value);
}

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

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isInt = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const optional = <T>(value: unknown, check: (v: unknown) => v is T): boolean => value === undefined || check(value);
/** A name as the user typed it: bounded here, normalized and checked by the background. */
const isTypedName = (value: unknown): value is string => typeof value === 'string' && value.length <= MAX_TYPED_NAME_LENGTH;

function isDrops(value: unknown): value is NonNullable<FrameCounters['drops']> {
  if (!isRecord(value)) return false;
  const entries = Object.entries(value);
  return entries.length <= DROP_REASONS.length && entries.every(([reason, count]) => isDropReason(reason) && isInt(count));
}

function isCounters(value: unknown): value is FrameCounters {
  return (
    isRecord(value) &&
    isInt(value.encrypted) &&
    isInt(value.decrypted) &&
    isInt(value.dropped) &&
    isInt(value.plaintext) &&
    optional(value.drops, isDrops)
  );
}

/** A copy of counters with exactly the contract's fields. */
function copyCounters(counters: FrameCounters): FrameCounters {
  const { encrypted, decrypted, dropped, plaintext } = counters;
  const copy: FrameCounters = { encrypted, decrypted, dropped, plaintext };
  if (counters.drops !== undefined) {
    const drops: Partial<Record<DropReason, number>> = {};
    for (const reason of DROP_REASONS) {
      const count = counters.drops[reason];
      if (count !== undefined) drops[reason] = count;
    }
    copy.drops = drops;
  }
  return copy;
}

/**
 * Shape only: every field has its exact format (hex session, integer seq and epoch, a code and a key in their one
 * spelling, detail and codec from the fixed lists). Whether the claim is possible (a key with `encrypted`, seq
 * increasing) is the background's status rules' business (background/report-rules.ts).
 */
export function isSessionReport(value: unknown): value is SessionReport {
  return (
    isRecord(value) &&
    isSessionId(value.session) &&
    isInt(value.seq) &&
    isCallState(value.state) &&
    value.state !== 'verified' &&
    isInt(value.epoch) &&
    isCounters(value.counters) &&
    optional(value.securityCode, isSecurityCode) &&
    optional(value.peerIdentityPublicKey, isIdentityKeyBase64) &&
    optional(value.peerName, isDisplayName) &&
    optional(value.suite, isSframeSuite) &&
    optional(value.codecs, isCodecList) &&
    optional(value.detail, isDetailCode) &&
    optional(value.codec, isCodecName) &&
    optional(value.media, isMediaKind) &&
    optional(value.participants, isParticipantList) &&
    optional(value.groupCode, isSecurityCode)
  );
}

function isCodecList(value: unknown): value is MediaCodec[] {
  return (
    Array.isArray(value) &&
    value.length <= MEDIA_CODEC_LIMIT &&
    value.every(isMediaCodec) &&
    new Set(value).size === value.length
  );
}

const MEDIA_CODEC_LIMIT = 7;

/** A copy of a checked report with exactly the contract's fields: nothing else travels on (the bridge uses it). */
export function copySessionReport(report: SessionReport): SessionReport {
  const copy: SessionReport = {
    session: report.session,
    seq: report.seq,
    state: report.state,
    epoch: report.epoch,
    counters: copyCounters(report.counters),
  };
  if (report.securityCode !== undefined) copy.securityCode = report.securityCode;
  if (report.peerIdentityPublicKey !== undefined) copy.peerIdentityPublicKey = report.peerIdentityPublicKey;
  if (report.peerName !== undefined) copy.peerName = report.peerName;
  if (report.suite !== undefined) copy.suite = report.suite;
  if (report.codecs !== undefined) copy.codecs = [...report.codecs];
  if (report.detail !== undefined) copy.detail = report.detail;
  if (report.codec !== undefined) copy.codec = report.codec;
  if (report.media !== undefined) copy.media = report.media;
  if (report.participants !== undefined) copy.participants = report.participants.map(copyParticipant);
  if (report.groupCode !== undefined) copy.groupCode = report.groupCode;
  return copy;
}

function isPageErrorCode(value: unknown): value is PageErrorCode {
  return typeof value === 'string' && (PAGE_ERROR_CODES as readonly string[]).includes(value);
}

/** A signing input as it must be: canonical base64 of exactly `th || pid` (40 bytes). */
function isSigningInput(value: unknown): value is string {
  return isBase64Of(value, SIGNING_INPUT_LENGTH);
}

/** Shape check for everything that arrives from a page. Everything else is dropped. */
export function isPageToBackground(value: unknown): value is PageToBackground {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'attach':
      return true;
    case 'sign':
      return isInt(value.requestId) && isSigningInput(value.input);
    case 'session':
      return isSessionReport(value.report);
    case 'page-error':
      return isPageErrorCode(value.code);
    default:
      return false;
  }
}

/**
 * A `sign` request whose input is malformed but whose requestId can be answered: the background refuses it
 * (`malformed-input`) instead of leaving the worker waiting.
 */
export function malformedSignRequestId(value: unknown): number | undefined {
  if (!isRecord(value) || value.kind !== 'sign' || !isInt(value.requestId) || isSigningInput(value.input)) {
    return undefined;
  }
  return value.requestId;
}

/** What every "Codes match" carries: the frame, session, code and identity key shown, and the name typed. */
function isConfirmedCode(value: Record<string, unknown>): boolean {
  return (
    isInt(value.tabId) &&
    isInt(value.frameId) &&
    isSessionId(value.session) &&
    isSecurityCode(value.securityCode) &&
    isIdentityKeyBase64(value.peerIdentityPublicKey) &&
    optional(value.contactName, isTypedName)
  );
}

export function isPopupToBackground(value: unknown): value is PopupToBackground {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'watch':
      return isInt(value.tabId);
    case 'mark-verified':
      return isInt(value.epoch) && isConfirmedCode(value);
    case 'mark-participant-verified':
      return isConfirmedCode(value);
    case 'set-display-name':
      return isTypedName(value.name);
    case 'set-enabled':
      return typeof value.enabled === 'boolean';
    case 'refresh-policy':
      return true;
    default:
      return false;
  }
}

/** Shape check for everything the bridge receives from the background (byte strings are checked when decoded). */
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const isString = (value: unknown): value is string => typeof value === 'string';

/** A tab's status as the background decided it (the popup checks it: a half-updated extension shows as a failure). */
function isTabCallStatus(value: unknown): value is TabCallStatus {
  return (
    isRecord(value) &&
    isCallState(value.state) &&
    isInt(value.epoch) &&
    isCounters(value.counters) &&
    optional(value.securityCode, isSecurityCode) &&
    optional(value.peerIdentityFingerprint, isString) &&
    optional(value.peerIdentityPublicKey, isIdentityKeyBase64) &&
    optional(value.detail, isDetailCode) &&
    optional(value.codec, isCodecName) &&
    optional(value.media, isMediaKind) &&
    optional(value.frameId, isInt) &&
    optional(value.session, isSessionId) &&
    optional(value.otherCalls, isInt) &&
    optional(value.appTransform, isBoolean)
  );
}

function isPopupView(value: unknown): value is PopupView {
  return (
    isRecord(value) &&
    isInt(value.tabId) &&
    isTabCallStatus(value.status) &&
    isBoolean(value.enabled) &&
    isBoolean(value.canToggle) &&
    isPolicyView(value.policy)
  );
}

/** What the background sends the popup: a view, or a failure with its code and sentence. */
export function isBackgroundToPopup(value: unknown): value is BackgroundToPopup {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'view':
      return isPopupView(value.view) && (value.answers === undefined || value.answers === 'refresh-policy');
    case 'failed':
      return isString(value.code) && isString(value.message);
    default:
      return false;
  }
}

export function isBackgroundToPage(value: unknown): value is BackgroundToPage {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'settings':
      return isPageSettings(value.settings) && (value.identityPublicKey === null || isIdentityKeyBase64(value.identityPublicKey));
    case 'signed':
      return (
        isInt(value.requestId) &&
        isBase64Of(value.signature, ED25519_SIGNATURE_LENGTH) &&
        typeof value.extensions === 'string' &&
        value.extensions.length <= Math.ceil(MAX_CONFIRM_EXTENSIONS_LENGTH / 3) * 4
      );
    case 'sign-refused':
      return isInt(value.requestId) && isSignRefusalCode(value.code);
    default:
      return false;
  }
}
