/**
 * Stop-and-wait command exchange with a Beken loader: send one request, wait for its reply (the
 * chip discards whatever arrives while it works), check the echo and the status.
 */
import { AnyflashError } from '../../core/errors.js';
import { bytesEqual, printable, readU32le } from '../../core/bytes.js';
import type { EventSink } from '../../core/events.js';
import { throwIfAborted } from '../../core/time.js';
import type { Transport } from '../../transport/types.js';
import * as cmd from './commands.js';
import type { Request } from './commands.js';
import { statusName } from './frames.js';
import { FrameReader } from './reader.js';

/** Default time the chip may take beyond the bytes' wire time (reference: tools use 1 s). */
export const COMMAND_TIMEOUT_MS = 1000;

export interface ExchangeOptions {
  /** Extra time the command needs on the chip (erase, CRC). */
  workMs?: number;
  /** Expected reply size in bytes, to add its wire time. */
  replyBytes?: number;
  signal?: AbortSignal;
}

export class BekenSession {
  readonly reader = new FrameReader();
  /** Request/reply exchanges so far (round trips), for summaries and benchmarks. */
  roundTrips = 0;
  /** Time the chip may take beyond the wire time and the command's work; shortened on a line that damages frames. */
  patienceMs = COMMAND_TIMEOUT_MS;
  /** The last echo that did not match its request: where a damaged request may have acted. */
  lastEcho: { request: string; echo: Uint8Array } | undefined;

  constructor(
    readonly transport: Transport,
    readonly events: EventSink,
  ) {}

  /** Time for `n` bytes on the wire at the current baud, in ms. */
  wireMs(n: number): number {
    return (n * 10 * 1000) / this.transport.baud;
  }

  /** Sends a request without waiting (LinkCheck spam, Reboot, SetBaudRate). */
  async send(request: Request): Promise<void> {
    this.reader.clear();
    await this.transport.write(request.bytes);
  }

  /**
   * Sends `request` and returns the reply payload (status first on long frames). Throws `timeout`,
   * `garbled-reply` (echo mismatch) or `device-error` (non-zero status).
   */
  async exchange(request: Request, options: ExchangeOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    const reply = request.reply;
    if (!reply) throw new AnyflashError('internal', `${request.name} has no reply.`);
    this.lastEcho = undefined;
    await this.dropReceived();
    await this.send(request);
    this.roundTrips++;
    const timeout =
      this.patienceMs + (options.workMs ?? 0) + this.wireMs(request.bytes.length + (options.replyBytes ?? 16)) * 1.5;
    const payload = await this.await(reply.form, reply.code, timeout, request.name, options.signal);
    if (reply.form === 'long' && payload.length > 0 && payload[0] !== 0) {
      throw new AnyflashError('device-error', `${request.name} failed: the chip answered ${statusName(payload[0]!)} (${payload[0]}).`, {
        evidence: [`reply payload ${printable(payload, 16)}`],
        advice: statusAdvice(payload[0]!),
      });
    }
    if (request.echo && !(reply.form === 'long' && payload[0] !== 0)) {
      const [from, to] = request.echo;
      const got = payload.subarray(from, to);
      const want = request.payload.subarray(0, to - from);
      if (!bytesEqual(got, want)) {
        this.lastEcho = { request: request.name, echo: got.slice() };
        throw new AnyflashError('garbled-reply', `${request.name}: the reply does not echo the request.`, {
          evidence: [`expected ${printable(want)}, got ${printable(got)}`],
          advice: ['Lower the baud rate or shorten the wires; check the supply.'],
        });
      }
    }
    return payload;
  }

  /**
   * Drops what arrived before this request (a late or stray reply). Only the bytes already here:
   * a port-side purge (RFC 2217 PURGE_DATA, the web bridge's flush) costs a network round trip,
   * paid on every 4 KiB of a read or write; later strays fail the reply's echo check instead.
   */
  private async dropReceived(): Promise<void> {
    for (let i = 0; i < 64 && (await this.transport.read({ deadline: 0 })).length > 0; i++);
  }

