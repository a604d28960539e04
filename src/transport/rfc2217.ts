import type { Socket } from 'node:net';
import { AnyflashError } from '../core/errors.js';
import { noEvents, type EventSink } from '../core/events.js';
import { sleep } from '../core/time.js';
import { ByteQueue } from './byte-queue.js';
import {
  Control, Cpo, Parity, Purge, SERVER_OFFSET, Stopsize, readU32be, u32be,
} from './rfc2217-protocol.js';
import {
  closeSocket, connectSocket, connectionLost, plainBytes, writeAll, type Endpoint,
} from './tcp.js';
import {
  DO, DONT, OPT_BINARY, OPT_COM_PORT, OPT_ECHO, OPT_SGA, TelnetParser, WILL, WONT,
  escapeIac, negotiation, subnegotiation, type Verb,
} from './telnet.js';
import type { ModemSignals, PortFacts, ReadOptions, Transport } from './types.js';

export interface Rfc2217Options {
  baud?: number;
  connectTimeoutMs?: number;
  /** Bound on every wait for a server acknowledgement. */
  replyTimeoutMs?: number;
}

/** Options we perform ourselves, and options we let the server perform. */
const OURS = new Set([OPT_BINARY, OPT_SGA, OPT_COM_PORT]);
const THEIRS = new Set([OPT_BINARY, OPT_SGA, OPT_COM_PORT, OPT_ECHO]);

/** Longest time a write waits while the server has asked us to pause (FLOWCONTROL-SUSPEND). */
const SUSPEND_LIMIT_MS = 10_000;

interface Waiter {
  command: number;
  resolve(value: Uint8Array | null): void;
}

/**
 * A serial port on another machine through an RFC 2217 server (`rfc2217://host:port`, as ser2net
 * and remote labs offer): Telnet with the COM-PORT-OPTION carries baud and DTR/RTS changes.
 */
export class Rfc2217Transport implements Transport {
  readonly kind = 'rfc2217' as const;
  readonly canSignal = true;
  readonly canSetBaud = true;
  readonly facts: PortFacts;
  events: EventSink = noEvents;
  private socket: Socket | null = null;
  private readonly queue = new ByteQueue();
  private readonly parser: TelnetParser;
  private currentBaud: number;
  private readonly replyMs: number;
  private ours = new Set<number>();
  private theirs = new Set<number>();
  private comPort: 'pending' | 'accepted' | 'refused' = 'pending';
  private negotiationWake: (() => void) | null = null;
  private waiters: Waiter[] = [];
  /** Commands the server never acknowledged; we stop waiting for them (as for sredird-like servers). */
  private unanswered = new Set<number>();
  private suspended = false;
  private isLost = false;

  constructor(
    readonly endpoint: Endpoint,
    readonly url: string,
    private readonly options: Rfc2217Options = {},
  ) {
    this.currentBaud = options.baud ?? 115200;
    this.replyMs = options.replyTimeoutMs ?? 3000;
    this.facts = { path: url };
    this.parser = new TelnetParser({
      data: (bytes) => this.queue.push(bytes),
      negotiate: (verb, option) => this.onNegotiate(verb, option),
      subnegotiation: (payload) => this.onSubnegotiation(payload),
    });
  }

  get baud(): number {
    return this.currentBaud;
  }

