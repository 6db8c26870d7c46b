/**
 * Time as the transform worker sees it: monotonic milliseconds and timers, injected (like the session's `now`,
 * protocol.md §6) so the worker's tests run on a fake clock instead of patching the globals.
 */
export interface WorkerClock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

type Handle = ReturnType<typeof setTimeout>;

/** The worker's own clock: `performance.now()` and the global timers. */
export const systemClock: WorkerClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as Handle),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as Handle),
};
