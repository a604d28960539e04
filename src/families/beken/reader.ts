/**
 * Finds reply frames in the byte stream from the chip. Stray bytes (boot log, leftover LinkCheck
 * replies from the connect spam, line noise) are skipped by resynchronising on `04 0E`, and a frame
 * whose code is not the expected one is consumed and ignored.
 */
import { concatBytes } from '../../core/bytes.js';
import type { FrameForm } from './frames.js';
import { MAX_LONG_LEN } from './frames.js';

export interface ParsedFrame {
  form: FrameForm;
  code: number;
  /** Long frames: status byte first, then data. */
  payload: Uint8Array;
}

/** Result of scanning the buffer: a frame, or how many leading bytes may be dropped. */
type Scan = { frame: ParsedFrame; at: number; used: number } | { need: true; drop: number };

const HEAD = [0x01, 0xe0, 0xfc];

export class FrameReader {
  private buf: Uint8Array = new Uint8Array(0);
  /** Bytes skipped while hunting frames, kept (bounded) as evidence for diagnosis. */
  stray: number[] = [];
  /** Frames of another code that were skipped (e.g. late LinkCheck replies). */
  skippedFrames = 0;

  push(data: Uint8Array): void {
    this.buf = this.buf.length === 0 ? data : concatBytes([this.buf, data]);
  }

  clear(): void {
    this.buf = new Uint8Array(0);
  }

  get buffered(): number {
    return this.buf.length;
  }

  /** Returns the next frame with the expected form and code, or null when more bytes are needed. */
  next(form: FrameForm, code: number): ParsedFrame | null {
    for (;;) {
      const scan = this.scan(form);
      if ('need' in scan) {
        this.drop(scan.drop);
        return null;
      }
      this.drop(scan.at);
      this.buf = this.buf.subarray(scan.used - scan.at);
      if (scan.frame.code === code) return scan.frame;
      this.skippedFrames++;
    }
  }

  private drop(n: number): void {
    if (n <= 0) return;
    for (const b of this.buf.subarray(0, n)) {
      if (this.stray.length < 512) this.stray.push(b);
    }
    this.buf = this.buf.subarray(n);
  }

  private scan(form: FrameForm): Scan {
    const b = this.buf;
    for (let i = 0; i < b.length; i++) {
      if (b[i] !== 0x04) continue;
      if (i + 1 >= b.length) return { need: true, drop: i };
      if (b[i + 1] !== 0x0e) continue;
      if (i + 3 > b.length) return { need: true, drop: i };
      const len = b[i + 2]!;
      if (form === 'long') {
        if (len !== 0xff) continue;
        const head = i + 3;
        if (head + 6 > b.length) {
          if (!prefixMatches(b, head, [...HEAD, 0xf4])) continue;
          return { need: true, drop: i };
        }
        if (!prefixMatches(b, head, [...HEAD, 0xf4])) continue;
        const len16 = b[head + 4]! | (b[head + 5]! << 8);
        if (len16 < 2 || len16 >= MAX_LONG_LEN) continue;
        const end = head + 6 + len16;
        if (end > b.length) return { need: true, drop: i };
        return {
          frame: { form, code: b[head + 6]!, payload: b.slice(head + 7, end) },
          at: i,
          used: end,
        };
      }
      if (len === 0xff || len < 4) continue;
      const head = i + 3;
      if (head + 3 > b.length) {
        if (!prefixMatches(b, head, HEAD)) continue;
        return { need: true, drop: i };
      }
      if (!prefixMatches(b, head, HEAD)) continue;
      const end = head + len;
      if (end > b.length) return { need: true, drop: i };
      return { frame: { form, code: b[head + 3]!, payload: b.slice(head + 4, end) }, at: i, used: end };
    }
    // Keep a trailing 0x04: it may start the next frame.
    const keep = b.length > 0 && b[b.length - 1] === 0x04 ? 1 : 0;
    return { need: true, drop: b.length - keep };
  }
}

/** True when the bytes present at `at` match the start of `pattern` (absent bytes count as matching). */
function prefixMatches(b: Uint8Array, at: number, pattern: readonly number[]): boolean {
  for (let k = 0; k < pattern.length && at + k < b.length; k++) if (b[at + k] !== pattern[k]) return false;
  return true;
}
