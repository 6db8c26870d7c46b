/**
 * The transform worker: started by the MAIN-world hook from a blob: URL, it receives every encoded frame of the
 * page's calls (`rtctransform` events) and runs them through the CallController. No secret ever leaves it: the
 * ephemeral keys, the shared secret and all SFrame keys live here only.
 *
 * A frame that fails (bad tag, replay, malformed) is dropped and counted; a stream never errors, because an errored
 * stream would stop the media for good.
 */
import { isTransformOptions, type MainToWorker, type WorkerToMain } from '../shared/worker-messages';
import { CallController, type EncodedFrame } from './call-controller';

declare const self: DedicatedWorkerGlobalScope;

const post = (message: WorkerToMain): void => self.postMessage(message);
const controller = new CallController(post);

self.onmessage = (event: MessageEvent<MainToWorker>) => {
  const message = event.data;
  switch (message.kind) {
    case 'settings':
      controller.applySettings(message.settings, message.identityPublicKey);
      return;
    case 'hello-signed':
    case 'hello-refused':
      controller.helloSigner.settle(message);
      return;
  }
};

self.onrtctransform = (event: RTCTransformEvent) => {
  const transformer = event.transformer;
  const options: unknown = transformer.options;
  if (!isTransformOptions(options)) {
    void transformer.readable.pipeTo(transformer.writable);
    return;
  }
  controller.noteTransform();
  let handle: (frame: EncodedFrame) => Promise<EncodedFrame | null>;
  let unregister = (): void => undefined;
  if (options.side === 'send') {
    const senderIndex = controller.allocateSenderIndex();
    handle = (frame) => controller.outgoing(frame, senderIndex);
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
      } catch {
        result = controller.frameFailed();
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

