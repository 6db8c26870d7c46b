/**
 * The protocol between the MAIN-world hook and the transform worker (structured clone: bytes stay Uint8Array).
 * The hook relays `sign-hello` and `session` to the background (see messages.ts) and brings back settings and
 * signatures. Transforms themselves are announced by `rtctransform` events carrying `TransformOptions`.
 */
import type { PageSettings } from './call-status';
import type { SessionReport } from './messages';

export type MainToWorker =
  | { kind: 'settings'; settings: PageSettings; identityPublicKey: Uint8Array }
  | { kind: 'hello-signed'; requestId: number; signature: Uint8Array }
  | { kind: 'hello-refused'; requestId: number; code: string; message: string };

export type WorkerToMain =
  | { kind: 'sign-hello'; requestId: number; body: Uint8Array }
  | { kind: 'session'; report: SessionReport };

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
