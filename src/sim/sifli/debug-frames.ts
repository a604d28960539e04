import {
  ENTER_PAYLOAD,
  EXIT_PAYLOAD,
  FRAME_START,
  headerSize,
  MEM_READ,
  MEM_WRITE,
  REPLY_END,
  encodeFrame,
  type FrameLayout,
} from '../../families/sifli/frames.js';

export type DebugRequest =
  | { kind: 'enter' }
  | { kind: 'exit' }
  | { kind: 'read'; address: number; count: number }
  | { kind: 'write'; address: number; data: Uint8Array }
  | { kind: 'unknown' };

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length >= b.length && b.every((x, i) => a[i] === x);

/**
 * The chip side of the debug-IP framing. MEMWrite is parsed by its word count, not the u16 length
 * field, because sftool's 64 KiB writes wrap that field and real chips accept them.
 */
export class DebugFrameParser {
  private buf = new Uint8Array(0);

  constructor(private readonly layout: FrameLayout) {}

  push(bytes: Uint8Array): DebugRequest[] {
    const merged = new Uint8Array(this.buf.length + bytes.length);
    merged.set(this.buf);
    merged.set(bytes, this.buf.length);
    const out: DebugRequest[] = [];
    const hs = headerSize(this.layout);
    const le = this.layout === 'le';
    let i = 0;
    for (;;) {
      while (i + 1 < merged.length && !(merged[i] === FRAME_START[0] && merged[i + 1] === FRAME_START[1])) i++;
      if (i + 1 >= merged.length) {
        if (i < merged.length && merged[i] !== FRAME_START[0]) i = merged.length;
        break;
      }
      if (merged.length - i < hs + 2) break;
      const view = new DataView(merged.buffer, merged.byteOffset + i, merged.length - i);
      const len = view.getUint16(2, le);
      const payloadStart = hs;
      const head = merged.subarray(i + payloadStart, i + payloadStart + 2);
      let total: number;
      if (same(head, MEM_WRITE)) {
        if (merged.length - i < hs + 8) break;
        total = 8 + view.getUint16(hs + 6, le) * 4;
      } else if (same(head, MEM_READ)) total = 8;
      else total = len;
      if (merged.length - i < hs + total) break;
      const p = merged.subarray(i + hs, i + hs + total);
      const pv = new DataView(p.buffer, p.byteOffset, p.byteLength);
      if (same(p, ENTER_PAYLOAD) && total === ENTER_PAYLOAD.length) out.push({ kind: 'enter' });
      else if (same(p, EXIT_PAYLOAD) && total === EXIT_PAYLOAD.length) out.push({ kind: 'exit' });
      else if (same(p, MEM_READ)) out.push({ kind: 'read', address: pv.getUint32(2, le), count: pv.getUint16(6, le) });
      else if (same(p, MEM_WRITE)) {
        const count = pv.getUint16(6, le);
        const data = new Uint8Array(count * 4);
        const dv = new DataView(data.buffer);
        for (let w = 0; w < count; w++) dv.setUint32(w * 4, pv.getUint32(8 + w * 4, le), true);
        out.push({ kind: 'write', address: pv.getUint32(2, le), data });
      } else out.push({ kind: 'unknown' });
      i += hs + total;
    }
    this.buf = merged.slice(i);
    return out;
  }

  reset(): void {
    this.buf = new Uint8Array(0);
  }
}

/** A reply frame: kind byte, data (words in the layout's order), trailing 0x06. */
export function replyFrame(layout: FrameLayout, kind: number, words: readonly number[] = []): Uint8Array {
  const p = new Uint8Array(2 + words.length * 4);
  const v = new DataView(p.buffer);
  p[0] = kind;
  words.forEach((w, i) => v.setUint32(1 + i * 4, w >>> 0, layout === 'le'));
  p[p.length - 1] = REPLY_END;
  return encodeFrame(layout, p);
}
