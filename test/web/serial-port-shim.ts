/// <reference types="w3c-web-serial" />
import { SimClock } from '../../src/sim/clock.js';
import { SimLink } from '../../src/sim/link.js';
import { createSim } from '../../src/sim/registry.js';
import type { SimDevice } from '../../src/sim/device.js';

/**
 * The W3C `SerialPort` interface over a simulated chip, holding Chrome's rules that matter to a
 * transport: open twice fails, close fails while a stream is locked, streams exist only while open.
 */
export class SimSerialPort implements SerialPort {
  onconnect = null;
  ondisconnect = null;
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  readonly opens: number[] = [];
  readonly signalLog: SerialOutputSignals[] = [];
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;

  constructor(
    readonly link: SimLink,
    private readonly info: SerialPortInfo = { usbVendorId: 0x10c4, usbProductId: 0xea60 },
  ) {}

  get connected(): boolean {
    return true;
  }

  async open(options: SerialOptions): Promise<void> {
    if (this.readable) throw new DOMException('The port is already open.', 'InvalidStateError');
    this.opens.push(options.baudRate);
    this.link.hostBaud = options.baudRate;
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
    });
    this.link.onHostData = (bytes) => this.controller?.enqueue(bytes);
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => this.link.hostWrite(chunk),
    });
  }

  async close(): Promise<void> {
    if (!this.readable || !this.writable) throw new DOMException('The port is already closed.', 'InvalidStateError');
    if (this.readable.locked || this.writable.locked) throw new TypeError('Cannot close a port with a locked stream.');
    this.link.onHostData = () => {};
    this.controller = null;
    this.readable = null;
    this.writable = null;
  }

  async setSignals(signals: SerialOutputSignals): Promise<void> {
    if (!this.readable) throw new DOMException('The port is closed.', 'InvalidStateError');
    this.signalLog.push({ ...signals });
    this.link.hostSignals(signals.dataTerminalReady, signals.requestToSend);
  }

  async getSignals(): Promise<SerialInputSignals> {
    return { dataCarrierDetect: false, clearToSend: false, ringIndicator: false, dataSetReady: false };
  }

  getInfo(): SerialPortInfo {
    return this.info;
  }

  async forget(): Promise<void> {}

  /** The device is unplugged: the readable stream errors and disappears, as in Chrome. */
  unplug(): void {
    this.controller?.error(new DOMException('The device has been lost.', 'NetworkError'));
    this.readable = null;
  }

  addEventListener(): void {}
  removeEventListener(): void {}
  dispatchEvent(): boolean {
    return true;
  }
}

export function simSerialPort(chip: string, flashSize = 0x400000): { port: SimSerialPort; device: SimDevice } {
  const device = createSim({ chip, clock: new SimClock(false), flashSize });
  const link = new SimLink(device, { latencyMs: 0 });
  return { port: new SimSerialPort(link), device };
}
