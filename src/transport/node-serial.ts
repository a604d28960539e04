import { read, readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { BindingPortInterface } from '@serialport/bindings-cpp';
import { AnyflashError } from '../core/errors.js';
import { noEvents, type EventSink } from '../core/events.js';
import { ByteQueue } from './byte-queue.js';
import type { ModemSignals, PortFacts, ReadOptions, Transport } from './types.js';

export interface NodeSerialOptions {
  baud?: number;
  facts?: PortFacts;
}

const fsRead = promisify(read);

/** Bytes asked for per OS read; a read returns whatever has arrived, up to this. */
const READ_CHUNK = 64 * 1024;

/**
 * A local serial port (`/dev/ttyUSB0`, `COM3`, …) through `@serialport/bindings-cpp`, opened
 * exclusively (flock on Unix) as esptool does, so two flashers never share a port.
 */
export class NodeSerialTransport implements Transport {
  readonly kind = 'serial' as const;
  readonly canSetBaud = true;
  readonly facts: PortFacts;
  events: EventSink = noEvents;
  private port: BindingPortInterface | null = null;
  private readonly queue = new ByteQueue();
  private currentBaud: number;
  private lines = { dtr: true, rts: true };
  private linesWork = true;
  private gone: AnyflashError | null = null;

  constructor(
    readonly path: string,
    options: NodeSerialOptions = {},
  ) {
    this.currentBaud = options.baud ?? 115200;
    this.facts = { path, ...options.facts };
  }

  get url(): string {
    return this.path;
  }

  get baud(): number {
    return this.currentBaud;
  }

  /** False once the port has shown it has no modem lines (a pseudo-terminal, some bridges). */
  get canSignal(): boolean {
    return this.linesWork;
  }

  async open(): Promise<void> {
    if (this.port) return;
    await checkSerialPath(this.path);
    const { autoDetect } = await import('@serialport/bindings-cpp');
    let port: BindingPortInterface;
    try {
      port = await autoDetect().open({ path: this.path, baudRate: this.currentBaud, lock: true });
    } catch (e) {
      throw mapSerialOpenError(e, this.path);
    }
    this.port = port;
    this.gone = null;
    this.queue.reset();
    // The OS asserts DTR and RTS when it opens a tty.
    this.lines = { dtr: true, rts: true };
    void this.pump(port);
  }

  async close(): Promise<void> {
    const port = this.port;
    if (!port) return;
    this.port = null;
    try {
      await port.close();
    } catch {
      // Closing a port that already vanished fails; it is closed either way.
    }
  }

  async write(data: Uint8Array): Promise<void> {
    const port = this.live();
    try {
      await port.write(Buffer.from(data.buffer, data.byteOffset, data.length));
    } catch (e) {
      throw this.failure(port, e, 'write');
    }
  }

  read(options: ReadOptions): Promise<Uint8Array> {
    if (!this.port) return Promise.reject(new AnyflashError('port-error', `Port ${this.url} is not open.`));
    return this.queue.read(options.deadline, options.signal);
  }

  /**
   * Drops bytes received but not read. The OS buffer is not flushed: the only call for it
   * (TCIOFLUSH) would also discard our own output still waiting to be sent, and the read pump
   * empties the OS input buffer continuously anyway.
   */
  async flushInput(): Promise<void> {
    this.queue.clear();
  }

  async drain(): Promise<void> {
    const port = this.live();
    try {
      await port.drain();
    } catch (e) {
      throw this.failure(port, e, 'drain');
    }
  }

  async setSignals(signals: ModemSignals): Promise<void> {
    const port = this.live();
    if (!this.linesWork) return;
    const next = { dtr: signals.dtr ?? this.lines.dtr, rts: signals.rts ?? this.lines.rts };
    try {
      // The binding sets every line on each call, so both are always passed.
      await port.set({ dtr: next.dtr, rts: next.rts, brk: false });
      this.lines = next;
    } catch (e) {
      if (!isNoModemLines(e)) throw this.failure(port, e, 'set DTR/RTS on');
      this.linesWork = false;
      this.events({
        type: 'note',
        level: 'warn',
        code: 'no-modem-lines',
        message: `Modem lines are not available on ${this.path}; reset by hand (hold BOOT, press RESET) when asked.`,
      });
    }
  }

  async setBaud(baud: number): Promise<void> {
    const port = this.live();
    try {
      await port.update({ baudRate: baud });
    } catch (e) {
      if (this.gone || isVanished(e)) throw this.failure(port, e, 'set the baud rate of');
      throw new AnyflashError('port-error', `${this.path} does not accept ${baud} baud.`, {
        advice: ['Choose a rate the adapter supports (115200, 230400, 460800, 921600 are common).'],
        evidence: [errorText(e)],
        cause: e,
      });
    }
    this.currentBaud = baud;
  }

  /** Reads continuously so bytes are timestamped by arrival and the OS buffer never overflows. */
  private async pump(port: BindingPortInterface): Promise<void> {
    const buffer = Buffer.alloc(READ_CHUNK);
    const unix = unixPort(port);
    while (this.port === port) {
      try {
        const n = unix ? await readUnix(unix, buffer) : (await port.read(buffer, 0, READ_CHUNK)).bytesRead;
        if (this.port !== port) return;
        this.queue.push(new Uint8Array(buffer.subarray(0, n)));
      } catch (e) {
        if (this.port !== port || (e as { canceled?: boolean }).canceled) return;
        this.queue.fail(this.vanished(e));
        return;
      }
    }
  }

  private live(): BindingPortInterface {
    if (this.gone) throw this.gone;
    if (!this.port) throw new AnyflashError('port-error', `Port ${this.path} is not open.`);
    return this.port;
  }

  private failure(port: BindingPortInterface, e: unknown, what: string): AnyflashError {
    if (this.gone) return this.gone;
    if (this.port !== port) return new AnyflashError('port-error', `Port ${this.path} was closed.`, { cause: e });
    if (isVanished(e)) {
      const error = this.vanished(e);
      this.queue.fail(error);
      return error;
    }
    return new AnyflashError('port-error', `Could not ${what} ${this.path}: ${errorText(e)}`, {
      evidence: [errorText(e)],
      cause: e,
    });
  }

  private vanished(e: unknown): AnyflashError {
    this.gone ??= new AnyflashError('port-vanished', `Port ${this.path} disappeared.`, {
      advice: [
        'Check the USB cable and connector; a loose cable or a brownout drops the USB device.',
        'Some boards re-enumerate after a reset (native USB): look for the port under its new name.',
      ],
      evidence: [errorText(e)],
      cause: e,
    });
    return this.gone;
  }
}

/** The fd and poller the Linux and macOS bindings expose (Windows reads through the binding). */
interface UnixPort {
  fd: number | null;
  poller: { once(event: 'readable', callback: (err: Error | null) => void): unknown };
}

function unixPort(port: BindingPortInterface): UnixPort | null {
  const candidate = port as unknown as Partial<UnixPort>;
  return typeof candidate.fd === 'number' && candidate.poller ? (candidate as UnixPort) : null;
}

/**
 * One read on a non-blocking tty: waits for the poller while there is nothing (EAGAIN). Ours
 * rather than the binding's because the binding retries a 0-byte read forever, and a tty returns
 * 0 bytes (end of file) once it is hung up: an unplugged adapter, a closed pty master.
 */
async function readUnix(port: UnixPort, buffer: Buffer): Promise<number> {
  for (;;) {
    if (port.fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true });
    try {
      const { bytesRead } = await fsRead(port.fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) throw new Error('end of file: the device hung up');
      return bytesRead;
    } catch (e) {
      const code = errorCode(e);
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw e;
    }
    // Closed while the read was in flight: the poller is destroyed, and polling it would crash.
    if (port.fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true });
    await new Promise<void>((resolve, reject) => port.poller.once('readable', (err) => (err ? reject(err) : resolve())));
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function errorCode(e: unknown): string {
  return (e as { code?: unknown })?.code?.toString() ?? '';
}

/** The ioctl for modem lines is refused: a pseudo-terminal or a driver without them. */
function isNoModemLines(e: unknown): boolean {
  return /ENOTTY|EINVAL|Inappropriate ioctl|Invalid argument|not supported/i.test(`${errorCode(e)} ${errorText(e)}`);
}

/** Errors of a device that is gone (USB unplugged, re-enumerated, the pty's other side closed). */
function isVanished(e: unknown): boolean {
  return /EIO|ENXIO|ENODEV|EBADF|i\/o error|No such device|bad file descriptor|Operation aborted|device.*not.*(functioning|connected)/i
    .test(`${errorCode(e)} ${errorText(e)}`);
}

/** Rejects paths that cannot be serial ports before the binding tries them (Unix only). */
async function checkSerialPath(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw mapSerialOpenError(e, path);
  }
  if (info.isDirectory() || info.isFile()) {
    throw notTty(path, info.isDirectory() ? 'a directory' : 'a regular file');
  }
}

