/**
 * A manual clock with timers, for code that takes its clock as a dependency: the background's router
 * (src/background/clock.ts `Clock`) and the transform worker's controller (src/worker/clock.ts `WorkerClock`).
 * Time moves only when a test calls `advance`, which runs every timer due meanwhile, in time order, as a browser
 * would (an interval as often as it falls due). Promise jobs (WebCrypto) stay real.
 */
import type { WorkerClock } from '../../../src/worker/clock';

interface Timer {
  at: number;
  /** Set for an interval: its period. */
  every?: number;
  callback: () => void;
}

export class FakeClock implements WorkerClock {
  private readonly timers = new Map<number, Timer>();
  private nextId = 1;

  constructor(public time = 1_000_000) {}

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): number {
    return this.add({ at: this.time + Math.max(0, ms), callback });
  }

  setInterval(callback: () => void, ms: number): number {
    const every = Math.max(1, ms);
    return this.add({ at: this.time + every, every, callback });
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time on, firing due timers in order (and timers they set, if those fall due too). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: [number, Timer] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      const [id, timer] = due;
      this.time = Math.max(this.time, timer.at);
      if (timer.every === undefined) this.timers.delete(id);
      else timer.at += timer.every;
      timer.callback();
    }
    this.time = end;
  }

  private add(timer: Timer): number {
    const id = this.nextId++;
    this.timers.set(id, timer);
    return id;
  }
}
