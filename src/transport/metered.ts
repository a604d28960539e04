import type { EventSink } from '../core/events.js';
import type { ModemSignals, ReadOptions, Transport } from './types.js';

/** Counts bytes on the wire and round trips for benchmarks and summaries. */
export class MeteredTransport implements Transport {
  bytesOut = 0;
  bytesIn = 0;
  writes = 0;

  constructor(readonly inner: Transport) {}

  get kind() { return this.inner.kind; }
  get url() { return this.inner.url; }
  get facts() { return this.inner.facts; }
  get canSignal() { return this.inner.canSignal; }
  get canSetBaud() { return this.inner.canSetBaud; }
  get baud() { return this.inner.baud; }
  get events(): EventSink { return this.inner.events; }
  set events(sink: EventSink) { this.inner.events = sink; }

  open(): Promise<void> { return this.inner.open(); }
  close(): Promise<void> { return this.inner.close(); }
  async write(data: Uint8Array): Promise<void> {
    this.bytesOut += data.length;
    this.writes++;
    await this.inner.write(data);
  }
  async read(options: ReadOptions): Promise<Uint8Array> {
    const data = await this.inner.read(options);
    this.bytesIn += data.length;
    return data;
  }
  flushInput(): Promise<void> { return this.inner.flushInput(); }
  drain(): Promise<void> { return this.inner.drain(); }
  setSignals(signals: ModemSignals): Promise<void> { return this.inner.setSignals(signals); }
  setBaud(baud: number): Promise<void> { return this.inner.setBaud(baud); }
}
