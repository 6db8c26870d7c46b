/**
 * How often the identity key signs for a page (protocol.md §6.5, §7.4). An honest worker needs one signature per
 * pair it confirms; a page that makes its worker ask more often is refused rather than served without limit.
 *
 * The budget belongs to the tab and the frame's origin, not to a connection: a page that reconnects its bridge, or
 * reloads, or opens more frames of the same origin in the tab, gets no fresh budget. A token bucket: 12 at once,
 * then 12 a minute.
 */
const SIGNING_BURST = 12;
const SIGNING_PER_MINUTE = 12;

export class SigningBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity = SIGNING_BURST,
    private readonly refillPerMinute = SIGNING_PER_MINUTE,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when the bucket has refilled completely (nothing would be lost by forgetting it). */
  isFull(): boolean {
    this.refill();
    return this.tokens >= this.capacity;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (Math.max(0, t - this.last) / 60_000) * this.refillPerMinute);
    this.last = t;
  }
}

/** Past this many buckets, full ones are forgotten (they hold no information). */
const PRUNE_ABOVE = 256;

/** One budget per (tab, origin), surviving reconnections; forgotten with the tab. */
export class SigningBudgets {
  private readonly buckets = new Map<string, { tabId: number; budget: SigningBudget }>();

  constructor(private readonly now: () => number = Date.now) {}

  take(tabId: number, origin: string): boolean {
    const key = `${tabId} ${origin}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= PRUNE_ABOVE) this.pruneFull();
      bucket = { tabId, budget: new SigningBudget(SIGNING_BURST, SIGNING_PER_MINUTE, this.now) };
      this.buckets.set(key, bucket);
    }
    return bucket.budget.take();
  }

  forgetTab(tabId: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.tabId === tabId) this.buckets.delete(key);
  }

  private pruneFull(): void {
    for (const [key, bucket] of this.buckets) if (bucket.budget.isFull()) this.buckets.delete(key);
  }
}
