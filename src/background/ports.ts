/**
 * The part of a runtime port the background's channels use (bridge-channel.ts, popup-channel.ts, options-channel.ts),
 * so their unit tests can hand them fakes, the one way they post on it, and the one way they queue its messages.
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

/**
 * A port's messages, handled one after the other in the order they came. One whose handling fails goes to `failed`
 * (a warning, and an answer where the other end waits for one) and the next is still handled: a storage error once
 * must not leave the port deaf for the rest of its life.
 */
export function serialQueue(
  track: (promise: Promise<unknown>) => void,
  failed: (error: unknown) => void,
): (handle: () => Promise<void>) => void {
  let queue: Promise<void> = Promise.resolve();
  return (handle) => {
    queue = queue.then(handle).catch(failed);
    track(queue);
  };
}
