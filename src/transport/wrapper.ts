import type { EventSink } from '../core/events.js';
import type { ModemSignals, ReadOptions, Transport } from './types.js';

/** A transport that passes everything to another; subclasses observe the calls they override. */
export class TransportWrapper implements Transport {
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
  write(data: Uint8Array): Promise<void> { return this.inner.write(data); }
  read(options: ReadOptions): Promise<Uint8Array> { return this.inner.read(options); }
  flushInput(): Promise<void> { return this.inner.flushInput(); }
  drain(): Promise<void> { return this.inner.drain(); }
  setSignals(signals: ModemSignals): Promise<void> { return this.inner.setSignals(signals); }
  setBaud(baud: number): Promise<void> { return this.inner.setBaud(baud); }
}
