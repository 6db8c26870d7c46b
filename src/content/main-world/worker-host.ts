/**
 * The transform worker as the hook sees it, and the decisions that depend on it (protocol.md §7.2, §7.3).
 *
 * The worker comes from a `blob:` URL (a worker in the page must come from the page's origin) of a small bootstrap
 * (worker-bootstrap.ts), not of the worker's whole code: the code is a file in the package that the bootstrap loads
 * once the bridge tells it where (protocol.md §7.2). Both start lazily, on the page's first getUserMedia,
 * getDisplayMedia or RTCPeerConnection, made with the Blob and createObjectURL captured at document_start: on a page
 * without a call, making that URL was two thirds of the hook's cost at page start (about 6 ms of 9 here, most of it
 * in createObjectURL; docs/benchmarks.md). The worker gets port B as its first message; from then on it talks to the
 * bridge, never to the hook.
 *
 * Where transforms go:
 * - the worker runs and the bridge took the handover → the worker (it decides what each frame becomes);
 * - the worker cannot run (the page's CSP blocks blob: workers, or its code did not load) or the handover failed → under fail-closed (policy
 *   requires E2EE, or the settings are not known yet) still the worker: a transform on a worker that never runs, or
 *   on one that never gets its port, carries no media at all; under fail-open, none (the call goes on in clear and
 *   the background shows why);
 * - the browser has no RTCRtpScriptTransform (before Chrome 141) → none; under fail-closed, new peer connections
 *   are refused.
 */
import type { HookSignal } from '../../shared/worker-messages';
import type { BridgeLink } from './bridge-link';
import {
  intrinsics as I,
  rtc,
  sequence,
  trustedTypes,
  type TrustedScriptURL,
  type TrustedTypePolicy,
  type TrustedTypePolicyOptions,
} from './intrinsics';
import { WORKER_BOOTSTRAP } from './worker-bootstrap';

export interface TransformHost {
  /** The worker new transforms go to, started on first use; undefined: attach none. */
  transformWorker(): Worker | undefined;
  /** The page asked for the camera, microphone or screen, or made a peer connection. */
  mediaRequested(): void;
  /** Must `new RTCPeerConnection` be refused (no transform can be attached, and the page must fail closed)? */
  refusePeerConnections(): boolean;
  signalOnce(signal: HookSignal): void;
}

export function createTransformHost(link: BridgeLink): TransformHost {
  const supported = rtc?.RTCRtpScriptTransform !== undefined;
  /** The bootstrap's `blob:` URL, made on first use; undefined if it could not be made. */
  const bootstrapUrl = (): string | undefined => {
    try {
      const blob = new I.Blob(sequence([WORKER_BOOTSTRAP]) as unknown as BlobPart[], { __proto__: null, type: 'text/javascript' } as BlobPropertyBag);
      return I.createObjectURL(blob);
    } catch {
      return undefined;
    }
  };

  let worker: Worker | undefined;
  /** The worker cannot run here: its constructor threw, or it failed to load (CSP). */
  let blocked = false;
  /** Signals already sent (each at most once); a null-prototype record. */
  const sent = { __proto__: null } as unknown as Record<HookSignal, boolean | undefined>;
  const signalOnce = (signal: HookSignal): void => {
    if (sent[signal] === true) return;
    sent[signal] = true;
    link.signal(signal);
  };

  const onWorkerError = (): void => {
    // The worker cancels its own runtime errors once its code runs (worker/index.ts), so an error here means it never
    // ran: the page's CSP refused the blob: worker, or the bootstrap could not load the code.
    blocked = true;
    signalOnce('worker-blocked');
  };

  /**
   * The worker's URL as the Worker constructor must get it (protocol.md §7.3). Where Trusted Types exist, a
   * TrustedScriptURL from CallSeal's own policy (made on first use, so pages without calls see none), which vouches
   * for this one blob: URL and nothing else: a page that enforces Trusted Types refuses a plain string, and one with a
   * `default` policy would be asked about it — page code choosing the script that gets port B. Without a policy of
   * our own (the page's CSP allows only policy names it lists), a plain string only while the page has no default
   * policy: then it either works (Trusted Types not enforced) or throws (worker-blocked, an honest state).
   */
  let policy: TrustedTypePolicy | null | undefined;
  const workerUrl = (blobUrl: string): TrustedScriptURL | string | undefined => {
    const tt = trustedTypes;
    if (tt === undefined) return blobUrl;
    if (policy === undefined) {
      try {
        const vouch = (input: string): string => {
          if (input !== blobUrl) throw new I.DOMException('not CallSeal\'s worker', 'NotAllowedError');
          return input;
        };
        policy = tt.createPolicy(tt.factory, 'callseal', { __proto__: null, createScriptURL: vouch } as TrustedTypePolicyOptions);
      } catch {
        policy = null;
      }
    }
    if (policy !== null) return tt.createScriptURL(policy, blobUrl);
    return tt.defaultPolicy(tt.factory) === null ? blobUrl : undefined;
  };

  const start = (): Worker | undefined => {
    if (worker || blocked || !supported) return worker;
    try {
      const url = bootstrapUrl();
      const scriptUrl = url === undefined ? undefined : workerUrl(url);
      if (scriptUrl === undefined) throw new I.DOMException('no worker URL', 'NotSupportedError');
      worker = new I.Worker(scriptUrl as string, { __proto__: null, name: 'CallSeal transform worker' } as WorkerOptions);
    } catch {
      blocked = true;
      signalOnce('worker-blocked');
      return undefined;
    }
    I.addEventListener(worker, 'error', onWorkerError);
    // Port B is the worker's first message. Without a handover it gets none, never loads its code, and no frame
    // passes.
    const port = link.workerPort;
    if (port) I.workerPostMessage(worker, null, sequence([port]));
    return worker;
  };

  if (rtc && !supported) signalOnce('unsupported-browser');

  return {
    transformWorker() {
      if (!supported) return undefined;
      if (!blocked && link.handedOver) return start();
      // The transform cannot run: transforms that carry no media, or none.
      return link.failClosed() ? start() : undefined;
    },
    mediaRequested() {
      signalOnce('media-requested');
      start();
    },
    refusePeerConnections() {
      return link.failClosed() && (!supported || (blocked && worker === undefined));
    },
    signalOnce,
  };
}
