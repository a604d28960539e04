/**
 * Frames of the SF32 UART debug IP (DBG_UART). Two layouts: 52/57 use a 6-byte header with a
 * little-endian length and little-endian payload integers; the 56 uses a 12-byte header with a
 * big-endian length, a timestamp and reserved bytes, and big-endian payload integers.
 */
export type FrameLayout = 'le' | 'be';

export const FRAME_START = [0x7e, 0x79] as const;
export const CHANNEL = 0x10;
/** "CRC" byte of the header: always 0, never checked by either side. */
export const HEADER_CRC = 0x00;

export const ENTER_PAYLOAD = Uint8Array.of(0x41, 0x54, 0x53, 0x46, 0x33, 0x32, 0x05, 0x21); // "ATSF32\x05!"
export const EXIT_PAYLOAD = Uint8Array.of(0x41, 0x54, 0x53, 0x46, 0x33, 0x32, 0x18, 0x21); // "ATSF32\x18!"
export const MEM_READ = Uint8Array.of(0x40, 0x72); // "@r"
export const MEM_WRITE = Uint8Array.of(0x40, 0x77); // "@w"

export const REPLY_EXIT = 0xd0;
export const REPLY_ENTER = 0xd1;
export const REPLY_MEM_READ = 0xd2;
export const REPLY_MEM_WRITE = 0xd3;
/** Last payload byte of every reply (probe-rs and old sftool require it). */
export const REPLY_END = 0x06;

export const headerSize = (layout: FrameLayout): number => (layout === 'le' ? 6 : 12);

/** Wraps a payload. The length field is u16: a longer payload wraps it, as sftool's 64 KiB writes do. */
export function encodeFrame(layout: FrameLayout, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(headerSize(layout) + payload.length);
  const len = payload.length & 0xffff;
  out[0] = FRAME_START[0];
  out[1] = FRAME_START[1];
  if (layout === 'le') {
    out[2] = len & 0xff;
    out[3] = len >> 8;
    out[4] = CHANNEL;
    out[5] = HEADER_CRC;
  } else {
    out[2] = len >> 8;
    out[3] = len & 0xff;
    // bytes 4..7: timestamp, 0
    out[8] = CHANNEL;
    out[9] = HEADER_CRC;
    // bytes 10..11: reserved, 0
  }
  out.set(payload, headerSize(layout));
  return out;
}

function putU32(view: DataView, at: number, v: number, layout: FrameLayout): void {
  view.setUint32(at, v >>> 0, layout === 'le');
}

export const enterFrame = (layout: FrameLayout): Uint8Array => encodeFrame(layout, ENTER_PAYLOAD);
export const exitFrame = (layout: FrameLayout): Uint8Array => encodeFrame(layout, EXIT_PAYLOAD);

/** MEMRead of `count` 32-bit words at `address`. */
export function memReadFrame(layout: FrameLayout, address: number, count: number): Uint8Array {
  const p = new Uint8Array(8);
  const v = new DataView(p.buffer);
  p.set(MEM_READ, 0);
  putU32(v, 2, address, layout);
  v.setUint16(6, count, layout === 'le');
  return encodeFrame(layout, p);
}

/** MEMWrite of whole words; `data.length` must be a multiple of 4 (bytes in memory order). */
export function memWriteFrame(layout: FrameLayout, address: number, data: Uint8Array): Uint8Array {
  if (data.length % 4 !== 0) throw new RangeError('MEMWrite data must be whole words');
  const count = data.length / 4;
  const p = new Uint8Array(8 + data.length);
  const v = new DataView(p.buffer);
  p.set(MEM_WRITE, 0);
  putU32(v, 2, address, layout);
  v.setUint16(6, count & 0xffff, layout === 'le');
  // Words go in the layout's byte order; memory bytes are little-endian on the Cortex-M.
  const src = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < count; i++) putU32(v, 8 + i * 4, src.getUint32(i * 4, true), layout);
  return encodeFrame(layout, p);
}

export const memWriteWordsFrame = (layout: FrameLayout, address: number, words: readonly number[]): Uint8Array => {
  const b = new Uint8Array(words.length * 4);
  const v = new DataView(b.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return memWriteFrame(layout, address, b);
};

/** Decoded reply: `kind` is payload[0]; `data` is what lies between it and the trailing byte. */
export interface Reply {
  kind: number;
  data: Uint8Array;
  /** Whether the payload ended with 0x06, as the documented format says it should. */
  endOk: boolean;
}

/** Words of a MEMRead reply, in host numbers. */
export function replyWords(layout: FrameLayout, data: Uint8Array): number[] {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= data.length; i += 4) out.push(v.getUint32(i, layout === 'le'));
  return out;
}

/**
 * Splits the byte stream from the chip into reply frames and the bytes between them (ROM text,
 * firmware logs, stub output). Resynchronises on `7E 79` anywhere in the stream.
 */
export class FrameScanner {
  private buf = new Uint8Array(0);

  constructor(
    private readonly layout: FrameLayout,
    private readonly onNoise: (bytes: Uint8Array) => void = () => {},
  ) {}

  /** Feeds bytes; returns the complete replies found. */
  push(bytes: Uint8Array): Reply[] {
    const merged = new Uint8Array(this.buf.length + bytes.length);
    merged.set(this.buf);
    merged.set(bytes, this.buf.length);
    const replies: Reply[] = [];
    let i = 0;
    const hs = headerSize(this.layout);
    for (;;) {
      const start = findStart(merged, i);
      if (start < 0) {
        // Keep a trailing 0x7E: it may be the first half of a start marker.
        const keep = merged.length > i && merged[merged.length - 1] === FRAME_START[0] ? 1 : 0;
        if (merged.length - keep > i) this.onNoise(merged.subarray(i, merged.length - keep));
        i = merged.length - keep;
        break;
      }
      if (start > i) this.onNoise(merged.subarray(i, start));
      if (merged.length - start < hs) {
        i = start;
        break;
      }
      const len =
        this.layout === 'le'
          ? merged[start + 2]! | (merged[start + 3]! << 8)
          : (merged[start + 2]! << 8) | merged[start + 3]!;
      // "~y" in console text is no frame: a real header carries channel 0x10 and a 0 CRC byte.
      const channelAt = start + (this.layout === 'le' ? 4 : 8);
      if (len === 0 || merged[channelAt] !== CHANNEL || merged[channelAt + 1] !== HEADER_CRC) {
        this.onNoise(merged.subarray(start, start + 2));
        i = start + 2;
        continue;
      }
      if (merged.length - start < hs + len) {
        i = start;
        break;
      }
      const payload = merged.subarray(start + hs, start + hs + len);
      replies.push({
        kind: payload[0]!,
        data: payload.slice(1, Math.max(1, len - 1)),
        endOk: payload[len - 1] === REPLY_END && len >= 2,
      });
      i = start + hs + len;
    }
    this.buf = merged.slice(i);
    return replies;
  }

  reset(): void {
    this.buf = new Uint8Array(0);
  }
}

function findStart(b: Uint8Array, from: number): number {
  for (let i = from; i + 1 < b.length; i++) if (b[i] === FRAME_START[0] && b[i + 1] === FRAME_START[1]) return i;
  return -1;
}
