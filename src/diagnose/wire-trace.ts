/**
 * A transport wrapper that records the wire in both directions (the last N KiB), DTR/RTS changes
 * and their failures, and — while a capture is running — the bytes received per baud, which is
 * what connect classification needs as evidence.
 */
import { concatBytes, toHex, printable } from '../core/bytes.js';
import type { ModemSignals, ReadOptions, Transport } from '../transport/types.js';
import { TransportWrapper } from '../transport/wrapper.js';

export interface TraceEntry {
  /** ms since the trace started. */
  t: number;
  dir: 'tx' | 'rx' | 'ctl';
  baud: number;
  bytes?: Uint8Array;
  note?: string;
}

const DEFAULT_LIMIT = 64 * 1024;
const CAPTURE_LIMIT = 16 * 1024;

export class TracingTransport extends TransportWrapper {
  readonly entries: TraceEntry[] = [];
  /** Errors from setting DTR/RTS (the auto-reset cannot have worked). */
  readonly modemErrors: string[] = [];
  private kept = 0;
  private readonly start = performance.now();
  private capture: Map<number, Uint8Array[]> | null = null;
  private captured = 0;

  constructor(
    inner: Transport,
    readonly limitBytes = DEFAULT_LIMIT,
  ) {
    super(inner);
  }

  override async write(data: Uint8Array): Promise<void> {
    this.record({ dir: 'tx', bytes: data.slice() });
    await this.inner.write(data);
  }

  override async read(options: ReadOptions): Promise<Uint8Array> {
    const data = await this.inner.read(options);
    if (data.length) {
      this.record({ dir: 'rx', bytes: data.slice() });
      if (this.capture && this.captured < CAPTURE_LIMIT) {
        const list = this.capture.get(this.baud) ?? [];
        list.push(data.slice());
        this.capture.set(this.baud, list);
        this.captured += data.length;
      }
    }
    return data;
  }

  override async setSignals(signals: ModemSignals): Promise<void> {
    const what = `DTR=${fmt(signals.dtr)} RTS=${fmt(signals.rts)}`;
    try {
      await this.inner.setSignals(signals);
      this.record({ dir: 'ctl', note: what });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.modemErrors.push(`${what}: ${message}`);
      this.record({ dir: 'ctl', note: `${what} failed: ${message}` });
      throw e;
    }
  }

  override async setBaud(baud: number): Promise<void> {
    await this.inner.setBaud(baud);
    this.record({ dir: 'ctl', note: `baud ${baud}` });
    if (this.capture && !this.capture.has(baud)) this.capture.set(baud, []);
  }

  /** Starts collecting received bytes per baud (for connect evidence). */
  startCapture(): void {
    this.capture = new Map([[this.baud, []]]);
    this.captured = 0;
  }

  /** Ends the capture; returns what arrived at each baud, including bauds that stayed silent. */
  stopCapture(): { baud: number; bytes: Uint8Array }[] {
    const out = [...(this.capture ?? new Map<number, Uint8Array[]>())].map(([baud, parts]) => ({ baud, bytes: concatBytes(parts) }));
    this.capture = null;
    return out;
  }

  /** The trace as printable lines: `+12.3ms tx 115200 c0 00 08 … |..|`. */
  lines(): string[] {
    return this.entries.map((e) => {
      const head = `+${e.t.toFixed(1)}ms ${e.dir} ${e.baud}`;
      if (!e.bytes) return `${head} ${e.note ?? ''}`;
      return `${head} ${toHex(e.bytes, ' ')} |${printable(e.bytes, 4096)}|`;
    });
  }

  private record(entry: Omit<TraceEntry, 't' | 'baud'>): void {
    const full: TraceEntry = { t: performance.now() - this.start, baud: this.inner.baud, ...entry };
    this.entries.push(full);
    this.kept += full.bytes?.length ?? 0;
    // Keep the newest bytes: the end of a failing session is what explains it.
    while (this.kept > this.limitBytes && this.entries.length > 1) {
      const dropped = this.entries.shift()!;
      this.kept -= dropped.bytes?.length ?? 0;
    }
  }
}

function fmt(v?: boolean): string {
  return v === undefined ? '-' : v ? '1' : '0';
}
