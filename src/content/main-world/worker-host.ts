/**
 * Starts the transform worker on the page's first peer connection and relays between it and the bridge.
 *
 * The worker must come from a `blob:` URL of the page's own origin; its source is bundled into this script at
 * build time (vite-plugin-transform-worker). Everything is created with built-ins captured at document_start.
 * A page whose Content-Security-Policy forbids blob: workers makes the worker fail asynchronously: that is
 * reported to the background, which shows the call as not encrypted (see peer-connection-hook for the media).
 */
import workerSource from 'callseal:transform-worker-source';
import { bytesToBase64, base64ToBytes } from '../../shared/base64';
import type { BackgroundToPage } from '../../shared/messages';
import type { MainToWorker, WorkerToMain } from '../../shared/worker-messages';
import type { BridgeLink } from './bridge-link';
import { intrinsics } from './intrinsics';

export interface WorkerHost {
  /** The worker, started on first use; undefined if it cannot run here (then no transforms are attached). */
  worker(): Worker | undefined;
  /**
   * Starts the worker ahead of the first peer connection (on getUserMedia), so that a worker the page's CSP
   * blocks is known to have failed before any transform would be attached to it: a transform on a dead worker
   * would stop the media for good, while no transform leaves the call working, unencrypted, with the reason shown.
   */
  warmUp(): void;
  fromBackground(message: BackgroundToPage): void;
}

export function createWorkerHost(link: BridgeLink): WorkerHost {
  let worker: Worker | undefined;
  let failed = false;
  /** Where policy requires E2EE, a failed worker still gets the transforms: they then carry no media at all. */
  let requireEncryption = false;

  const post = (message: MainToWorker): void => {
    if (worker) intrinsics.workerPostMessage(worker, message);
  };

  const onWorkerMessage = (event: Event): void => {
    const message = intrinsics.messageEventData(event as MessageEvent) as WorkerToMain;
    switch (message.kind) {
      case 'sign-hello':
        link.send({ kind: 'sign-hello', requestId: message.requestId, body: bytesToBase64(message.body) });
        return;
      case 'session':
        link.send({ kind: 'session', report: message.report });
        return;
    }
  };

  const start = (): Worker | undefined => {
    if (failed) return requireEncryption ? worker : undefined;
    if (worker) return worker;
    try {
      const url = intrinsics.createObjectURL(new intrinsics.Blob([workerSource], { type: 'text/javascript' }));
      worker = new intrinsics.Worker(url, { name: 'CallSeal transform worker' });
    } catch (error) {
      failed = true;
      link.send({ kind: 'page-error', code: 'worker-blocked', message: String(error).slice(0, 300) });
      return undefined;
    }
    intrinsics.addEventListener(worker, 'message', onWorkerMessage);
    intrinsics.addEventListener(worker, 'error', () => {
      failed = true;
      link.send({
        kind: 'page-error',
        code: 'worker-blocked',
        message: 'This site does not allow CallSeal to run its encryption worker (Content-Security-Policy).',
      });
    });
    link.send({ kind: 'attach' });
    return worker;
  };

  return {
    worker: start,
    warmUp: () => void start(),
    fromBackground(message) {
      switch (message.kind) {
        case 'settings': {
          requireEncryption = message.settings.enabled && !message.settings.allowPlaintextFallback;
          const identityPublicKey = base64ToBytes(message.identityPublicKey);
          if (identityPublicKey) post({ kind: 'settings', settings: message.settings, identityPublicKey });
          return;
        }
        case 'hello-signed': {
          const signature = base64ToBytes(message.signature);
          if (signature) post({ kind: 'hello-signed', requestId: message.requestId, signature });
          return;
        }
        case 'hello-refused':
          post(message);
          return;
      }
    },
  };
}
