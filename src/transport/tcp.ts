import { connect, type Socket } from 'node:net';
import { AnyflashError } from '../core/errors.js';
import { noEvents, type EventSink } from '../core/events.js';
import { abortError } from '../core/time.js';
import { ByteQueue } from './byte-queue.js';
import type { ModemSignals, PortFacts, ReadOptions, Transport } from './types.js';

export interface Endpoint {
  host: string;
  port: number;
}

/**
 * Opens a TCP connection (Node only), mapping failures to port codes: nothing listening or an
 * unknown host is `port-not-found`; anything else (unreachable, no answer in time) is `port-error`.
 */
export function connectSocket(
  endpoint: Endpoint,
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    const timer = setTimeout(() => fail(new AnyflashError('port-error', `No answer from ${url} within ${timeoutMs} ms.`, {
      advice: ['Check that the host is reachable and the server is running.'],
    })), timeoutMs);
    const onAbort = (): void => fail(abortError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      cleanup();
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (e) => fail(connectError(e, url)));
    function cleanup(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
    }
    function fail(error: Error): void {
      cleanup();
      socket.destroy();
      reject(error);
    }
  });
}

function connectError(e: Error, url: string): AnyflashError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') {
    return new AnyflashError('port-not-found', `Nothing accepts connections at ${url}.`, {
      advice: ['Start the server (ser2net, `anyflash sim`, …) or check the host and port number.'],
      evidence: [e.message],
      cause: e,
    });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new AnyflashError('port-not-found', `The host in ${url} is not known.`, {
      advice: ['Check the host name, or use its IP address.'],
      evidence: [e.message],
      cause: e,
    });
  }
  return new AnyflashError('port-error', `Could not connect to ${url}: ${e.message}`, {
    advice: ['Check that the host is reachable (network, firewall) and the server is running.'],
    evidence: [e.message],
    cause: e,
  });
}

/** Error for reads and writes after the server closed the connection or it broke. */
export function connectionLost(url: string, cause?: unknown): AnyflashError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new AnyflashError('port-vanished', `The connection to ${url} was closed${detail}.`, {
    advice: [
      'Check that the server is still running; a server that serves one client at a time closes a second connection.',
    ],
    cause,
  });
}

/**
 * The server closed a connection it had just accepted, before sending a byte: what a server that
 * serves one client at a time (ser2net, `anyflash sim`, esp_rfc2217_server) does to a second one.
 */
export function refusedClient(url: string): AnyflashError {
  return new AnyflashError('port-busy', `${url} accepted the connection and closed it at once: the server serves one client at a time and another one holds it.`, {
    advice: [
      'Close the other client of this server (a serial monitor, another anyflash or esptool, an IDE), then retry.',
      'If no other client is running, restart the server: it may still hold a connection that was not closed.',
    ],
  });
}

/** A close this soon after connecting, with nothing received, is a refusal rather than a lost link. */
const REFUSED_WITHIN_MS = 2000;

/** Resolves when all queued bytes have been handed to the kernel. */
export function writeAll(socket: Socket, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

/** Ends the connection politely, then destroys it if the peer does not close within `ms`. */
export function closeSocket(socket: Socket, ms = 500): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end();
  });
}

/** A Node Buffer viewed as a plain Uint8Array (so `slice` copies, as core code expects). */
export function plainBytes(chunk: Buffer): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
}

export interface TcpOptions {
  /** Nominal baud, reported by `baud`; a raw TCP link has no line rate of its own. */
  baud?: number;
  connectTimeoutMs?: number;
}

/**
 * Raw bytes over TCP (`tcp://host:port`, alias `socket://`), like esptool's `socket://`: a
 * serial-to-network bridge without RFC 2217, so DTR/RTS and baud changes cannot reach the far end.
 */
export class TcpTransport implements Transport {
  readonly kind = 'tcp' as const;
  readonly canSignal = false;
  readonly canSetBaud = false;
  readonly facts: PortFacts;
  events: EventSink = noEvents;
  private socket: Socket | null = null;
  private readonly queue = new ByteQueue();
  private currentBaud: number;
  private noted = { signals: false, baud: false };
  private isLost = false;
  private openedAt = 0;
  private received = false;

  constructor(
    readonly endpoint: Endpoint,
    readonly url: string,
    private readonly options: TcpOptions = {},
  ) {
    this.currentBaud = options.baud ?? 115200;
    this.facts = { path: url };
  }

  get baud(): number {
    return this.currentBaud;
  }

  async open(): Promise<void> {
    if (this.socket) return;
    this.queue.reset();
    this.isLost = false;
    const socket = await connectSocket(this.endpoint, this.url, this.options.connectTimeoutMs ?? 5000);
    this.socket = socket;
    this.openedAt = performance.now();
    this.received = false;
    socket.on('data', (chunk: Buffer) => {
      this.received = true;
      this.queue.push(plainBytes(chunk));
    });
    socket.on('error', (e) => this.lost(socket, e));
    socket.on('close', () => this.lost(socket));
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    await closeSocket(socket);
  }

  async write(data: Uint8Array): Promise<void> {
    const socket = this.live();
    try {
      await writeAll(socket, data);
    } catch (e) {
      throw this.closedError(e);
    }
  }

  read(options: ReadOptions): Promise<Uint8Array> {
    if (!this.socket) return Promise.reject(new AnyflashError('port-error', `Port ${this.url} is not open.`));
    return this.queue.read(options.deadline, options.signal);
  }

  async flushInput(): Promise<void> {
    this.queue.clear();
  }

  async drain(): Promise<void> {}

  async setSignals(_signals: ModemSignals): Promise<void> {
    if (this.noted.signals) return;
    this.noted.signals = true;
    this.events({
      type: 'note',
      level: 'warn',
      code: 'no-modem-lines',
      message: `DTR/RTS cannot be sent over ${this.url} (raw TCP); reset the board by hand, or use rfc2217:// if the server supports it.`,
    });
  }

  async setBaud(baud: number): Promise<void> {
    this.currentBaud = baud;
    if (this.noted.baud) return;
    this.noted.baud = true;
    this.events({
      type: 'note',
      level: 'info',
      code: 'no-baud-control',
      message: `The baud rate cannot be changed over ${this.url} (raw TCP); the server's port keeps its own rate.`,
    });
  }

  private live(): Socket {
    if (!this.socket) throw new AnyflashError('port-error', `Port ${this.url} is not open.`);
    if (this.socket.destroyed) throw this.closedError();
    return this.socket;
  }

  private closedError(cause?: unknown): AnyflashError {
    const refused = !this.received && performance.now() - this.openedAt < REFUSED_WITHIN_MS;
    return refused ? refusedClient(this.url) : connectionLost(this.url, cause);
  }

  private lost(socket: Socket, cause?: unknown): void {
    if (socket !== this.socket || this.isLost) return;
    this.isLost = true;
    this.queue.fail(this.closedError(cause));
  }
}
