/**
 * Group detection's limit (protocol.md §11.9): more than 7 other participants present for 5 s stops encryption, and
 * as long at or under 7 resumes it; a reload's old pid, present for at most 3 s next to its new one, never does.
 */
import { describe, expect, it } from 'vitest';
import { GROUP_LIMIT_SETTLE_MS, GroupSizeLimit, MAX_GROUP_OTHERS, PRESENT_MS } from '../../../src/e2ee/group-presence';

describe('GroupSizeLimit', () => {
  it('trips after 5 s over the limit and clears after 5 s under it', () => {
    const limit = new GroupSizeLimit();
    expect(limit.update(MAX_GROUP_OTHERS, 0)).toBe(false);
    expect(limit.update(MAX_GROUP_OTHERS + 1, 1000)).toBe(false);
    expect(limit.update(MAX_GROUP_OTHERS + 1, 1000 + GROUP_LIMIT_SETTLE_MS - 1)).toBe(false);
    expect(limit.tooLarge).toBe(false);
    expect(limit.update(MAX_GROUP_OTHERS + 1, 1000 + GROUP_LIMIT_SETTLE_MS)).toBe(true);
    expect(limit.tooLarge).toBe(true);
    expect(limit.update(MAX_GROUP_OTHERS, 10_000)).toBe(false);
    expect(limit.update(MAX_GROUP_OTHERS, 10_000 + GROUP_LIMIT_SETTLE_MS)).toBe(true);
    expect(limit.tooLarge).toBe(false);
  });

  it('a reload in a full group of 8 (old and new pid present together for up to 3 s) does not trip it', () => {
    const limit = new GroupSizeLimit();
    for (let t = 0; t < PRESENT_MS; t += 1000) expect(limit.update(MAX_GROUP_OTHERS + 1, t)).toBe(false);
    expect(limit.update(MAX_GROUP_OTHERS, PRESENT_MS)).toBe(false);
    // A second reload later starts counting afresh.
    for (let t = 10_000; t < 10_000 + PRESENT_MS; t += 1000) expect(limit.update(MAX_GROUP_OTHERS + 1, t)).toBe(false);
    expect(limit.tooLarge).toBe(false);
  });
});
