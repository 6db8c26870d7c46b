/**
 * The part of a runtime port the background's channels use (router.ts, options-channel.ts), so their unit tests can
 * hand them fakes.
 */
import type { SenderLike } from './sender-check';

/** The part of a runtime port the router uses (webextension-polyfill's `Runtime.Port` fits). */
export interface PortLike {
  readonly name: string;
  readonly sender?: SenderLike | undefined;
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(callback: (message: unknown) => void): void };
  onDisconnect: { addListener(callback: () => void): void };
}
