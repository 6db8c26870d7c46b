/** Key frames on a key switch (protocol.md §6.5, §6.7): every receiver asks, every sender makes one, each rate-limited. */
import { describe, expect, it } from 'vitest';
import { KEY_FRAME_INTERVAL_MS, KeyFrameRequests } from '../../../src/worker/key-frames';

describe('KeyFrameRequests', () => {
  it('calls every registered receiver and sender once per key switch, at most once per 500 ms each', () => {
    let now = 0;
    const frames = new KeyFrameRequests(() => now);
    const calls: string[] = [];
    frames.register(() => calls.push('receiver'));
    frames.register(() => calls.push('sender'));
    frames.requestAll();
    expect(calls).toEqual(['receiver', 'sender']);
    // A second switch within 500 ms is held back, then happens once the 500 ms are over.
    now += KEY_FRAME_INTERVAL_MS / 2;
    frames.requestAll();
    frames.requestAll();
    expect(calls).toHaveLength(2);
    now += KEY_FRAME_INTERVAL_MS / 2;
    frames.flush();
    expect(calls).toEqual(['receiver', 'sender', 'receiver', 'sender']);
    frames.flush();
    expect(calls).toHaveLength(4);
  });

  it('goes on when one of them throws, and forgets one that unregistered', () => {
    const frames = new KeyFrameRequests(() => 0);
    const calls: string[] = [];
    frames.register(() => {
      throw new Error('its transform is gone');
    });
    const unregister = frames.register(() => calls.push('gone'));
    frames.register(() => calls.push('sender'));
    unregister();
    frames.requestAll();
    expect(calls).toEqual(['sender']);
    expect(() => frames.register(undefined as unknown as () => void)).toThrow(TypeError);
  });
});
