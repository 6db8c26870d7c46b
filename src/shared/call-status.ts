/**
 * What the user is shown about a tab's call. Shared by the background (which alone decides it), the popup and the
 * toolbar icon. The page never sets these directly: the transform worker reports its session, the background
 * checks that report and derives the state.
 */

/** The states the popup exposes as `data-state` on `[data-testid="call-state"]`. */
export const CALL_STATES = [
  'off',
  'negotiating',
  'encrypted',
  'verified',
  'identity-changed',
  'unencrypted',
  'blocked',
  'error',
] as const;
export type CallState = (typeof CALL_STATES)[number];

/** The states a transform worker may report; `verified` is the background's conclusion, never a claim. */
export type WorkerCallState = Exclude<CallState, 'verified'>;

/**
 * Why a state is what it is, as a code from this fixed list: the popup and the toolbar turn codes into sentences the
 * extension wrote (status-text.ts), so nothing a page controls is ever shown as text.
 */
export const DETAIL_CODES = [
  /** Sustained plain media and no key exchange (protocol.md §6.4). */
  'no-key-exchange',
  /** The peer speaks protocol version 1 (protocol.md §4.1). */
  'peer-protocol-1',
  'peer-protocol-2',
  /** Encrypted call, but the peer's media now arrives only in clear; CallSeal does not play it. */
  'peer-stopped-encrypting',
  /** Frames of a codec CallSeal cannot encrypt are dropped (see `codec`, and `media` for which kind). */
  'unsupported-codec',
  /** A local track's frames cannot be encrypted (its sender has no key, or a frame could not be cut) and are not sent (see `media`). */
  'media-not-sent',
  /**
   * A group (protocol.md §6.6) in which someone's CallSeal does not speak group (§11.3): the group is not encrypted.
   */
  'group-call',
  /** More than 8 people (protocol.md §11.9): CallSeal stopped encrypting. */
  'group-too-large',
  /**
   * Encrypted call, and media of someone in it arrives in clear all along: a participant without CallSeal (§11.3). It
   * cannot decrypt the call, and CallSeal does not play its media.
   */
  'participant-without-callseal',
  /** The page's Content-Security-Policy blocks CallSeal's transform worker. */
  'worker-blocked',
  /** The browser lacks RTCRtpScriptTransform (Chrome/Edge before 141). */
  'unsupported-browser',
  /** CallSeal's private channel to the page could not be set up. */
  'no-bridge',
  /** The extension could not sign the key exchange; it is asked again. */
  'sign-failed',
  /** Keys could not be derived or installed. */
  'keys-failed',
  /** Something unexpected failed in CallSeal; the call carries no media in clear. */
  'internal-error',
] as const;
export type DetailCode = (typeof DETAIL_CODES)[number];

export function isDetailCode(value: unknown): value is DetailCode {
  return typeof value === 'string' && (DETAIL_CODES as readonly string[]).includes(value);
}

/** Codec names a report may carry with `unsupported-codec` (from the frame's mimeType, mapped to this list). */
export const CODEC_NAMES = ['H264', 'AV1', 'H265', 'other'] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

/**
 * The codecs a call's details name (the popup's "codec" line): what the worker saw its frames carry recently, from a
 * fixed list, never the page's words.
 */
export const MEDIA_CODECS = ['opus', 'VP8', 'VP9', 'H264', 'AV1', 'H265', 'other'] as const;
export type MediaCodec = (typeof MEDIA_CODECS)[number];

export function isMediaCodec(value: unknown): value is MediaCodec {
  return typeof value === 'string' && (MEDIA_CODECS as readonly string[]).includes(value);
}

/** SFrame cipher suites (RFC 9605 §4.5) a report may name; CallSeal uses 4, AES_128_GCM_SHA256_128. */
export function isSframeSuite(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= 5;
}

export function isCodecName(value: unknown): value is CodecName {
  return typeof value === 'string' && (CODEC_NAMES as readonly string[]).includes(value);
}