  async open(): Promise<void> {
    if (this.socket) return;
    this.queue.reset();
    this.isLost = false;
    this.comPort = 'pending';
    this.ours = new Set(OURS);
    this.theirs = new Set([OPT_BINARY, OPT_SGA]);
    this.unanswered.clear();
    const socket = await connectSocket(this.endpoint, this.url, this.options.connectTimeoutMs ?? 5000);
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.parser.feed(plainBytes(chunk)));
    socket.on('error', (e) => this.lost(socket, e));
    socket.on('close', () => this.lost(socket));
    try {
      this.send(
        negotiation(WILL, OPT_BINARY), negotiation(DO, OPT_BINARY),
        negotiation(WILL, OPT_SGA), negotiation(DO, OPT_SGA),
        negotiation(WILL, OPT_COM_PORT),
      );
      await this.awaitComPort();
      await this.configure();
      await this.setSignals({ dtr: true, rts: true });
    } catch (e) {
      this.socket = null;
      this.finishWaiters();
      socket.destroy();
      throw e;
    }
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    this.finishWaiters();
    await closeSocket(socket);
  }

  async write(data: Uint8Array): Promise<void> {
    const socket = this.live();
    if (this.suspended) await this.awaitResume();
    try {
      await writeAll(socket, escapeIac(data));
    } catch (e) {
      throw connectionLost(this.url, e);
    }
  }

  read(options: ReadOptions): Promise<Uint8Array> {
    if (!this.socket) return Promise.reject(new AnyflashError('port-error', `Port ${this.url} is not open.`));
    return this.queue.read(options.deadline, options.signal);
  }

  /** Asks the server to drop what it holds from the device, then drops everything that came before its answer. */
  async flushInput(): Promise<void> {
    this.live();
    await this.request(Cpo.purgeData, Uint8Array.of(Purge.receive));
    this.queue.clear();
  }

  async drain(): Promise<void> {}

  /**
   * Sends the DTR and RTS changes back to back and only then waits for both answers: a reset
   * circuit sees the two edges microseconds apart, not a network round trip apart (an ESP32's EN
   * rises within ~10 ms, so a waiting gap between the edges boots the firmware instead).
   */
  async setSignals(signals: ModemSignals): Promise<void> {
    this.live();
    const values: number[] = [];
    if (signals.dtr !== undefined) values.push(signals.dtr ? Control.dtrOn : Control.dtrOff);
    if (signals.rts !== undefined) values.push(signals.rts ? Control.rtsOn : Control.rtsOff);
    await this.requestAll(Cpo.setControl, values.map((v) => Uint8Array.of(v)));
  }

  async setBaud(baud: number): Promise<void> {
    this.live();
    await this.applyBaud(baud);
  }

  private async applyBaud(baud: number): Promise<void> {
    const reply = this.expect(Cpo.setBaudrate, this.replyMs);
    this.sendCommand(Cpo.setBaudrate, u32be(baud));
    const value = await reply;
    if (this.isLost) throw connectionLost(this.url);
    if (!value || value.length < 4) {
      throw new AnyflashError('port-error', `${this.url} did not confirm the change to ${baud} baud.`, {
        advice: ['Check that the server really speaks RFC 2217 (ser2net: an `rfc2217` accepter or `telnet(rfc2217)`).'],
      });
    }
    const granted = readU32be(value, 0);
    if (granted !== baud) {
      throw new AnyflashError('port-error', `${this.url} set ${granted} baud instead of ${baud}.`, {
        advice: [`The server's serial port does not support ${baud} baud; choose a standard rate such as 115200 or 460800.`],
        evidence: [`server answered SET-BAUDRATE with ${granted}`],
      });
    }
    this.currentBaud = baud;
  }

  /** Line settings esptool and pyserial also send: baud, 8 data bits, no parity, 1 stop bit, no flow control. */
  private async configure(): Promise<void> {
    const replies = [
      this.expect(Cpo.setDatasize, this.replyMs),
      this.expect(Cpo.setParity, this.replyMs),
      this.expect(Cpo.setStopsize, this.replyMs),
    ];
    const baud = this.applyBaud(this.currentBaud);
    this.sendCommand(Cpo.setDatasize, Uint8Array.of(8));
    this.sendCommand(Cpo.setParity, Uint8Array.of(Parity.none));
    this.sendCommand(Cpo.setStopsize, Uint8Array.of(Stopsize.one));
    await baud;
    await Promise.all(replies);
    await this.request(Cpo.setControl, Uint8Array.of(Control.noFlow));
  }

  /** Sends a command and waits (bounded) for its acknowledgement, unless this server never gives one. */
  private request(command: number, value: Uint8Array): Promise<void> {
    return this.requestAll(command, [value]);
  }

  /** Sends several values of one command at once, then waits (bounded) for all acknowledgements. */
  private async requestAll(command: number, values: Uint8Array[]): Promise<void> {
    if (values.length === 0) return;
    const waiting = !this.unanswered.has(command);
    const replies = waiting ? values.map(() => this.expect(command, this.replyMs)) : [];
    for (const value of values) this.sendCommand(command, value);
    if (!waiting) return;
    const answers = await Promise.all(replies);
    if (this.isLost) throw connectionLost(this.url);
    if (answers.every((a) => a !== null)) return;
    this.unanswered.add(command);
    this.events({
      type: 'note',
      level: 'warn',
      code: 'rfc2217-no-ack',
      message: `${this.url} does not acknowledge ${command === Cpo.purgeData ? 'PURGE-DATA' : 'SET-CONTROL'}; continuing without waiting for it.`,
    });
  }

  private awaitComPort(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(settle, this.replyMs);
      this.negotiationWake = settle;
      const self = this;
      function settle(): void {
        clearTimeout(timer);
        self.negotiationWake = null;
        if (self.isLost) {
          reject(new AnyflashError('port-busy', `${self.url} closed the connection during Telnet negotiation.`, {
            advice: ['The server probably serves one client at a time and another one is connected; close it and retry.'],
          }));
        } else if (self.comPort === 'accepted') {
          resolve();
        } else if (self.comPort === 'refused') {
          reject(new AnyflashError('unsupported', `${self.url} refuses the RFC 2217 COM-PORT-OPTION.`, {
            advice: ['Use tcp:// for a raw TCP bridge (no reset, no baud change), or enable RFC 2217 on the server.'],
          }));
        } else {
          reject(new AnyflashError('port-error', `${self.url} did not negotiate RFC 2217 within ${self.replyMs} ms.`, {
            advice: ['If the server is a raw TCP bridge, use tcp://host:port instead.'],
          }));
        }
      }
    });
  }

  private onNegotiate(verb: Verb, option: number): void {
    if (verb === DO || verb === DONT) {
      if (option === OPT_COM_PORT) {
        this.comPort = verb === DO ? 'accepted' : 'refused';
        this.negotiationWake?.();
      }
      if (verb === DO && !this.ours.has(option)) {
        if (OURS.has(option)) {
          this.ours.add(option);
          this.send(negotiation(WILL, option));
        } else {
          this.send(negotiation(WONT, option));
        }
      } else if (verb === DONT && this.ours.delete(option)) {
        this.send(negotiation(WONT, option));
      }
      return;
    }
    if (verb === WILL && !this.theirs.has(option)) {
      if (THEIRS.has(option)) {
        this.theirs.add(option);
        this.send(negotiation(DO, option));
      } else {
        this.send(negotiation(DONT, option));
      }
    } else if (verb === WONT && this.theirs.delete(option)) {
      this.send(negotiation(DONT, option));
    }
  }

  private onSubnegotiation(payload: Uint8Array): void {
    if (payload[0] !== OPT_COM_PORT || payload.length < 2) return;
    const code = payload[1]!;
    if (code === Cpo.flowcontrolSuspend + SERVER_OFFSET) {
      this.suspended = true;
      return;
    }
    if (code === Cpo.flowcontrolResume + SERVER_OFFSET) {
      this.suspended = false;
      return;
    }
    const index = this.waiters.findIndex((w) => w.command + SERVER_OFFSET === code);
    if (index < 0) return;
    const [waiter] = this.waiters.splice(index, 1);
    waiter!.resolve(payload.subarray(2));
  }

  /** Resolves with the server's value for `command`, or null after `ms` or when the connection ends. */
  private expect(command: number, ms: number): Promise<Uint8Array | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(null);
      }, ms);
      const waiter: Waiter = {
        command,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private finishWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(null);
  }

  private async awaitResume(): Promise<void> {
    const until = performance.now() + SUSPEND_LIMIT_MS;
    while (this.suspended && !this.isLost) {
      if (performance.now() > until) {
        throw new AnyflashError('port-write-timeout', `${this.url} kept the data flow suspended for ${SUSPEND_LIMIT_MS / 1000} s.`, {
          advice: ['The server cannot pass data to its serial port; check the remote port and its flow control settings.'],
        });
      }
      await sleep(5);
    }
  }

  private sendCommand(command: number, value: Uint8Array): void {
    const payload = new Uint8Array(2 + value.length);
    payload[0] = OPT_COM_PORT;
    payload[1] = command;
    payload.set(value, 2);
    this.send(subnegotiation(payload));
  }

  private send(...frames: Uint8Array[]): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    for (const frame of frames) socket.write(frame);
  }

  private live(): Socket {
    if (!this.socket) throw new AnyflashError('port-error', `Port ${this.url} is not open.`);
    if (this.isLost || this.socket.destroyed) throw connectionLost(this.url);
    return this.socket;
  }

  private lost(socket: Socket, cause?: unknown): void {
    if (socket !== this.socket || this.isLost) return;
    this.isLost = true;
    this.queue.fail(connectionLost(this.url, cause));
    this.finishWaiters();
    this.negotiationWake?.();
  }
}
