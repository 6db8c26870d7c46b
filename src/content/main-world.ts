/**
 * CallSeal's MAIN-world hook, built as one self-contained IIFE and run by Chromium at document_start in every
 * frame, before the page's first script. It does wiring only (protocol.md §7.1): it captures the built-ins it needs
 * (intrinsics.ts), hands the isolated-world bridge its private ports in one offer (bridge-link.ts), and hooks the
 * page's realm and every realm the page opens (realm-hook.ts) so that every sender and receiver gets an
 * encoded-frame transform running in the transform worker (worker-host.ts). Keys, signatures, settings and
 * reports never pass through here: the worker and the bridge talk directly.
 *
 * It must never break the page; where it cannot set up encryption, the page fails closed or open as the bridge says.
 */
import { openBridgeLink } from './main-world/bridge-link';
import { createRealmHook } from './main-world/realm-hook';
import { createTransformHost } from './main-world/worker-host';

import { intrinsics as I } from './main-world/intrinsics';

try {
  const link = openBridgeLink();
  createRealmHook(createTransformHost(link)).installInto(I.window);
} catch (error) {
  // At document_start, before any page script: the page's console and `Error` are still the browser's.
  // eslint-disable-next-line no-restricted-globals
  console.error('CallSeal could not start on this page:', error instanceof Error ? error.message : error);
}