/** Which kind of media a detail is about (with `unsupported-codec` and `media-not-sent`). */
export type MediaKind = 'audio' | 'video';

export function isMediaKind(value: unknown): value is MediaKind {
  return value === 'audio' || value === 'video';
}

/** Details that mean some of the call's media is dropped while the rest may be encrypted: never shown as plain `encrypted`. */
export const MEDIA_DROPPED_DETAILS: readonly DetailCode[] = ['unsupported-codec', 'media-not-sent'];

export function isCallState(value: unknown): value is CallState {
  return typeof value === 'string' && (CALL_STATES as readonly string[]).includes(value);
}

/**
 * Why a frame was dropped (protocol.md §6.3), each counted on its own:
 *   not-ready          settings not known yet, or E2EE on without a session (nothing goes out or in)
 *   held-back          outgoing media while no keys are agreed (or blocked), with no handshake to carry instead
 *   plain-refused      incoming media without CallSeal's trailer, in a call that is not `unencrypted` (a frame that
 *                      ends in the media marker but does not decrypt counts under why: no-key, auth-failed, replay)
 *   unsupported-codec  a codec CallSeal cannot encrypt, either way
 *   malformed          a CallSeal trailer or a codec structure (H264 NAL units, AV1 OBUs) that does not parse
 *   no-key             no key for the frame: an unknown KID, or a local sender without a key
 *   auth-failed        SFrame authentication failed (tampered, or a key that does not match)
 *   replay             a frame whose counter was already seen
 *   internal           anything else (a bug: no frame is passed on because of it)
 */
