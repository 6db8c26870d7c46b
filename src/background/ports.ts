/**
 * The part of a runtime port the background's channels use (bridge-channel.ts, popup-channel.ts, options-channel.ts),
 * so their unit tests can hand them fakes, and the one way they post on it.
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

/** Posts on a port that may have closed meanwhile: its own onDisconnect then cleans up, so nothing is thrown. */
export function postQuietly(port: PortLike, message: unknown): void {
  try {
    port.postMessage(message);
  } catch {
    // The other end went away meanwhile.
  }
}
