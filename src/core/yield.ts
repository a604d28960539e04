/**
 * Runs `fn` on a fresh macrotask, after pending I/O. Node's `setImmediate` is the fastest way;
 * browsers lack it, and `setTimeout(0)` is clamped to ≥4 ms after a few nestings, which would make
 * an in-page simulator crawl — a MessageChannel message is an unclamped macrotask there.
 */
export const onNextMacrotask: (fn: () => void) => void = pick();

function pick(): (fn: () => void) => void {
  if (typeof globalThis.setImmediate === 'function') return (fn) => globalThis.setImmediate(fn);
  if (typeof MessageChannel === 'function') {
    const queue: Array<() => void> = [];
    const channel = new MessageChannel();
    channel.port1.onmessage = () => queue.shift()?.();
    return (fn) => {
      queue.push(fn);
      channel.port2.postMessage(null);
    };
  }
  return (fn) => setTimeout(fn, 0);
}

/** Resolves on the next macrotask: lets timers, I/O and other tasks run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => onNextMacrotask(resolve));
}
