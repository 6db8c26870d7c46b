/**
 * Time as the background sees it: wall-clock milliseconds and timers, injected (index.ts passes the real ones) so
 * the router's and the policy's rules — report expiry (protocol.md §7.4), signing budgets, policy grace periods and
 * refreshes — run on a fake clock in the unit tests.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
