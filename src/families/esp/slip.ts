import { AnyflashError } from '../../core/errors.js';
import { printable, textDecoder } from '../../core/bytes.js';
import { throwIfAborted } from '../../core/time.js';
import type { Transport } from '../../transport/types.js';

/** SLIP framing as the Espressif loader uses it (RFC 1055 with a leading END byte). */
export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

export function slipEncode(payload: Uint8Array): Uint8Array {
  let extra = 0;
  for (const b of payload) if (b === SLIP_END || b === SLIP_ESC) extra++;
  const out = new Uint8Array(payload.length + extra + 2);
  let o = 0;
  out[o++] = SLIP_END;
  for (const b of payload) {
    if (b === SLIP_END) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_END;
    } else if (b === SLIP_ESC) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_ESC;
    } else out[o++] = b;
  }
  out[o] = SLIP_END;
  return out;
}

/**
 * Streaming SLIP decoder: bytes in, whole frames out. Bytes outside a frame are kept as
 * "garbage" (boot logs, app output, noise) because they are the best evidence of what the other
 * side is doing; a bad escape drops the frame and is remembered.
 */
export class SlipDecoder {
  readonly frames: Uint8Array[] = [];
  /** Bytes seen outside any frame since the last `takeGarbage()`. */
  private garbage: number[] = [];
  private current: number[] | null = null;
  private escaping = false;
  /** The last escape error, e.g. `Invalid SLIP escape (0xdb, 0x41).` */
  escapeError: string | null = null;

  push(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (this.current === null) {
        if (b === SLIP_END) this.current = [];
        else this.garbage.push(b);
        continue;
      }
      if (this.escaping) {
        this.escaping = false;
        if (b === SLIP_ESC_END) this.current.push(SLIP_END);
        else if (b === SLIP_ESC_ESC) this.current.push(SLIP_ESC);
        else {
          this.escapeError = `Invalid SLIP escape (0xdb, 0x${b.toString(16).padStart(2, '0')}).`;
          this.current = b === SLIP_END ? [] : null;
        }
        continue;
      }
      if (b === SLIP_END) {
        // An empty frame is a stray END between frames: keep it as the start of the next one.
        if (this.current.length > 0) {
          this.frames.push(Uint8Array.from(this.current));
          this.current = null;
        }
      } else if (b === SLIP_ESC) this.escaping = true;
      else this.current.push(b);
    }
  }

  /** Bytes of a frame that has started but not ended. */
  get partialLength(): number {
    return this.current?.length ?? 0;
  }

  get hasGarbage(): boolean {
    return this.garbage.length > 0;
  }

  takeGarbage(): Uint8Array {
    const g = Uint8Array.from(this.garbage);
    this.garbage = [];
    return g;
  }

  reset(): void {
    this.frames.length = 0;
    this.garbage = [];
    this.current = null;
    this.escaping = false;
    this.escapeError = null;
  }
}

const GURU = /Guru Meditation Error[^\r\n]*|Fatal exception \(\d+\)[^\r\n]*/;

/** Describes non-SLIP bytes the way esptool does, plus a crash message if one is in them. */
/** The error for bytes that arrived outside any frame (see `describeGarbage`). */
export function isStrayBytes(e: unknown): boolean {
  return e instanceof AnyflashError && e.code === 'garbled-reply' && e.message.startsWith('Invalid head of packet');
}

export function describeGarbage(garbage: Uint8Array): string {
  const head = `Invalid head of packet (0x${garbage[0]!.toString(16).padStart(2, '0')}): possible serial noise or corruption.`;
  const crash = GURU.exec(textDecoder.decode(garbage));
  return crash ? `${head} Guru Meditation Error detected (${crash[0].trim()}).` : head;
}

/**
 * A flasher stub only ever sends SLIP frames, and its replies are short: a run of bytes outside any
 * frame while it should be answering is the chip printing a boot log (at its boot baud, so often
 * unreadable at ours) — it reset under us. Failing now spares the reply timeout.
 */
export function chipRebooted(chatter: Uint8Array): AnyflashError {
  return new AnyflashError('device-rebooted', 'The chip reset during the command: it printed text instead of answering.', {
    family: 'esp',
    evidence: [`received: ${printable(chatter, 120)}`],
    advice: ['Check the supply: a weak USB port or a long cable resets the chip under flash load (brown-out).'],
  });
}

/**
 * Reads SLIP frames from a transport. Keeps everything that was not a frame (`evidence`) so the
 * connect loop can tell a booting firmware from silence or an echo.
 */
