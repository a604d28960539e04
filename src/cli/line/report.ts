import type { EventSink } from '../../core/events.js';
import { sleep } from '../../core/time.js';
import type { DeviceRecord } from '../../engine/record.js';

/** Waits between attempts: the line never waits on a slow server, the record still arrives. */
const RETRY_MS = [1000, 3000, 9000];
const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * `--report-url`: POSTs each device record as JSON, retried on failure, in the background. The
 * returned promise settles when every post has succeeded or given up (the command awaits it
 * before exiting, so no record is silently dropped).
 */
export class Reporter {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly url: string,
    private readonly events: EventSink,
  ) {}

  post(record: DeviceRecord): void {
    const p = this.send(record).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async send(record: DeviceRecord): Promise<void> {
    let last = '';
    for (let attempt = 0; attempt <= RETRY_MS.length; attempt++) {
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(record),
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        });
        if (res.ok) return;
        last = `HTTP ${res.status}`;
        // A client error will not change by retrying.
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) break;
      } catch (e) {
        last = (e as Error).message;
      }
      if (attempt < RETRY_MS.length) await sleep(RETRY_MS[attempt]!);
    }
    this.events({ type: 'note', level: 'warn', code: 'report-failed', message: `Could not report ${record.port} to ${this.url} (${last}); it is in the local record only.` });
  }
}
