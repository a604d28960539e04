/// <reference types="w3c-web-serial" />
import { AnyflashError } from '../core/errors.js';
import { noEvents, type EventSink } from '../core/events.js';
import { ByteQueue } from './byte-queue.js';
import type { ModemSignals, PortFacts, ReadOptions, Transport } from './types.js';

export interface WebSerialOptions {
  baud?: number;
  /** Shown in messages; Web Serial ports have no path. */
  url?: string;
}

/** Large enough that a 921600-baud burst is not lost while the page is busy rendering. */
const BUFFER_SIZE = 64 * 1024;

/**
 * A port opened through the W3C Web Serial API (Chrome/Edge `navigator.serial`). Changing the
 * baud rate closes and reopens the port, the only way the API offers; the modem lines are set
 * again afterwards so the chip does not see a reset.
 */
export class WebSerialTransport implements Transport {
  readonly kind = 'web-serial' as const;
  readonly canSignal = true;
  readonly canSetBaud = true;
  readonly url: string;
  readonly facts: PortFacts;
  events: EventSink = noEvents;
  private queue = new ByteQueue();
  private currentBaud: number;
  private isOpen = false;
  private writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private readLoop: Promise<void> | null = null;
  private signals: SerialOutputSignals = {};
  /** Every open starts here, like a fresh OS handle: a reopen after a chip reset meets the ROM rate. */
  private readonly openBaud: number;

  constructor(
    readonly port: SerialPort,
    options: WebSerialOptions = {},
  ) {
    this.openBaud = options.baud ?? 115200;
    this.currentBaud = this.openBaud;
    const info = port.getInfo();
    this.facts = { vid: info.usbVendorId, pid: info.usbProductId };
    this.url = options.url ?? describe(info);
  }

  get baud(): number {
    return this.currentBaud;
  }

  async open(): Promise<void> {
    this.queue.reset();
    this.signals = {};
    await this.openAt(this.openBaud);
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    await this.shutdown();
  }

  async write(data: Uint8Array): Promise<void> {
    const writer = this.check();
    try {
      await writer.write(data);
    } catch (e) {
      throw this.lost(e);
    }
  }

  read(options: ReadOptions): Promise<Uint8Array> {
    this.check();
    return this.queue.read(options.deadline, options.signal);
  }

  async flushInput(): Promise<void> {
    this.queue.clear();
  }

  async drain(): Promise<void> {
    await this.check().ready;
  }

  async setSignals(signals: ModemSignals): Promise<void> {
    this.check();
    const next: SerialOutputSignals = {};
    if (signals.dtr !== undefined) next.dataTerminalReady = signals.dtr;
    if (signals.rts !== undefined) next.requestToSend = signals.rts;
    this.signals = { ...this.signals, ...next };
    try {
      await this.port.setSignals(next);
    } catch (e) {
      throw this.lost(e);
    }
  }

  async setBaud(baud: number): Promise<void> {
    this.check();
    if (baud === this.currentBaud) return;
    await this.shutdown();
    await this.openAt(baud);
    if (Object.keys(this.signals).length > 0) await this.port.setSignals(this.signals);
  }

  private async openAt(baud: number): Promise<void> {
    try {
      await this.port.open({ baudRate: baud, bufferSize: BUFFER_SIZE });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const busy = e instanceof Error && e.name === 'InvalidStateError';
      throw new AnyflashError(busy ? 'port-busy' : 'port-error', `Could not open ${this.url}: ${message}`, {
        cause: e,
        advice: busy
          ? ['Close other tabs or programs that use the port (serial monitors, another flasher), then try again.']
          : ['Unplug and replug the board, then choose the port again.'],
      });
    }
    this.currentBaud = baud;
    if (!this.port.writable || !this.port.readable) throw this.lost(new Error('the port has no streams'));
    this.writer = this.port.writable.getWriter();
    this.isOpen = true;
    this.readLoop = this.pump();
  }

  /** Moves bytes from the port into the queue until closed; non-fatal line errors reopen the stream. */
  private async pump(): Promise<void> {
    while (this.isOpen && this.port.readable) {
      const reader = this.port.readable.getReader();
      this.reader = reader;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) {
            // The stream ended without us cancelling it: the device is gone.
            if (this.isOpen) this.queue.fail(this.lost(new Error('the stream ended')));
            return;
          }
          if (value) this.queue.push(value);
        }
      } catch (e) {
        // Framing/parity/overrun errors leave a fresh `readable`; a lost device leaves none.
        if (this.isOpen && !this.port.readable) this.queue.fail(this.lost(e));
      } finally {
        reader.releaseLock();
        this.reader = null;
      }
    }
  }

  private async shutdown(): Promise<void> {
    this.isOpen = false;
    await this.reader?.cancel().catch(() => {});
    await this.readLoop;
    this.readLoop = null;
    if (this.writer) {
      await this.writer.ready.catch(() => {});
      this.writer.releaseLock();
      this.writer = null;
    }
    await this.port.close().catch(() => {});
  }

  private check(): WritableStreamDefaultWriter<Uint8Array> {
    if (!this.isOpen || !this.writer) throw new AnyflashError('port-error', `Port ${this.url} is not open.`);
    return this.writer;
  }

  private lost(cause: unknown): AnyflashError {
    return new AnyflashError('port-vanished', `Port ${this.url} disappeared.`, {
      cause,
      advice: ['Check the USB cable and connect again; the board may have reset or re-enumerated.'],
    });
  }
}

function describe(info: SerialPortInfo): string {
  const hex = (n: number): string => n.toString(16).padStart(4, '0');
  if (info.usbVendorId === undefined) return 'web-serial';
  return `web-serial:${hex(info.usbVendorId)}:${hex(info.usbProductId ?? 0)}`;
}