export class SlipReader {
  readonly decoder = new SlipDecoder();
  /** Every non-SLIP byte seen since the last `clearEvidence()`, capped. */
  private evidence: number[] = [];
  private framesSeen = 0;
  private bytesSeen = 0;
  /** Garbage seen while waiting for the current frame (for the error message). */
  private pendingGarbage: Uint8Array | null = null;

  constructor(readonly transport: Transport) {}

  /** Anything at all received since the reader was created. */
  get receivedAnything(): boolean {
    return this.bytesSeen > 0;
  }

  get garbageEvidence(): Uint8Array {
    return Uint8Array.from(this.evidence);
  }

  clearEvidence(): void {
    this.evidence = [];
  }

  private absorb(bytes: Uint8Array): void {
    this.bytesSeen += bytes.length;
    this.decoder.push(bytes);
    if (this.decoder.hasGarbage) {
      const g = this.decoder.takeGarbage();
      const room = 4096 - this.evidence.length;
      for (let i = 0; i < Math.min(room, g.length); i++) this.evidence.push(g[i]!);
      this.pendingGarbage = g;
    }
  }

  /**
   * The next frame, or an AnyflashError when the deadline passes: `no-response` when nothing was
   * ever received, `garbled-reply` after non-SLIP bytes or a bad escape, `timeout` otherwise.
   */
  async readFrame(deadline: number, signal?: AbortSignal, options: { chatterLimit?: number; garbageGraceMs?: number } = {}): Promise<Uint8Array> {
    this.pendingGarbage = null;
    this.decoder.escapeError = null;
    let chatter: number[] = [];
    for (;;) {
      const frame = this.decoder.frames.shift();
      if (frame) {
        this.framesSeen++;
        return frame;
      }
      throwIfAborted(signal);
      const bytes = await this.transport.read({ deadline, signal });
      if (bytes.length === 0) throw this.timeoutError();
      this.absorb(bytes);
      if (options.chatterLimit && this.pendingGarbage) {
        chatter = chatter.concat(Array.from(this.pendingGarbage));
        this.pendingGarbage = Uint8Array.from(chatter);
        if (chatter.length >= options.chatterLimit) throw chipRebooted(this.pendingGarbage);
      }
      // Bytes outside a frame are a reply whose start marker was damaged (or a boot log, which the
      // chatter limit catches sooner): no intact reply follows, so stop waiting soon.
      if (options.garbageGraceMs !== undefined && this.pendingGarbage) deadline = Math.min(deadline, performance.now() + options.garbageGraceMs);
    }
  }

  /** Discards buffered input on both the port and the decoder. */
  async flush(): Promise<void> {
    await this.transport.flushInput();
    this.decoder.reset();
  }

  /**
   * Reads for up to `maxMs`, returning early after `quietMs` without a byte (`firstMs` before the
   * first one), or as soon as `done` says the bytes so far are complete; returns the raw bytes.
   */
  async readRaw(
    maxMs: number,
    quietMs: number,
    signal?: AbortSignal,
    done?: (received: Uint8Array) => boolean,
    firstMs = quietMs,
  ): Promise<Uint8Array> {
    const end = performance.now() + maxMs;
    const parts: number[] = [];
    for (;;) {
      const deadline = Math.min(end, performance.now() + (parts.length === 0 ? firstMs : quietMs));
      const bytes = await this.transport.read({ deadline, signal });
      if (bytes.length === 0) break;
      this.bytesSeen += bytes.length;
      for (const b of bytes) parts.push(b);
      if (performance.now() >= end || done?.(Uint8Array.from(parts))) break;
    }
    return Uint8Array.from(parts);
  }

  private timeoutError(): AnyflashError {
    const garbage = this.pendingGarbage;
    if (garbage && garbage.length > 0) {
      return new AnyflashError('garbled-reply', describeGarbage(garbage), {
        evidence: [`received: ${printable(garbage, 120)}`],
      });
    }
    if (this.decoder.escapeError) return new AnyflashError('garbled-reply', this.decoder.escapeError);
    const partial = this.decoder.partialLength;
    if (partial > 0) {
      return new AnyflashError('timeout', `Packet content transfer stopped (received ${partial} bytes).`);
    }
    if (this.bytesSeen === 0) return new AnyflashError('no-response', 'No serial data received.');
    return new AnyflashError(
      'timeout',
      this.framesSeen > 0 ? 'Serial data stream stopped: the device did not answer in time.' : 'Timed out waiting for a packet header.',
    );
  }
}
