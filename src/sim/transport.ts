import { AnyflashError } from '../core/errors.js';
import { noEvents, type EventSink } from '../core/events.js';
import type { SimLink } from './link.js';
import { ByteQueue } from '../transport/byte-queue.js';
import type { ModemSignals, PortFacts, ReadOptions, Transport } from '../transport/types.js';

/**
 * In-process transport to a simulated device: behaves like a USB-UART adapter wired to the chip
 * (DTR/RTS reach the reset circuit, the baud rate is real on the simulated line).
 */
export class SimTransport implements Transport {
  readonly kind = 'sim' as const;
  readonly canSignal = true;
  readonly canSetBaud = true;
  events: EventSink = noEvents;
  private queue = new ByteQueue();
  private isOpen = false;
  private currentBaud: number;
  private readonly openBaud: number;
  /** Set by fault injection (`vanish`): reads and writes fail as if the USB device was unplugged. */
  gone = false;
  /** One-shot faults not fired yet (set by `openSimPort`): a run that never met them is told so at close. */
  unfiredFaults?: () => string[];

  constructor(
    readonly link: SimLink,
    readonly url: string,
    readonly facts: PortFacts = {},
    baud = 115200,
  ) {
    this.currentBaud = baud;
    this.openBaud = baud;
  }

  get baud(): number {
    return this.currentBaud;
  }

  async open(): Promise<void> {
    if (this.gone) throw this.portGone();
    this.queue.reset();
    // Like an OS port, a reopened port starts at its configured rate, not the last negotiated one.
    this.currentBaud = this.openBaud;
    this.link.onHostData = (bytes) => {
      if (this.isOpen) this.queue.push(bytes);
    };
    this.link.hostBaud = this.currentBaud;
    this.isOpen = true;
    // Like an OS serial driver, opening asserts DTR and RTS.
    this.link.hostSignals(true, true);
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.link.hostSignals(false, false);
    this.link.onHostData = () => {};
    const unfired = this.unfiredFaults?.() ?? [];
    if (unfired.length > 0) {
      this.events({ type: 'note', level: 'warn', message: `Simulated fault never fired: ${unfired.join(', ')} (nothing written reached it).` });
    }
  }

  async write(data: Uint8Array): Promise<void> {
    this.check();
    this.link.hostWrite(data);
  }

  read(options: ReadOptions): Promise<Uint8Array> {
    this.check();
    return this.queue.read(options.deadline, options.signal);
  }

  async flushInput(): Promise<void> {
    this.queue.clear();
  }

  async drain(): Promise<void> {}

  async setSignals(signals: ModemSignals): Promise<void> {
    this.check();
    this.link.hostSignals(signals.dtr, signals.rts);
  }

  async setBaud(baud: number): Promise<void> {
    this.check();
    this.currentBaud = baud;
    this.link.hostBaud = baud;
  }

  /** Fault injection: the port disappears until `reappear()`. */
  vanish(): void {
    this.gone = true;
    this.isOpen = false;
    this.queue.fail(this.portGone());
  }

  reappear(): void {
    this.gone = false;
  }

  private check(): void {
    if (this.gone) throw this.portGone();
    if (!this.isOpen) throw new AnyflashError('port-error', `Port ${this.url} is not open.`);
  }

  private portGone(): AnyflashError {
    return new AnyflashError('port-vanished', `Port ${this.url} disappeared.`);
  }
}
