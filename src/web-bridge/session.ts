import type { WebSocket } from 'ws';
import { toAnyflashError } from '../core/errors.js';
import { deadlineIn } from '../core/time.js';
import type { BridgeNotice, BridgeRequest } from '../transport/bridge.js';
import type { Transport } from '../transport/types.js';

/** How long one read waits before looking at the abort signal again. */
const POLL_MS = 500;

/**
 * One page ↔ port connection: bytes from the port go out as binary messages; the page's bytes and
 * requests are applied strictly in the order they arrived, so a write followed by a modem-line
 * change reaches the device in that order.
 */
export class PortSession {
  private chain: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();

  constructor(
    private readonly ws: WebSocket,
    private readonly transport: Transport,
    private readonly onEnd: () => void,
  ) {}

  start(): void {
    const t = this.transport;
    this.notify({ type: 'open', url: t.url, facts: t.facts, canSignal: t.canSignal, canSetBaud: t.canSetBaud, baud: t.baud });
    t.events = (event) => {
      if (event.type === 'note') this.notify({ type: 'note', message: event.message });
    };
    this.ws.on('message', (data, isBinary) => {
      const bytes = toBytes(data);
      this.chain = this.chain.then(() => (isBinary ? this.write(bytes) : this.request(new TextDecoder().decode(bytes))));
    });
    this.ws.on('close', () => void this.end());
    void this.pump();
  }

  private async pump(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const data = await this.transport.read({ deadline: deadlineIn(POLL_MS), signal });
        if (data.length > 0 && this.ws.readyState === this.ws.OPEN) this.ws.send(data, { binary: true });
      } catch (e) {
        if (signal.aborted) return;
        this.fail(e);
        return;
      }
    }
  }

  private async write(bytes: Uint8Array): Promise<void> {
    try {
      await this.transport.write(bytes);
    } catch (e) {
      this.fail(e);
    }
  }

  private async request(text: string): Promise<void> {
    let req: BridgeRequest;
    try {
      req = JSON.parse(text) as BridgeRequest;
    } catch {
      return;
    }
    try {
      switch (req.op) {
        case 'signals':
          await this.transport.setSignals({ dtr: req.dtr, rts: req.rts });
          break;
        case 'baud':
          await this.transport.setBaud(req.baud);
          break;
        case 'flush':
          await this.transport.flushInput();
          break;
        case 'drain':
          await this.transport.drain();
          break;
      }
      this.notify({ type: 'ack', id: req.id });
    } catch (e) {
      this.notify({ type: 'error', id: req.id, error: toAnyflashError(e, 'port-error').toJSON() as never });
    }
  }

  /** The port failed: tell the page why, then hang up. */
  private fail(e: unknown): void {
    this.notify({ type: 'error', error: toAnyflashError(e, 'port-error').toJSON() as never });
    this.ws.close(1011, 'port failed');
    void this.end();
  }

  private notify(notice: BridgeNotice): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(notice));
  }

  private async end(): Promise<void> {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    await this.chain.catch(() => {});
    await this.transport.close().catch(() => {});
    this.onEnd();
  }
}

function toBytes(data: unknown): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data as Buffer[]));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const b = data as Buffer;
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
