/**
 * Key frames on a key switch (protocol.md §6.2, §6.5, §6.7): when a pair becomes current, each of the page's video
 * receivers asks its sender for a key frame, and each of its video senders makes one, so that whichever side confirms
 * last, the first video frame under the new keys decodes on its own — but each at most once per 500 ms, so flapping
 * (or a flood of pairs) cannot make the page storm the peer with requests or its encoders with key frames. One held
 * back by the limit happens as soon as the 500 ms are over (`flush`, called on frames and heartbeats).
 */

export const KEY_FRAME_INTERVAL_MS = 500;

interface Receiver {
  lastAt: number;
  pending: boolean;
}

export class KeyFrameRequests {
  private readonly receivers = new Map<() => void, Receiver>();
  /** Requests held back by the limit: `flush` runs per frame, and costs nothing while there are none. */
  private pending = 0;

  constructor(private readonly now: () => number) {}

  /** Registers a receiver's request (or a sender's key frame) function; returns its unregistration. */
  register(request: () => void): () => void {
    if (typeof request !== 'function') throw new TypeError('request must be a function');
    this.receivers.set(request, { lastAt: Number.NEGATIVE_INFINITY, pending: false });
    return () => void this.receivers.delete(request);
  }

  /** New keys: every receiver asks for a key frame, every sender makes one. */
  requestAll(): void {
    for (const receiver of this.receivers.values()) receiver.pending = true;
    this.pending = this.receivers.size;
    this.flush();
  }

  /** Sends the requests whose turn has come. */
  flush(): void {
    if (this.pending === 0) return;
    const now = this.now();
    let left = 0;
    for (const [request, receiver] of this.receivers) {
      if (!receiver.pending) continue;
      if (now - receiver.lastAt < KEY_FRAME_INTERVAL_MS) {
        left++;
        continue;
      }
      receiver.pending = false;
      receiver.lastAt = now;
      try {
        request();
      } catch {
        // A receiver that cannot ask (its transform is gone) must not stop the others.
      }
    }
    this.pending = left;
  }
}