  /** Waits for a reply frame with the given form and code. */
  async await(form: 'short' | 'long', code: number, timeoutMs: number, what: string, signal?: AbortSignal): Promise<Uint8Array> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const frame = this.reader.next(form, code);
      if (frame) return frame.payload;
      const data = await this.transport.read({ deadline, signal });
      if (data.length === 0) {
        const seen = this.reader.stray.length ? printable(Uint8Array.from(this.reader.stray), 80) : '';
        throw new AnyflashError('timeout', `No reply to ${what} within ${Math.round(timeoutMs)} ms.`, {
          evidence: seen ? [`bytes seen: ${seen}`] : ['nothing received'],
          advice: [
            'A reply missing after a good link usually means a weak or unstable 3.3 V supply, or a loose wire.',
            'Power the chip from a separate 3.3 V regulator and keep the wires short.',
          ],
        });
      }
      this.reader.push(data);
    }
  }

  /** Reads and throws away bytes until the line has been quiet for `quietMs` (bounded by `maxMs`). */
  async drain(quietMs: number, maxMs: number, signal?: AbortSignal): Promise<number> {
    const end = performance.now() + maxMs;
    let dropped = 0;
    for (;;) {
      const deadline = Math.min(end, performance.now() + quietMs);
      const data = await this.transport.read({ deadline, signal });
      if (data.length === 0) break;
      dropped += data.length;
      if (performance.now() >= end) break;
    }
    this.reader.clear();
    return dropped;
  }

  // — Commands —

  async linkCheck(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    await this.send(cmd.linkCheck());
    try {
      const p = await this.await('short', 0x01, timeoutMs, 'LinkCheck', signal);
      return p.length === 1 && p[0] === 0;
    } catch (e) {
      if (e instanceof AnyflashError && e.code === 'timeout') return false;
      throw e;
    }
  }

  async readReg(address: number, signal?: AbortSignal): Promise<number> {
    const p = await this.exchange(cmd.readReg(address), { signal });
    if (p.length < 8) throw this.short('ReadReg', p);
    return readU32le(p, 4);
  }

  async writeReg(address: number, value: number, signal?: AbortSignal): Promise<void> {
    await this.exchange(cmd.writeReg(address, value), { signal });
  }

  /** Raw CRC register over [start, end] / [start, end) as the loader defines `end`. */
  async checkCrc(start: number, end: number, workMs: number, signal?: AbortSignal): Promise<number> {
    const p = await this.exchange(cmd.checkCrc(start, end), { workMs, signal });
    if (p.length < 4) throw this.short('CheckCRC', p);
    return readU32le(p, 0);
  }

  /** The boot version string, or undefined when the loader does not know the command. */
  async readBootVersion(signal?: AbortSignal): Promise<string | undefined> {
    const p = await this.exchange(cmd.readBootVersion(), { signal });
    if (p.length <= 1) return undefined;
    return String.fromCharCode(...p).replace(/\0+$/, '');
  }

  async flashRead4K(address: number, signal?: AbortSignal): Promise<Uint8Array> {
    const p = await this.exchange(cmd.flashRead4K(address), { replyBytes: 4111, signal });
    if (p.length !== 5 + 4096) throw this.short('FlashRead4K', p, address);
    return p.subarray(5);
  }

  /** One flash page (at most 256 bytes). */
  async flashWrite(address: number, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.exchange(cmd.flashWrite(address, data), { workMs: 5, signal });
  }

  async flashWrite4K(address: number, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.exchange(cmd.flashWrite4K(address, data), { workMs: 20, signal });
  }

  async flashErase(sizeCode: number, address: number, workMs: number, signal?: AbortSignal): Promise<void> {
    await this.exchange(cmd.flashErase(sizeCode, address), { workMs, signal });
  }

  async flashEraseAll(workMs: number, signal?: AbortSignal): Promise<void> {
    await this.exchange(cmd.flashEraseAll(), { workMs, signal });
  }

  async flashReadSR(register: number, signal?: AbortSignal): Promise<number> {
    const p = await this.exchange(cmd.flashReadSR(register), { signal });
    if (p.length < 3) throw this.short('FlashReadSR', p);
    return p[2]!;
  }

  async flashWriteSR(values: readonly number[], signal?: AbortSignal): Promise<void> {
    await this.exchange(cmd.flashWriteSR(values), { workMs: 100, signal });
  }

  /** JEDEC id as MID<<16 | TYPE<<8 | CAP. */
  async flashGetMID(signal?: AbortSignal): Promise<number> {
    const p = await this.exchange(cmd.flashGetMID(), { signal });
    // Status, then `00 MID TYPE CAP` (LEN16 = 6); the tools also accept LEN16 = 5 without the 00.
    const id = p.length >= 4 ? p.subarray(p.length - 3) : undefined;
    if (!id) throw this.short('FlashGetMID', p);
    return (id[0]! << 16) | (id[1]! << 8) | id[2]!;
  }

  async reboot(): Promise<void> {
    await this.send(cmd.reboot());
  }

  private short(what: string, payload: Uint8Array, address?: number): AnyflashError {
    return new AnyflashError('garbled-reply', `${what}: the reply is too short (${payload.length} bytes).`, {
      address,
      evidence: [printable(payload, 32)],
      advice: ['Lower the baud rate or shorten the wires; check the supply.'],
    });
  }
}

function statusAdvice(status: number): string[] {
  if (status === 6 || status === 10) {
    return ['The loader refused the address: flash bootloaders protect 0x0–0x11000 (use the address wrap or --bootloader).'];
  }
  if (status === 7) return ['This loader does not know the command (a BASIC flash bootloader supports only a few).'];
  if (status === 3) return ['The flash status register did not take the value; the flash may be protected by hardware (WP pin).'];
  return ['Retry; if it persists, lower the baud rate and check the supply.'];
}