export const DROP_REASONS = [
  'not-ready',
  'held-back',
  'plain-refused',
  'unsupported-codec',
  'malformed',
  'no-key',
  'auth-failed',
  'replay',
  'internal',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export function isDropReason(value: unknown): value is DropReason {
  return typeof value === 'string' && (DROP_REASONS as readonly string[]).includes(value);
}

/**
 * What the background warns about in the shown frame's call (protocol.md §7.4): in the popup, on the toolbar and as
 * a notification. Until the user confirms the code shown now, the state is not `verified`.
 */
export type WarningCode =
  /** A contact's key changed: the peer claims a contact's name with another key, or the identity changed away from a contact. */
  | 'contact-key-changed'
  /** The other side's identity changed during the call (not a contact). */
  | 'identity-changed'
  /** The call was encrypted and now is not (the peer's media arrives in clear, or the session failed). */
  | 'encryption-lost';

/** The contact a call's peer is (the user compared codes with this identity before). */
export interface ContactSummary {
  /** The user's name for the contact ('' when unnamed). */
  name: string;
  verifiedAt: number;
}

/** Frame counters since the call started on the page. */
export interface FrameCounters {
  encrypted: number;
  decrypted: number;
  /** Media frames dropped: failed authentication, replays, plaintext refused, unsupported codecs (see `drops`). */
  dropped: number;
  /** Frames passed through unaltered (E2EE off, or plaintext fallback). */
  plaintext: number;
  /** `dropped` by reason (only reasons that occurred); their sum is `dropped`. */
  drops?: Partial<Record<DropReason, number>>;
}

export const ZERO_COUNTERS: FrameCounters = { encrypted: 0, decrypted: 0, dropped: 0, plaintext: 0 };

/** A tab's call as shown in the popup. */
export interface TabCallStatus {
  state: CallState;
  /** Twenty digits in four groups of five, when keys were agreed. */
  securityCode?: string;
  /** Short fingerprint of the peer's long-term identity key, when keys were agreed. */
  peerIdentityFingerprint?: string;
  /** Base64 of the peer's raw identity public key (public; echoed back by "Codes match"). */
  peerIdentityPublicKey?: string;
  /** Key epoch within the worker session; a peer's reload or rejoin starts a new one. */
  epoch: number;
  counters: FrameCounters;
  /** Why, when something needs explaining: a code the popup and toolbar turn into the extension's own words. */
  detail?: DetailCode;
  /** With detail `unsupported-codec`: which codec. */
  codec?: CodecName;
  /** With detail `unsupported-codec` or `media-not-sent`: which media is dropped. */
  media?: MediaKind;
  /** The frame whose call this is, and its worker session: echoed back by "Codes match". */
  frameId?: number;
  session?: string;
  /** How many other frames of the tab run calls at the same time (the popup says so). */
  otherCalls?: number;
  /**
   * The page runs its own transform, or took encoded streams, on a sender or receiver CallSeal covers: CallSeal's
   * encryption stays in its place, and the page's own processing of the media does not run (the popup says so).
   */
  appTransform?: boolean;
  /** The peer's claimed display name (protocol.md §4.5), checked by the background. A claim: shown as one. */
  peerName?: string;
  /** The peer's identity is one of the user's contacts. */
  contact?: ContactSummary;
  /** Something the user must be warned about (see WARNING_CODES). */
  warning?: WarningCode;
  /** With `contact-key-changed`: the contact's name the warning is about ('' when that contact is unnamed). */
  warningName?: string;
  /** The SFrame cipher suite of the current keys (RFC 9605 §4.5). */
  suite?: number;
  /** Codecs of the call's recent frames. */
  codecs?: MediaCodec[];
  /** When the current keys were agreed (milliseconds since the epoch, the background's clock). */
  keysChangedAt?: number;
  /** A group call encrypted with sender keys (protocol.md §11.9): every other participant present. */
  participants?: ParticipantStatus[];
  /**
   * With `participants`: the group code everyone in the call reads aloud (§11.7), only once the round of exactly these
   * people is complete; absent before (the popup says it is not ready).
   */
  groupCode?: string;
  /**
   * In an encrypted call: how many participants without CallSeal send media in clear (§11.9), counted from their
   * streams (a lower bound). They cannot decrypt the call, and their media is not played.
   */
  withoutCallSeal?: number;
}

/** One other participant of a group call, as the popup shows it (§11.9). */
export interface ParticipantStatus {
  /**
   * `verified`: encrypted, and its identity is one the user verified. `identity-changed`: it claims a contact's name
   * with another identity key (protocol.md §11.9). `needs-update`: its CallSeal cannot encrypt group calls (§11.3): it
   * can neither decrypt the call nor be decrypted.
   */
  state: 'encrypted' | 'connecting' | 'verified' | 'identity-changed' | 'needs-update';
  securityCode: string;
  peerIdentityPublicKey: string;
  /** Its claimed display name (a claim), checked by the background. */
  peerName?: string;
  contact?: ContactSummary;
  /** It can decrypt what you send now. */
  hearsYou: boolean;
  /** You hold its key and its media decrypted within the last 2 s. */
  youHear: boolean;
  /** While no group code is shown: its part of the current group-code round is missing (§11.7). */
  codePending?: boolean;
}

export const NO_CALL: TabCallStatus = { state: 'off', epoch: 0, counters: ZERO_COUNTERS };

/** The user's and the admin's settings as the page side needs them. Nothing secret. */
export interface PageSettings {
  /** E2EE is on for this page: encrypt outgoing, decrypt incoming, negotiate keys. */
  enabled: boolean;
  /** With E2EE on, a peer shown to lack CallSeal may be called in plaintext. */
  allowPlaintextFallback: boolean;
  /** How long a peer's media must arrive unencrypted, with no hello, before the fallback. */
  fallbackAfterMs: number;
}

export const DEFAULT_FALLBACK_AFTER_MS = 4000;

/** Shape check for settings received from another context (the bridge, the worker). */
export function isPageSettings(value: unknown): value is PageSettings {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.enabled === 'boolean' &&
    typeof v.allowPlaintextFallback === 'boolean' &&
    typeof v.fallbackAfterMs === 'number' &&
    Number.isFinite(v.fallbackAfterMs) &&
    v.fallbackAfterMs >= 0 &&
    v.fallbackAfterMs <= 600_000
  );
}
