import { AnyflashError, type ErrorCode } from '../core/errors.js';
import { noEvents, type EventSink } from '../core/events.js';
import { ByteQueue } from './byte-queue.js';
import type { ModemSignals, PortFacts, ReadOptions, Transport } from './types.js';

/**
 * The wire protocol between the page and `anyflash ui`: binary WebSocket messages carry serial
 * bytes both ways; text messages carry JSON requests (answered in order, by id) and notices.
 */
export type BridgeRequest =
  | { op: 'signals'; id: number; dtr?: boolean; rts?: boolean }
  | { op: 'baud'; id: number; baud: number }
  | { op: 'flush'; id: number }
  | { op: 'drain'; id: number };

export interface BridgeErrorJson {
  code: ErrorCode;
  summary: string;
  advice?: string[];
  evidence?: string[];
}

export type BridgeNotice =
  | { type: 'open'; url: string; facts: PortFacts; canSignal: boolean; canSetBaud: boolean; baud: number }
  | { type: 'ack'; id: number }
  | { type: 'error'; id?: number; error: BridgeErrorJson }
  | { type: 'note'; message: string };

/** The subset of the WebSocket API used here (the browser's, or the `ws` package's in Node tests). */
export interface WebSocketLike {
  binaryType: string;
  readyState: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface BridgeOptions {
  /** `ws://127.0.0.1:8787/bridge` (the page derives it from its own address). */
  endpoint: string;
  /** Port to open on the bridge machine: a serial path, rfc2217://…, tcp://… or sim:<chip>. */
  port: string;
  baud?: number;
  token?: string;
  /** Bound on opening and on each request's answer. */
  timeoutMs?: number;
  createSocket?: (url: string) => WebSocketLike;
}

const OPEN = 1;

export function errorFromJson(json: BridgeErrorJson): AnyflashError {
  return new AnyflashError(json.code, json.summary, { advice: json.advice, evidence: json.evidence });
}

/**
 * A port on the machine running `anyflash ui`, reached over a WebSocket. Serial bytes and modem
 * line/baud requests keep their order because one socket carries both.
 */
export class BridgeTransport implements Transport {
  readonly kind = 'bridge' as const;
  readonly url: string;
  events: EventSink = noEvents;
  private remote: Extract<BridgeNotice, { type: 'open' }> | null = null;
  private socket: WebSocketLike | null = null;
  private queue = new ByteQueue();
  private nextId = 1;
  private waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private currentBaud: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: BridgeOptions) {
    this.url = `bridge:${options.port}`;
    this.currentBaud = options.baud ?? 115200;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  get facts(): PortFacts {
    return this.remote?.facts ?? {};
  }

  get canSignal(): boolean {
    return this.remote?.canSignal ?? false;
  }

  get canSetBaud(): boolean {
    return this.remote?.canSetBaud ?? false;
  }

  get baud(): number {
    return this.currentBaud;
  }

  async open(): Promise<void> {
    this.queue.reset();
    // Every open starts at the opening rate, like a fresh OS handle.
    const params = new URLSearchParams({ port: this.options.port, baud: String(this.options.baud ?? 115200) });
    if (this.options.token) params.set('token', this.options.token);
    const url = `${this.options.endpoint}?${params}`;
    const create = this.options.createSocket ?? ((u: string) => new WebSocket(u) as unknown as WebSocketLike);
    const socket = create(url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.remote = await new Promise<Extract<BridgeNotice, { type: 'open' }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new AnyflashError('timeout', `The bridge did not open ${this.options.port} in time.`, { advice: ['Check that `anyflash ui` is still running.'] }));
      }, this.timeoutMs);
      socket.onmessage = (ev) => {
        if (typeof ev.data !== 'string') return;
        const notice = JSON.parse(ev.data) as BridgeNotice;
        clearTimeout(timer);
        if (notice.type === 'open') resolve(notice);
        else if (notice.type === 'error') reject(errorFromJson(notice.error));
      };
      socket.onclose = (ev) => {
        clearTimeout(timer);
        reject(new AnyflashError('port-error', `The bridge refused ${this.options.port}${ev.reason ? `: ${ev.reason}` : ''}.`, {
          advice: ['Reload the page from the address `anyflash ui` printed (it carries the access token).'],
        }));
      };
      socket.onerror = () => {};
    });
    this.currentBaud = this.remote.baud;
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onclose = (ev) => this.dropped(ev.reason);
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.onclose = null;
    socket.onmessage = null;
    socket.close(1000, 'closed');
    this.failAll(new AnyflashError('port-error', `Port ${this.url} was closed.`));
  }

  async write(data: Uint8Array): Promise<void> {
    this.check().send(data);
  }

  read(options: ReadOptions): Promise<Uint8Array> {
    this.check();
    return this.queue.read(options.deadline, options.signal);
  }

  async flushInput(): Promise<void> {
    await this.request({ op: 'flush', id: 0 });
    this.queue.clear();
  }

  async drain(): Promise<void> {
    await this.request({ op: 'drain', id: 0 });
  }

  async setSignals(signals: ModemSignals): Promise<void> {
    await this.request({ op: 'signals', id: 0, dtr: signals.dtr, rts: signals.rts });
  }

  async setBaud(baud: number): Promise<void> {
    await this.request({ op: 'baud', id: 0, baud });
    this.currentBaud = baud;
  }

  private request(req: BridgeRequest): Promise<void> {
    const socket = this.check();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new AnyflashError('timeout', `The bridge did not answer a ${req.op} request in time.`, { advice: ['Check that `anyflash ui` is still running.'] }));
      }, this.timeoutMs);
      this.waiting.set(id, {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      socket.send(JSON.stringify({ ...req, id }));
    });
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') {
      this.queue.push(new Uint8Array(data as ArrayBuffer));
      return;
    }
    const notice = JSON.parse(data) as BridgeNotice;
    if (notice.type === 'ack') this.settle(notice.id);
    else if (notice.type === 'error') {
      const error = errorFromJson(notice.error);
      if (notice.id !== undefined) this.settle(notice.id, error);
      else this.queue.fail(error);
    } else if (notice.type === 'note') this.events({ type: 'note', level: 'info', message: notice.message });
  }

  private settle(id: number, error?: Error): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    if (error) w.reject(error);
    else w.resolve();
  }

  private dropped(reason: string): void {
    this.socket = null;
    const error = new AnyflashError('port-vanished', `The bridge connection for ${this.options.port} closed${reason ? `: ${reason}` : ''}.`, {
      advice: ['Check that `anyflash ui` is still running and the board is plugged in, then connect again.'],
    });
    this.queue.fail(error);
    this.failAll(error);
  }

  private failAll(error: Error): void {
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }

  private check(): WebSocketLike {
    if (!this.socket || this.socket.readyState !== OPEN) {
      throw new AnyflashError('port-error', `Port ${this.url} is not open.`);
    }
    return this.socket;
  }
}
