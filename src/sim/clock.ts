import { onNextMacrotask, yieldToEventLoop } from '../core/yield.js';

/**
 * Time for simulators. In realtime mode waits are real (benchmarks, `anyflash sim`); otherwise
 * they only yield to the event loop so tests run at full speed with the same ordering.
 */
export class SimClock {
  constructor(public realtime: boolean) {}

  /** Realtime waits not yet over, so that `hurry` can end them. */
  private waits = new Set<{ timer: ReturnType<typeof setTimeout>; wake: () => void }>();
  /** Counts waits begun: unchanged across event-loop turns means the simulator has nothing left to do. */
  activity = 0;

  now(): number {
    return performance.now();
  }

  /** Resolves at absolute time `at` (ms, performance.now clock) in realtime mode, else on the next macrotask. */
  until(at: number): Promise<void> {
    this.activity++;
    if (!this.realtime) return yieldToEventLoop();
    const ms = at - performance.now();
    if (ms <= 0) return new Promise((r) => onNextMacrotask(r));
    return new Promise((r) => {
      const wait = {
        timer: setTimeout(() => wait.wake(), ms),
        wake: () => {
          clearTimeout(wait.timer);
          this.waits.delete(wait);
          r();
        },
      };
      this.waits.add(wait);
    });
  }

  /** Leaves realtime: every wait ends now and later ones only yield (a stopping simulator finishes its work at once). */
  hurry(): void {
    this.realtime = false;
    for (const wait of [...this.waits]) wait.wake();
  }

  sleep(ms: number): Promise<void> {
    return this.until(performance.now() + ms);
  }

  private busyUntil = 0;

  /**
   * The chip is busy for `ms` (erase, program, hash). Back-to-back work is laid on one timeline,
   * so a timer that fires late does not push every later step back: the device finishes when the
   * physical model says, not when the host's timers happen to let it.
   */
  /** A reset abandons whatever the chip was doing. */
  idle(): void {
    this.busyUntil = 0;
  }

  busy(ms: number): Promise<void> {
    this.busyUntil = Math.max(performance.now(), this.busyUntil) + ms;
    return this.until(this.busyUntil);
  }
}
