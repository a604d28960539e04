import { onNextMacrotask, yieldToEventLoop } from '../core/yield.js';

/**
 * Time for simulators. In realtime mode waits are real (benchmarks, `anyflash sim`); otherwise
 * they only yield to the event loop so tests run at full speed with the same ordering.
 */
export class SimClock {
  constructor(public realtime: boolean) {}

  now(): number {
    return performance.now();
  }

  /** Resolves at absolute time `at` (ms, performance.now clock) in realtime mode, else on the next macrotask. */
  until(at: number): Promise<void> {
    if (!this.realtime) return yieldToEventLoop();
    const ms = at - performance.now();
    return new Promise((r) => (ms > 0 ? setTimeout(r, ms) : onNextMacrotask(r)));
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
