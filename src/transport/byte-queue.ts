import { AnyflashError } from '../core/errors.js';
import { abortError } from '../core/time.js';

/**
 * Buffers bytes arriving from a device and hands them to one reader at a time, honouring a
 * deadline and an abort signal. Every transport builds on it.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private waiter: (() => void) | null = null;
  private failure: Error | null = null;

  get available(): number {
    return this.size;
  }

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.size += data.length;
    this.wake();
  }

  /** Makes pending and future reads fail (port lost). `reset()` clears it. */
  fail(error: Error): void {
    this.failure = error;
    this.wake();
  }

  reset(): void {
    this.chunks = [];
    this.size = 0;
    this.failure = null;
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private take(): Uint8Array {
    if (this.chunks.length === 1) {
      const only = this.chunks[0]!;
      this.chunks = [];
      this.size = 0;
      return only;
    }
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    this.chunks = [];
    this.size = 0;
    return out;
  }

  async read(deadline: number, signal?: AbortSignal): Promise<Uint8Array> {
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      if (this.size > 0) return this.take();
      if (this.failure) throw this.failure;
      const remaining = deadline - performance.now();
      if (remaining <= 0) return new Uint8Array(0);
      if (this.waiter) throw new AnyflashError('internal', 'Two concurrent reads on one transport.');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining);
        const onAbort = (): void => done();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiter = done;
        function done(): void {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }
      });
      if (this.waiter) this.waiter = null;
    }
  }
}
