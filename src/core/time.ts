import { AnyflashError } from './errors.js';

/** Sleeps `ms`, rejecting with an `aborted` error as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal): AnyflashError {
  const reason = signal.reason;
  if (reason instanceof AnyflashError) return reason;
  return new AnyflashError('aborted', 'Stopped by the user.', { cause: reason });
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

export const now = (): number => performance.now();

/** A deadline `ms` from now, on the monotonic clock used by `Transport.read`. */
export const deadlineIn = (ms: number): number => performance.now() + ms;
