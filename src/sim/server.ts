import { createServer, type Server, type Socket } from 'node:net';
import { AnyflashError } from '../core/errors.js';
import { noEvents, type EventSink } from '../core/events.js';
import { sleep } from '../core/time.js';
import { Control, Cpo, Purge, SERVER_OFFSET, readU32be, u32be } from '../transport/rfc2217-protocol.js';
import { plainBytes } from '../transport/tcp.js';
import {
  DO, DONT, OPT_BINARY, OPT_COM_PORT, OPT_SGA, TelnetParser, WILL, WONT,
  escapeIac, negotiation, subnegotiation, type Verb,
} from '../transport/telnet.js';
import type { SimDevice } from './device.js';
import type { SimLink } from './link.js';

/**
 * Node-only servers that expose one simulated device to external tools: raw TCP (`tcp://`), an
 * RFC 2217 server (`rfc2217://`, for esptool/pyserial and our own client) and a line-based
 * control channel for the person-at-the-bench actions (`power-cycle`, `hold-boot`, …).
 */
export interface ListenAddress {
  host?: string;
  /** 0 picks a free port; the real one is reported in `urls`. */
  port: number;
}

export interface ServeSimOptions {
  device: SimDevice;
  link: SimLink;
  tcp?: ListenAddress;
  rfc2217?: ListenAddress;
  control?: ListenAddress;
  /** Line rate an RFC 2217 client gets until it sets one (an OS port opens at its last rate). */
  rfc2217InitialBaud?: number;
  /**
   * Play esptool's reset sequences locally, as Espressif's esp_rfc2217_server does (esptool issue
   * #383): pyserial waits ≥ 50 ms for each SET-CONTROL answer, so a Classic reset's DTR and RTS
   * edges arrive too far apart for an ESP auto-reset circuit, and the chip boots its firmware.
   * Off by default: a plain server (ser2net) passes each edge on when it arrives.
   */
  espResetHelper?: boolean;
  /** Connect/disconnect/refusal notes. */
  events?: EventSink;
}

export interface SimServer {
  urls: { tcp?: string; rfc2217?: string; control?: string };
  /** Fault `vanish`: drops the client and refuses new ones for `ms`, like an unplugged USB port. */
  vanish(ms: number): void;
  /** Stops taking client bytes (connections stay open, so no line drop resets the chip): the first step of stopping. */
  pause(): void;
  close(): Promise<void>;
}

/** Options the RFC 2217 server performs or lets the client perform. */
const SUPPORTED = new Set([OPT_BINARY, OPT_SGA, OPT_COM_PORT]);

/** Idle UART: transmit holding and shift registers empty (RFC 2217 LINESTATE bits 5 and 6). */
const LINESTATE_IDLE = 0x60;

/** The simulated chip drives none of CD/RI/DSR/CTS. */
const MODEMSTATE = 0;

/** Device bytes kept while an RFC 2217 client has suspended the flow; beyond this they are dropped like a full UART FIFO. */
const SUSPEND_BUFFER_LIMIT = 1 << 20;

export async function serveSim(options: ServeSimOptions): Promise<SimServer> {
  const { device, link } = options;
  const events = options.events ?? noEvents;
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  /** The link has one host end: one client (raw TCP or RFC 2217) at a time. */
  let hostClient: Socket | null = null;
  let goneUntil = 0;

  const note = (message: string): void => events({ type: 'note', level: 'info', message });

  function claimHost(socket: Socket, kind: string): boolean {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (performance.now() < goneUntil) {
      socket.destroy();
      return false;
    }
    if (hostClient) {
      note(`Refused a second ${kind} client from ${peer}: one client at a time.`);
      socket.destroy();
      return false;
    }
    hostClient = socket;
    socket.setNoDelay(true);
    note(`${kind} client connected from ${peer}.`);
    socket.on('close', () => {
      if (hostClient !== socket) return;
      hostClient = null;
      link.onHostData = () => {};
      note(`${kind} client ${peer} disconnected.`);
    });
    return true;
  }

  function serveRaw(socket: Socket): void {
    if (!claimHost(socket, 'TCP')) return;
    link.hostBaud = null;
    link.onHostData = (bytes) => socket.write(bytes);
    socket.on('data', (chunk: Buffer) => link.hostWrite(plainBytes(chunk)));
  }

  function serveRfc2217(socket: Socket): void {
    if (!claimHost(socket, 'RFC 2217')) return;
    const session = new Rfc2217Session(socket, link, device.chip, options.espResetHelper ?? false);
    link.hostBaud = options.rfc2217InitialBaud ?? 115200;
    // Opening a real port asserts DTR and RTS; closing it (client gone) drops them.
    link.hostSignals(true, true);
    link.onHostData = (bytes) => session.toClient(bytes);
    socket.on('data', (chunk: Buffer) => session.fromClient(plainBytes(chunk)));
    socket.on('close', () => {
      session.stop();
      link.hostSignals(false, false);
    });
  }

  function serveControl(socket: Socket): void {
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line) socket.write(`${controlAnswer(device, line)}\n`);
      }
    });
  }

  const urls: SimServer['urls'] = {};
  try {
    if (options.tcp) urls.tcp = `tcp://${await listen(options.tcp, serveRaw)}`;
    if (options.rfc2217) urls.rfc2217 = `rfc2217://${await listen(options.rfc2217, serveRfc2217)}`;
    if (options.control) urls.control = `tcp://${await listen(options.control, serveControl)}`;
  } catch (e) {
    await closeAll();
    throw e;
  }

  async function listen(address: ListenAddress, handler: (socket: Socket) => void): Promise<string> {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // A client that vanishes (reset, broken pipe) only ends its own session.
      socket.on('error', () => socket.destroy());
      handler(socket);
    });
    servers.push(server);
    const host = address.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, host, address.port)));
      server.listen(address.port, host, () => resolve());
    });
    const bound = server.address();
    const port = typeof bound === 'object' && bound ? bound.port : address.port;
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  async function closeAll(): Promise<void> {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
    link.onHostData = () => {};
  }

  return {
    urls,
    vanish(ms: number) {
      goneUntil = performance.now() + ms;
      hostClient?.destroy();
    },
    pause() {
      goneUntil = Infinity;
      for (const socket of sockets) socket.pause();
    },
    async close() {
      await closeAll();
      device.dispose();
    },
  };
}

