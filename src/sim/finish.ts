import { yieldToEventLoop } from '../core/yield.js';
import type { SimClock } from './clock.js';
import type { SimLink } from './link.js';

/** Event-loop turns without a wait or delivery that mean the simulator is done. */
const QUIET_TURNS = 5;

/**
 * For a simulator about to exit: bytes already on the wire arrive and the work the chip has in
 * hand (erases, programming, a block it acknowledged) completes now instead of in simulated real
 * time, so every flash change lands in `--flash-file` before the process ends. Bounded by `maxMs`
 * for a chip that never goes quiet (firmware printing a log).
 */
export async function finishPending(link: SimLink, clock: SimClock, maxMs = 3000): Promise<void> {
  link.hurry();
  clock.hurry();
  const end = performance.now() + maxMs;
  let quiet = 0;
  let last = -1;
  while (quiet < QUIET_TURNS && performance.now() < end) {
    await yieldToEventLoop();
    const seen = clock.activity + link.deliveries;
    quiet = seen === last ? quiet + 1 : 0;
    last = seen;
  }
}
