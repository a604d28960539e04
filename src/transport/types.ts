import type { EventSink } from '../core/events.js';

export type TransportKind = 'serial' | 'tcp' | 'rfc2217' | 'sim' | 'web-serial' | 'bridge';

/** What is known about the port itself, used for reset-strategy choice and diagnosis. */
export interface PortFacts {
  path?: string;
  vid?: number;
  pid?: number;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  /** USB interface number on multi-channel bridges (FT2232 channel A = 0, B = 1). */
  interfaceNumber?: number;
  /** The chip behind the port when the port itself knows it (an in-process simulator). */
  chip?: string;
  /** An in-process simulator whose flash outlives its port: a simulated hub's board, which may be plugged in again elsewhere. */
  keepsFlash?: boolean;
}

export interface ModemSignals {
  dtr?: boolean;
  rts?: boolean;
}

export interface ReadOptions {
  /** Absolute deadline on the `performance.now()` clock. */
  deadline: number;
  signal?: AbortSignal;
}

/**
 * One byte pipe to a device. Everything above this layer is transport-agnostic and runs in Node
 * and the browser.
 */
export interface Transport {
  readonly kind: TransportKind;
  readonly url: string;
  readonly facts: PortFacts;
  /** True when DTR/RTS actually reach a device (false for raw TCP, or where ioctls failed). */
  readonly canSignal: boolean;
  /** True when `setBaud` changes the real line rate (false for raw TCP and USB-CDC-like links). */
  readonly canSetBaud: boolean;
  readonly baud: number;
  open(): Promise<void>;
  close(): Promise<void>;
  write(data: Uint8Array): Promise<void>;
  /** Resolves with ≥1 byte, or with an empty array when the deadline passes. Rejects on abort or port loss. */
  read(options: ReadOptions): Promise<Uint8Array>;
  /** Discards bytes received but not yet read. */
  flushInput(): Promise<void>;
  /** Waits until written bytes have left the host. */
  drain(): Promise<void>;
  setSignals(signals: ModemSignals): Promise<void>;
  setBaud(baud: number): Promise<void>;
  /** Where notes (e.g. "modem lines unsupported on this port") go; set by whoever opened it. */
  events: EventSink;
}
