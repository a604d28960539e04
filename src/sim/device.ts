import type { SimClock } from './clock.js';
import type { SimFlash } from './flash.js';

/** The device's view of the wire: it can only send bytes. */
export interface DeviceWire {
  send(bytes: Uint8Array): void;
}

/**
 * Base of every simulated chip. A family model receives host bytes (already delayed and, on a
 * baud mismatch, garbled by the link), sees the host's DTR/RTS, and sends bytes back.
 */
export abstract class SimDevice {
  /** UART rate the chip currently runs at; the link garbles bytes when the host's rate differs. */
  baud = 115200;
  wire: DeviceWire = { send: () => {} };

  constructor(
    readonly clock: SimClock,
    readonly flash: SimFlash,
  ) {}

  abstract readonly family: string;
  abstract readonly chip: string;

  protected send(bytes: Uint8Array): void {
    this.wire.send(bytes);
  }

  /** Bytes from the host arrived at the chip's RX pin. */
  abstract receive(bytes: Uint8Array): void;

  /** The host changed its modem lines (true = asserted). Default: not wired. */
  setLines(_dtr: boolean, _rts: boolean): void {}

  /**
   * A person at the bench: `power-cycle`, `hold-boot`, `release-boot`, `press-reset`, `status`.
   * Returns a one-line answer for the control channel.
   */
  abstract control(command: string): string;

  /**
   * The supply sagged and the chip reset: it comes back as its reset circuit says (firmware,
   * or download mode when BOOT/IO0 is held). Families override when a plain power cycle differs.
   */
  brownout(): void {
    this.control('power-cycle');
  }

  /** Called when the serving side stops; release timers. */
  dispose(): void {}
}
