import { onNextMacrotask } from '../core/yield.js';
import type { SimDevice } from './device.js';

export interface LinkOptions {
  /** Per-transfer USB latency in ms (CP210x/CH34x ≈ 1, FTDI default latency timer 16). */
  latencyMs?: number;
  /** Throttle deliveries to the physical model; off makes tests run at full speed. */
  realtime?: boolean;
}

/** Byte-level fault hooks on the wire (see src/sim/faults.ts). */
export interface WireFaults {
  toDevice?(bytes: Uint8Array, link: SimLink): Uint8Array;
  toHost?(bytes: Uint8Array, link: SimLink): Uint8Array;
}

/** A baud differing by more than this fraction from the chip's breaks framing. */
const BAUD_TOLERANCE = 0.03;

/**
 * The physical link between a host and a simulated chip: every byte costs 10/baud seconds at the
 * rate the sender's UART runs, each transfer adds the USB latency, and mismatched rates garble.
 */
export class SimLink {
  /** Host UART rate; null for raw TCP, which has no line rate of its own. */
  hostBaud: number | null = null;
  latencyMs: number;
  realtime: boolean;
  faults: WireFaults = {};
  /** Host side receiver; set by the transport or server that owns the host end. */
  onHostData: (bytes: Uint8Array) => void = () => {};
  /** Counters of bytes on the wire, for benchmarks. */
  readonly counters = { toDevice: 0, toHost: 0, transfersToDevice: 0, transfersToHost: 0 };

  private toDeviceFreeAt = 0;
  private toHostFreeAt = 0;
  private garbleSeed = 0x2545f491;
  private dtr = false;
  private rts = false;

  constructor(
    readonly device: SimDevice,
    options: LinkOptions = {},
  ) {
    this.latencyMs = options.latencyMs ?? 1;
    this.realtime = options.realtime ?? false;
    device.wire = { send: (bytes) => this.deviceSend(bytes) };
  }

  /** Host wrote bytes to its UART. */
  hostWrite(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.counters.toDevice += bytes.length;
    this.counters.transfersToDevice++;
    const rate = this.hostBaud ?? this.device.baud;
    const mismatch = this.mismatched();
    const arrive = this.schedule('toDevice', bytes.length, rate);
    let data = mismatch ? this.garble(bytes) : bytes.slice();
    if (this.faults.toDevice) data = this.faults.toDevice(data, this);
    this.deliver('toDevice', arrive, () => {
      if (data.length) this.device.receive(data);
    });
  }

  /** Host changed DTR/RTS; unchanged values may be passed as undefined. */
  hostSignals(dtr?: boolean, rts?: boolean): void {
    if (dtr !== undefined) this.dtr = dtr;
    if (rts !== undefined) this.rts = rts;
    this.device.setLines(this.dtr, this.rts);
  }

  get lines(): { dtr: boolean; rts: boolean } {
    return { dtr: this.dtr, rts: this.rts };
  }

  private deviceSend(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.counters.toHost += bytes.length;
    this.counters.transfersToHost++;
    const arrive = this.schedule('toHost', bytes.length, this.device.baud);
    let data = this.mismatched() ? this.garble(bytes) : bytes.slice();
    if (this.faults.toHost) data = this.faults.toHost(data, this);
    this.deliver('toHost', arrive, () => {
      if (data.length) this.onHostData(data);
    });
  }

  private mismatched(): boolean {
    if (this.hostBaud === null) return false;
    return Math.abs(this.hostBaud - this.device.baud) / this.device.baud > BAUD_TOLERANCE;
  }

  /** Returns the arrival time: after the line is free, the bytes' wire time, plus USB latency. */
  private schedule(direction: 'toDevice' | 'toHost', n: number, baud: number): number {
    const now = performance.now();
    const key = direction === 'toDevice' ? 'toDeviceFreeAt' : 'toHostFreeAt';
    const start = Math.max(now, this[key]);
    const end = start + (n * 10 * 1000) / baud;
    this[key] = end;
    return end + this.latencyMs;
  }

  private pending = { toDevice: Promise.resolve(), toHost: Promise.resolve() };

  /** Deliveries waiting for their arrival time, so that `hurry` can make them arrive now. */
  private inFlight = new Set<() => void>();
  /** Counts deliveries: unchanged across event-loop turns means nothing is on the wire. */
  deliveries = 0;

  /** Deliveries stay in order per direction; in non-realtime mode they only yield to the event loop. */
  private deliver(direction: 'toDevice' | 'toHost', at: number, fn: () => void): void {
    const realtime = this.realtime;
    this.deliveries++;
    this.pending[direction] = this.pending[direction].then(
      () =>
        new Promise<void>((resolve) => {
          const ms = realtime && this.realtime ? at - performance.now() : 0;
          const run = (): void => {
            clearTimeout(timer);
            this.inFlight.delete(run);
            fn();
            resolve();
          };
          let timer: ReturnType<typeof setTimeout> | undefined;
          if (ms > 0.5) {
            timer = setTimeout(run, ms);
            this.inFlight.add(run);
          } else onNextMacrotask(run);
        }),
    );
  }

  /** Leaves realtime: bytes already on the wire arrive now, later ones without delay. */
  hurry(): void {
    this.realtime = false;
    for (const run of [...this.inFlight]) run();
  }

  /** Deterministic garbage of the same length: what a UART makes of a wrong bit rate. */
  private garble(bytes: Uint8Array): Uint8Array {
    const out = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) {
      let x = this.garbleSeed ^ (bytes[i]! * 0x9e3779b1);
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.garbleSeed = x >>> 0;
      out[i] = x & 0xff;
    }
    return out;
  }
}
