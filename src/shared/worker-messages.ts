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
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, SIGNING_INPUT_LENGTH } from '../e2ee/constants';
import { isSendableExtensions } from '../e2ee/display-name';
import { isPageSettings, type PageSettings } from './call-status';
import type { SessionReport } from './messages';
import { isSessionReport } from './message-checks';

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
  /** The signature and the CONFIRM extensions it covers (the background chose them, protocol.md §4.3). */
  | { kind: 'signed'; requestId: number; signature: Uint8Array; extensions: Uint8Array }
  | { kind: 'sign-refused'; requestId: number; code: string }
  /** The extension went away (updated, disabled or removed): no settings will ever come. */
  | { kind: 'detached' };

/**
 * Bridge → worker, the first message on port B, posted when the hook first says `media-requested` (protocol.md §7.2):
 * where the transform worker's code is (the package's web-accessible `transform-worker.js`, at its dynamic URL). Read
 * by the bootstrap worker only (content/main-world/worker-bootstrap.ts), which loads it with `importScripts`.
 */
export interface WorkerCode {
  kind: 'code';
  url: string;
}

/**
 * The worker global through which the bootstrap hands the loaded code port B and the `rtctransform` events that came
 * before it (src/worker/index.ts defines it). The worker's global is CallSeal's own: no page script runs there.
 */
export const WORKER_START = '__callsealStart';

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

/** What the bridge accepts from the worker on port B. */
export function isWorkerToBridge(value: unknown): value is WorkerToBridge {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'attach':
      return true;
    case 'sign':
      return isIndex(value.requestId) && isBytes(value.input, SIGNING_INPUT_LENGTH);
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
        (value.identityPublicKey === null || isBytes(value.identityPublicKey, ED25519_PUBLIC_KEY_LENGTH))
      );
    case 'signed':
      return (
        isIndex(value.requestId) &&
        isBytes(value.signature, ED25519_SIGNATURE_LENGTH) &&
        isSendableExtensions(value.extensions)
      );
    case 'sign-refused':
      return isIndex(value.requestId) && isShortString(value.code, 64);
    case 'detached':
      return true;
    default:
      return false;
  }
}
