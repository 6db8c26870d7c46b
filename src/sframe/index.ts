/**
 * Public surface of the SFrame core (RFC 9605) for the transform worker: pure TypeScript over Uint8Array and
 * WebCrypto, usable in a dedicated Worker, a page, or Node 20. No chrome.*, window or DOM. The per-frame hot path
 * (hot-path.ts) is what the worker uses; the RFC's own per-frame functions over bigints are the tests' reference
 * (tests/unit/sframe/support/reference/), checked against the same vectors.
 */
export { SFrameError, isSFrameError } from './errors';
export { deriveSFrameKeys } from './keys';
export { decodeHeader } from './header';
export type { FastHeader } from './hot-path';
export { FrameOpener, FrameSealer, readFastHeader } from './hot-path';