function notTty(path: string, what: string, cause?: unknown): AnyflashError {
  return new AnyflashError('port-not-tty', `${path} is ${what}, not a serial port.`, {
    advice: [`Give the serial device itself, e.g. ${examplePort()}.`],
    cause,
  });
}

function examplePort(platform = process.platform): string {
  if (platform === 'win32') return 'COM3';
  if (platform === 'darwin') return '/dev/cu.usbserial-0001';
  return '/dev/ttyUSB0 or /dev/ttyACM0';
}

/** Serial devices present now, for advice when the given one is missing (no udevadm needed). */
function presentPorts(platform: 'linux' | 'darwin'): string[] {
  const pattern = platform === 'darwin' ? /^cu\./ : /^tty(USB|ACM)\d+$/;
  try {
    return readdirSync('/dev').filter((n) => pattern.test(n)).sort().map((n) => `/dev/${n}`);
  } catch {
    return [];
  }
}

/**
 * Maps an error from opening (or stat-ing) a serial port to a stable code with advice. The binding
 * reports errno only inside its message text ("Error: Permission denied, cannot open …"), so both
 * the code and the text are matched.
 */
export function mapSerialOpenError(e: unknown, path: string, platform: NodeJS.Platform = process.platform): AnyflashError {
  const text = `${errorCode(e)} ${errorText(e)}`;
  const evidence = [errorText(e)];
  if (/Cannot lock port|EBUSY|Resource busy|EAGAIN|EWOULDBLOCK|Resource temporarily unavailable/i.test(text)
    || (platform === 'win32' && /Access denied|EACCES/i.test(text))) {
    return new AnyflashError('port-busy', `${path} is in use by another program.`, {
      advice: [
        'Close the program holding it (serial monitor, IDE, another flasher).',
        ...(platform === 'linux' ? [`\`fuser -v ${path}\` names the process; ModemManager may probe new ttyACM ports for a few seconds.`] : []),
      ],
      evidence,
      cause: e,
    });
  }
  if (/EACCES|EPERM|Permission denied|Operation not permitted/i.test(text)) {
    const advice = platform === 'linux'
      ? [
        'Add your user to the group that owns the port, then log out and in: `sudo usermod -aG dialout $USER` (the group is `uucp` on Arch).',
        'Or add a udev rule, e.g. /etc/udev/rules.d/99-serial.rules: SUBSYSTEM=="tty", ATTRS{idVendor}=="10c4", MODE="0660", TAG+="uaccess".',
      ]
      : platform === 'darwin'
        ? ['Check the permissions of the device node, and that no security tool blocks access.']
        : ['Check the permissions of the device node.'];
    return new AnyflashError('port-permission', `No permission to open ${path}.`, { advice, evidence, cause: e });
  }
  if (/ENOTTY|EISDIR|Inappropriate ioctl|Is a directory/i.test(text)) {
    return notTty(path, 'not a terminal device', e);
  }
  if (/ENOENT|ENOTDIR|ENXIO|ENODEV|No such file|No such device|File not found|Not a directory/i.test(text)) {
    const advice = ['Check the port name and that the board is plugged in (a charge-only cable shows no port).'];
    if (platform === 'linux' || platform === 'darwin') {
      const present = presentPorts(platform);
      advice.push(present.length > 0
        ? `Ports present now: ${present.join(', ')}.`
        : `No USB serial ports are present (looked for ${examplePort(platform)}).`);
    }
    return new AnyflashError('port-not-found', `${path} does not exist.`, {
      advice,
      evidence,
      cause: e,
    });
  }
  return new AnyflashError('port-error', `Could not open ${path}: ${errorText(e)}`, { evidence, cause: e });
}
