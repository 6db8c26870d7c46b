/**
 * A token bucket per page connection for hello signatures. An honest page needs one signature per epoch (its own
 * session start and each reload); a page that asks more often is refused rather than served without limit.
 */
export class SigningBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity = 10,
    private readonly refillPerMinute = 10,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 60_000) * this.refillPerMinute);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
