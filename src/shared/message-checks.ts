/**
 * The runtime checks of the messages of messages.ts (protocol.md §7): a shape check per channel and direction, and
 * the copy of a session report with exactly the contract's fields. Every receiver checks what arrives before it
 * switches on `kind`: anything off the contract — an unknown kind, a wrong length, a page-written string where a code
 * belongs — is dropped.
 *
 * Why apart from the types: the types are what every context imports to talk; these checks are the door of the
 * receivers (the background, the bridge, the popup), where a page or a half-updated extension may send anything.
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
  type MediaCodec,
  type DropReason,
  type FrameCounters,
  type TabCallStatus,
} from './call-status';
import { isIdentityKeyBase64, isSecurityCode, isSessionId, isBase64Of } from './formats';
import { ED25519_SIGNATURE_LENGTH, SIGNING_INPUT_LENGTH } from '../e2ee/constants';
import { isDisplayName, MAX_CONFIRM_EXTENSIONS_LENGTH } from '../e2ee/display-name';
import { MAX_TYPED_NAME_LENGTH } from './options-messages';
import { isPolicyView } from './policy-view';
import {
  PAGE_ERROR_CODES,
  SIGN_REFUSAL_CODES,
  type BackgroundToPage,
  type BackgroundToPopup,
  type PageErrorCode,
  type PageToBackground,
  type PopupToBackground,
  type PopupView,
  type ReportParticipant,
  type SessionReport,
  type SignRefusalCode,
} from './messages';

/** At most 7 others: a group is up to 8 people (§11.9). */
const MAX_REPORT_PARTICIPANTS = 7;

function isReportParticipant(value: unknown): value is ReportParticipant {
  return (
    isRecord(value) &&
    (value.state === 'encrypted' || value.state === 'connecting' || value.state === 'needs-update') &&
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

function isSignRefusalCode(value: unknown): value is SignRefusalCode {
  return typeof value === 'string' && (SIGN_REFUSAL_CODES as readonly string[]).includes(value);
}

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
    optional(value.groupCode, isSecurityCode) &&
    optional(value.withoutCallSeal, isWithoutCallSealCount)
  );
}

/** At most 32 participants without CallSeal are counted (§11.9). */
const MAX_WITHOUT_CALLSEAL = 32;

function isWithoutCallSealCount(value: unknown): value is number {
  return isInt(value) && value >= 1 && value <= MAX_WITHOUT_CALLSEAL;
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
  if (report.withoutCallSeal !== undefined) copy.withoutCallSeal = report.withoutCallSeal;
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
