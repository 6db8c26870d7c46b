/**
 * CallSeal's MAIN-world hook, built as one self-contained IIFE and run by Chromium at document_start in every
 * frame, before the page's first script. It captures the built-ins it needs (intrinsics.ts), opens a private
 * channel to the isolated-world bridge (bridge-link.ts), and hooks RTCPeerConnection (peer-connection-hook.ts) so
 * that every sender and receiver is given an encoded-frame transform running in the transform worker.
 *
 * It must never break the page: any failure here leaves WebRTC as the browser made it.
 */
import { openBridgeLink } from './main-world/bridge-link';
import { warmUpOnMediaRequests } from './main-world/media-warmup';
import { installPeerConnectionHook } from './main-world/peer-connection-hook';
import { createWorkerHost, type WorkerHost } from './main-world/worker-host';

try {
  const hostRef: { current?: WorkerHost } = {};
  const link = openBridgeLink((message) => hostRef.current?.fromBackground(message));
  const host = createWorkerHost(link);
  hostRef.current = host;
  installPeerConnectionHook(() => host.worker());
  warmUpOnMediaRequests(() => host.warmUp());
} catch (error) {
  // Reported to the page's console only; the page keeps the browser's own WebRTC.
  console.error('CallSeal could not start on this page:', error instanceof Error ? error.message : error);
}