function controlAnswer(device: SimDevice, line: string): string {
  try {
    return device.control(line);
  } catch (e) {
    return `error: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function listenError(e: NodeJS.ErrnoException, host: string, port: number): AnyflashError {
  if (e.code === 'EADDRINUSE') {
    return new AnyflashError('port-busy', `Address ${host}:${port} is already in use.`, {
      advice: ['Choose another port, or port 0 for a free one.'],
      cause: e,
    });
  }
  return new AnyflashError('port-error', `Cannot listen on ${host}:${port}: ${e.message}`, {
    advice: ['Check the host address (127.0.0.1 for this machine only, 0.0.0.0 for all interfaces).'],
    cause: e,
  });
}

/**
 * One RFC 2217 client: Telnet negotiation, COM-PORT-OPTION commands mapped onto the simulated link
 * (baud → `hostBaud`, DTR/RTS → the device's reset circuit), data with IAC doubling both ways.
 */
class Rfc2217Session {
  private readonly parser: TelnetParser;
  private readonly ours = new Set<number>();
  private readonly theirs = new Set<number>();
  private dtr = true;
  private rts = true;
  private dataSize = 8;
  private parity = 1;
  private stopSize = 1;
  private flow: number = Control.noFlow;
  private inboundFlow: number = Control.noInboundFlow;
  private breakOn = false;
  private linestateMask = 0;
  private suspended = false;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  /** ESP reset helper: a download-mode reset was played and its trailing edges are ignored. */
  private downloadReset = false;
  private readonly stopped = new AbortController();

  constructor(
    private readonly socket: Socket,
    private readonly link: SimLink,
    private readonly chip: string,
    private readonly espResetHelper: boolean,
  ) {
    this.parser = new TelnetParser({
      data: (bytes) => link.hostWrite(bytes),
      negotiate: (verb, option) => this.negotiate(verb, option),
      subnegotiation: (payload) => this.command(payload),
    });
  }

  /** The client left: cancel any reset sequence still playing. */
  stop(): void {
    this.stopped.abort();
  }

  fromClient(chunk: Uint8Array): void {
    this.parser.feed(chunk);
  }

  toClient(bytes: Uint8Array): void {
    if (this.suspended) {
      if (this.heldBytes + bytes.length > SUSPEND_BUFFER_LIMIT) return;
      this.held.push(bytes);
      this.heldBytes += bytes.length;
      return;
    }
    this.socket.write(escapeIac(bytes));
  }

  private negotiate(verb: Verb, option: number): void {
    switch (verb) {
      case WILL:
        if (this.theirs.has(option)) return;
        if (SUPPORTED.has(option)) this.theirs.add(option);
        this.socket.write(negotiation(SUPPORTED.has(option) ? DO : DONT, option));
        // pyserial reads CTS/DSR from the last notification and fails if none ever came.
        if (option === OPT_COM_PORT) this.reply(Cpo.notifyModemstate, Uint8Array.of(MODEMSTATE));
        return;
      case DO:
        if (this.ours.has(option)) return;
        if (SUPPORTED.has(option)) this.ours.add(option);
        this.socket.write(negotiation(SUPPORTED.has(option) ? WILL : WONT, option));
        return;
      case WONT:
        if (this.theirs.delete(option)) this.socket.write(negotiation(DONT, option));
        return;
      case DONT:
        if (this.ours.delete(option)) this.socket.write(negotiation(WONT, option));
        return;
    }
  }

  private command(payload: Uint8Array): void {
    if (payload[0] !== OPT_COM_PORT || payload.length < 2) return;
    const code = payload[1]!;
    const value = payload.subarray(2);
    const v = value[0] ?? 0;
    switch (code) {
      case Cpo.signature:
        if (value.length === 0) this.reply(code, new TextEncoder().encode(`anyflash simulator (${this.chip})`));
        return;
      case Cpo.setBaudrate: {
        const baud = value.length >= 4 ? readU32be(value, 0) : 0;
        if (baud > 0) this.link.hostBaud = baud;
        this.reply(code, u32be(this.link.hostBaud ?? 0));
        return;
      }
      case Cpo.setDatasize:
        if (v) this.dataSize = v;
        this.reply(code, Uint8Array.of(this.dataSize));
        return;
      case Cpo.setParity:
        if (v) this.parity = v;
        this.reply(code, Uint8Array.of(this.parity));
        return;
      case Cpo.setStopsize:
        if (v) this.stopSize = v;
        this.reply(code, Uint8Array.of(this.stopSize));
        return;
      case Cpo.setControl:
        this.reply(code, Uint8Array.of(this.control(v)));
        return;
      case Cpo.notifyLinestate:
        this.reply(code, Uint8Array.of(LINESTATE_IDLE & this.linestateMask));
        return;
      case Cpo.notifyModemstate:
        this.reply(code, Uint8Array.of(MODEMSTATE));
        return;
      case Cpo.flowcontrolSuspend:
        this.suspended = true;
        return;
      case Cpo.flowcontrolResume:
        this.resume();
        return;
      case Cpo.setLinestateMask:
        this.linestateMask = v;
        this.reply(code, Uint8Array.of(v));
        return;
      case Cpo.setModemstateMask:
        this.reply(code, Uint8Array.of(v));
        return;
      case Cpo.purgeData:
        if (v === Purge.receive || v === Purge.both) {
          this.held = [];
          this.heldBytes = 0;
        }
        this.reply(code, Uint8Array.of(v));
        return;
    }
  }

  /** Applies a SET-CONTROL value and returns the value now in effect, as the answer carries. */
  private control(v: number): number {
    switch (v) {
      case Control.requestFlow:
        return this.flow;
      case Control.requestBreak:
        return this.breakOn ? Control.breakOn : Control.breakOff;
      case Control.requestDtr:
        return this.dtr ? Control.dtrOn : Control.dtrOff;
      case Control.requestRts:
        return this.rts ? Control.rtsOn : Control.rtsOff;
      case Control.requestInboundFlow:
        return this.inboundFlow;
      case Control.dtrOn:
      case Control.dtrOff: {
        const changed = this.dtr !== (v === Control.dtrOn);
        this.dtr = v === Control.dtrOn;
        // The helper reacts to edges only: clients re-send unchanged lines with every change.
        if (!this.espResetHelper) this.link.hostSignals(this.dtr, undefined);
        else if (changed) this.espLines(v);
        return v;
      }
      case Control.rtsOn:
      case Control.rtsOff: {
        const changed = this.rts !== (v === Control.rtsOn);
        this.rts = v === Control.rtsOn;
        if (!this.espResetHelper) this.link.hostSignals(undefined, this.rts);
        else if (changed) this.espLines(v);
        return v;
      }
      case Control.breakOn:
      case Control.breakOff:
        this.breakOn = v === Control.breakOn;
        return v;
      default:
        if (v >= Control.noInboundFlow && v <= Control.noInboundFlow + 2) this.inboundFlow = v;
        else this.flow = v;
        return v;
    }
  }

  /**
   * esp_rfc2217_server's rules: DTR on starts a download-mode reset played here with local timing
   * (then the client's own trailing edges are ignored until DTR goes off); RTS off outside it is a
   * hard reset; DTR off is passed on.
   */
  private espLines(v: number): void {
    if (v === Control.dtrOff) {
      this.downloadReset = false;
      this.link.hostSignals(false, undefined);
    } else if (v === Control.dtrOn && !this.downloadReset) {
      this.downloadReset = true;
      // esptool's tight reset: IO0 high + EN low for 100 ms, then IO0 low + EN high for 50 ms.
      void this.play([[false, false], [true, true], [false, true], 100, [true, false], 50, [false, false]]);
    } else if (v === Control.rtsOff && !this.downloadReset) {
      void this.play([[false, true], 100, [false, false]]);
    }
  }

  /** Plays `[dtr, rts]` states and waits (ms) in real time; a closed session stops it. */
  private async play(steps: Array<[boolean, boolean] | number>): Promise<void> {
    try {
      for (const step of steps) {
        if (typeof step === 'number') await sleep(step, this.stopped.signal);
        else this.link.hostSignals(step[0], step[1]);
      }
    } catch {
      // Aborted: the client disconnected mid-sequence.
    }
  }

  private resume(): void {
    this.suspended = false;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const bytes of held) this.socket.write(escapeIac(bytes));
  }

  private reply(command: number, value: Uint8Array): void {
    const payload = new Uint8Array(2 + value.length);
    payload[0] = OPT_COM_PORT;
    payload[1] = command + SERVER_OFFSET;
    payload.set(value, 2);
    this.socket.write(subnegotiation(payload));
  }
}
