/**
 * The transform worker: the package's `transform-worker.js`, loaded with `importScripts` by the bootstrap worker the
 * MAIN-world hook starts from a blob: URL (content/main-world/worker-bootstrap.ts, protocol.md §7.2). It receives
 * every encoded frame of the page's calls (`rtctransform` events, with those that came before it was loaded) and
 * runs them through the CallController. No secret ever leaves it: the ephemeral keys, the shared secret and all
 * SFrame keys live here only.
 *
 * The bootstrap hands it port B, its private channel to the isolated-world bridge: settings, signatures and reports
 * travel there, checked on arrival, and never through the page. Everything posted to the worker itself is ignored.
 * Until the settings have come, no frame goes out or in.
 *
 * A frame that fails (bad tag, replay, malformed) is dropped and counted; a stream never errors, because an errored
 * stream would stop the media for good.
 */
import { isBridgeToWorker, isTransformOptions, WORKER_START, type WorkerToBridge } from '../shared/worker-messages';
import { CallController, type EncodedFrame } from './call-controller';

declare const self: DedicatedWorkerGlobalScope & Record<string, unknown>;

let port: MessagePort | undefined;
const post = (message: WorkerToBridge): void => port?.postMessage(message);
const controller = new CallController(post);

/** Called once by the bootstrap, right after `importScripts`: port B, and the transforms announced so far. */
function start(bridgePort: MessagePort, pending: RTCTransformEvent[]): void {
  if (port) return;
  port = bridgePort;
  port.onmessage = (message: MessageEvent) => {
    if (isBridgeToWorker(message.data)) controller.handleBridgeMessage(message.data);
  };
  post({ kind: 'attach' });
  self.onrtctransform = onTransform;
  for (const event of pending) onTransform(event);
  pending.length = 0;
  // The hook reads an `error` event at the Worker object as "this worker could not run" (the page's CSP, or this
  // code not loading): errors at run time are not that, so from here on they stay here.
  self.addEventListener('error', (event) => event.preventDefault());
}
self[WORKER_START] = start;

function onTransform(event: RTCTransformEvent): void {
  const transformer = event.transformer;
  const options: unknown = transformer.options;
  if (!isTransformOptions(options)) {
    // Not a transform of the hook's; its frames go nowhere.
    return;
  }
  controller.noteTransform();
  let handle: (frame: EncodedFrame) => Promise<EncodedFrame | null>;
  let unregister = (): void => undefined;
  if (options.side === 'send') {
    const slot = controller.senderSlot(); // an index is taken on the first frame (§5.3)
    handle = (frame) => controller.outgoing(frame, slot.take());
    if (options.media === 'video' && typeof transformer.generateKeyFrame === 'function') {
      // On a key switch the first frame under the new keys is a key frame, whoever confirmed last (§6.7); in a
      // group, also when a sender key changes or a member asks for one (§11).
      const makeKeyFrame = (): void => void transformer.generateKeyFrame().catch(() => undefined);
      const offKeyFrame = controller.onKeyFrameNeeded(makeKeyFrame);
      const offEncoderKeyFrame = controller.onEncoderKeyFrameNeeded(makeKeyFrame);
      unregister = () => {
        offKeyFrame();
        offEncoderKeyFrame();
      };
    }
  } else {
    if (options.media === 'video') {
      const requestKeyFrame = (): void => void transformer.sendKeyFrameRequest().catch(() => undefined);
      unregister = controller.onKeyFrameNeeded(requestKeyFrame);
    }
    handle = (frame) => controller.incoming(frame);
  }
  const stream = new TransformStream<EncodedFrame, EncodedFrame>({
    async transform(frame, out) {
      let result: EncodedFrame | null;
      try {
        result = await handle(frame);
      } catch (error) {
        result = controller.frameFailed(error);
      }
      if (result) out.enqueue(result);
    },
  });
  void transformer.readable
    .pipeThrough(stream)
    .pipeTo(transformer.writable)
    .catch(() => undefined)
    .finally(unregister);
}
