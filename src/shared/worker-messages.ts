/**
 * The page side's private channels (protocol.md §7.2), both made by the MAIN-world hook at document_start and handed
 * to the isolated-world bridge before any page script runs:
 *
 *   port B: transform worker ↔ bridge (structured clone: bytes stay Uint8Array). The hook transfers the worker's end
 *           to the worker as its first message and never reads it. Signing requests, signatures, the identity key,
 *           settings and reports travel only here.
 *   port A: MAIN-world hook ↔ bridge, primitives only (a string each way), so nothing the page can replace
 *           (prototypes, getters) is touched to read them.
 *
 * Transforms themselves are announced to the worker by `rtctransform` events carrying `TransformOptions`.
 */
import { isCallState, isCodecName, isDetailCode, type PageSettings } from './call-status';
import type { SessionReport } from './messages';

/** Worker → bridge. */
export type WorkerToBridge =
  /** The worker started: the bridge connects to the background and fetches the settings. */
  | { kind: 'attach' }
  /** Sign `th || pid` (exactly 40 bytes; protocol.md §4.3). */
  | { kind: 'sign'; requestId: number; input: Uint8Array }
  | { kind: 'report'; report: SessionReport };

/** Bridge → worker. */
export type BridgeToWorker =
  /** `identityPublicKey` (raw, 32 bytes) is null while E2EE is off. */
  | { kind: 'settings'; settings: PageSettings; identityPublicKey: Uint8Array | null }
  | { kind: 'signed'; requestId: number; signature: Uint8Array }
  | { kind: 'sign-refused'; requestId: number; code: string }
  /** The extension went away (updated, disabled or removed): no settings will ever come. */
  | { kind: 'detached' };

/** Hook → bridge on port A. */
export type HookSignal =
  /** The page asked for the camera, microphone or screen, or made a peer connection: fetch the settings now. */
  | 'media-requested'
  /** The page's CSP (or anything else) keeps the transform worker from running. */
  | 'worker-blocked'
  /** The browser has no RTCRtpScriptTransform. */
  | 'unsupported-browser'
  /** The app assigned its own transform (or null) to a sender or receiver CallSeal covers. */
  | 'app-transform';

/** Bridge → hook on port A: must a page where the transform cannot run carry no media? */
export type BridgeSignal = 'fail-closed' | 'fail-open';

/** `options` of each `RTCRtpScriptTransform` the hook creates. */
export interface TransformOptions {
  callseal: 1;
  side: 'send' | 'receive';
  /** `audio` or `video`, from the transceiver's receiver track. */
  media: 'audio' | 'video';
  /** Page-unique number of the transceiver end, for diagnostics. */
  id: number;
}

export function isTransformOptions(value: unknown): value is TransformOptions {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.callseal === 1 &&
    (v.side === 'send' || v.side === 'receive') &&
    (v.media === 'audio' || v.media === 'video') &&
    Number.isSafeInteger(v.id)
  );
}

// ---- Shape checks: every side validates what it receives (protocol.md §7.4). ----

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isIndex = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isBytes = (value: unknown, length: number): value is Uint8Array => value instanceof Uint8Array && value.length === length;
const isShortString = (value: unknown, max: number): value is string => typeof value === 'string' && value.length <= max;

/** Bytes signed for the handshake: `th || pid` (protocol.md §4.3). */
export const SIGN_INPUT_LENGTH = 40;
export const SIGNATURE_LENGTH = 64;
export const IDENTITY_KEY_LENGTH = 32;

export function isPageSettings(value: unknown): value is PageSettings {
  return (
    isRecord(value) &&
    typeof value.enabled === 'boolean' &&
    typeof value.allowPlaintextFallback === 'boolean' &&
    typeof value.fallbackAfterMs === 'number' &&
    Number.isFinite(value.fallbackAfterMs) &&
    value.fallbackAfterMs >= 0 &&
    value.fallbackAfterMs <= 600_000
  );
}

function isCounters(value: unknown): value is SessionReport['counters'] {
  return isRecord(value) && isIndex(value.encrypted) && isIndex(value.decrypted) && isIndex(value.dropped) && isIndex(value.plaintext);
}

const SESSION_ID = /^[0-9a-f]{32}$/;
const SECURITY_CODE = /^\d{5} \d{5} \d{5} \d{5}$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;

/** A worker's session report as the contract has it (the background checks what it claims). */
export function isSessionReport(value: unknown): value is SessionReport {
  return (
    isRecord(value) &&
    typeof value.session === 'string' &&
    SESSION_ID.test(value.session) &&
    isIndex(value.seq) &&
    isCallState(value.state) &&
    value.state !== 'verified' &&
    isIndex(value.epoch) &&
    isCounters(value.counters) &&
    (value.securityCode === undefined || (typeof value.securityCode === 'string' && SECURITY_CODE.test(value.securityCode))) &&
    (value.peerIdentityPublicKey === undefined ||
      (typeof value.peerIdentityPublicKey === 'string' && BASE64_KEY.test(value.peerIdentityPublicKey))) &&
    (value.detail === undefined || isDetailCode(value.detail)) &&
    (value.codec === undefined || isCodecName(value.codec))
  );
}

/** A copy of a checked report with exactly the contract's fields (nothing else travels on). */
export function copySessionReport(report: SessionReport): SessionReport {
  const { encrypted, decrypted, dropped, plaintext } = report.counters;
  const copy: SessionReport = {
    session: report.session,
    seq: report.seq,
    state: report.state,
    epoch: report.epoch,
    counters: { encrypted, decrypted, dropped, plaintext },
  };
  if (report.securityCode !== undefined) copy.securityCode = report.securityCode;
  if (report.peerIdentityPublicKey !== undefined) copy.peerIdentityPublicKey = report.peerIdentityPublicKey;
  if (report.detail !== undefined) copy.detail = report.detail;
  if (report.codec !== undefined) copy.codec = report.codec;
  return copy;
}

/** What the bridge accepts from the worker on port B. */
export function isWorkerToBridge(value: unknown): value is WorkerToBridge {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'attach':
      return true;
    case 'sign':
      return isIndex(value.requestId) && isBytes(value.input, SIGN_INPUT_LENGTH);
    case 'report':
      return isSessionReport(value.report);
    default:
      return false;
  }
}

/** What the worker accepts from the bridge on port B. */
export function isBridgeToWorker(value: unknown): value is BridgeToWorker {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'settings':
      return (
        isPageSettings(value.settings) &&
        (value.identityPublicKey === null || isBytes(value.identityPublicKey, IDENTITY_KEY_LENGTH))
      );
    case 'signed':
      return isIndex(value.requestId) && isBytes(value.signature, SIGNATURE_LENGTH);
    case 'sign-refused':
      return isIndex(value.requestId) && isShortString(value.code, 64);
    case 'detached':
      return true;
    default:
      return false;
  }
}
