/**
 * Public surface of the SFrame core (RFC 9605): pure TypeScript over Uint8Array and WebCrypto, usable in
 * a dedicated Worker, a page, or Node 20. No chrome.*, window or DOM.
 */
export type { SFrameErrorCode } from './errors';
export { SFrameError, isSFrameError } from './errors';
export { MAX_UINT64 } from './bytes';
export type { SFrameHeader } from './header';
export { MAX_HEADER_LENGTH, decodeHeader, encodeHeader } from './header';
export type { AeadKind, CipherSuite, CipherSuiteId, HashName } from './suites';
export { CIPHER_SUITES, cipherSuite, isCipherSuiteId } from './suites';
export { MIN_BASE_KEY_LENGTH } from './key-derivation';
export type { DecryptedFrame } from './frame';
export { SFrameKeys, deriveSFrameKeys, maxCounter, sframeDecrypt, sframeEncrypt } from './frame';
export { DEFAULT_REPLAY_WINDOW, MAX_REPLAY_WINDOW, ReplayWindow } from './replay-window';
export type { SFrameReceiverOptions, SFrameSenderOptions } from './context';
export { SFrameReceiver, SFrameSender } from './context';
export type { FastHeader } from './hot-path';
export { FrameOpener, FrameSealer, MAX_FAST_COUNTER, fastHeaderLength, readFastHeader, writeFastHeader } from './hot-path';
export { NumberReplayWindow } from './replay-window';
