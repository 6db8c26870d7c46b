/**
 * The transform worker: started by the MAIN-world hook from a blob: URL, it receives every encoded frame of the
 * page's calls (`rtctransform` events) and runs them through the CallController. No secret ever leaves it: the
 * ephemeral keys, the shared secret and all SFrame keys live here only.
 *
 * Its first message carries port B, its private channel to the isolated-world bridge (protocol.md §7.2): settings,
 * signatures and reports travel there, checked on arrival, and never through the page. Everything else posted to
 * the worker itself is ignored. Until the port and then the settings have come, no frame goes out or in.
 *
 * A frame that fails (bad tag, replay, malformed) is dropped and counted; a stream never errors, because an errored
 * stream would stop the media for good.
 */
import { isBridgeToWorker, isTransformOptions, type WorkerToBridge } from '../shared/worker-messages';
import { CallController, type EncodedFrame } from './call-controller';

declare const self: DedicatedWorkerGlobalScope;

// The hook reads an `error` event at the Worker object as "this worker could not run" (the page's CSP): errors at
// run time are not that, so they stay here.
self.addEventListener('error', (event) => event.preventDefault());

let port: MessagePort | undefined;
const post = (message: WorkerToBridge): void => port?.postMessage(message);
const controller = new CallController(post);

const onFirstMessage = (event: MessageEvent): void => {
  self.removeEventListener('message', onFirstMessage);
  const [first] = event.ports;
  if (event.ports.length !== 1 || !first) return; // not the hook's: this worker never gets a bridge
  port = first;
  port.onmessage = (message: MessageEvent) => {
    if (isBridgeToWorker(message.data)) controller.handleBridgeMessage(message.data);
  };
  post({ kind: 'attach' });
};
self.addEventListener('message', onFirstMessage);

self.onrtctransform = (event: RTCTransformEvent) => {
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
        // Without the bridge there are no settings, ever: nothing goes out or in.
        result = port ? await handle(frame) : controller.frameFailed();
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
};
