/**
 * MD5 (RFC 1321) on Uint8Array. The ESP loader digests flash with MD5; node:crypto is not available
 * in browsers, so the host side computes the same digest with this small implementation.
 */
import { nativeHash } from './native-hash.js';

const SHIFTS = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];

/** K[i] = floor(abs(sin(i + 1)) * 2^32), as the RFC defines it. */
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) >>> 0);

/** Incremental MD5, for digests of data that arrives in pieces (READ_FLASH streaming). */
export class Md5 {
  private state = new Uint32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
  private block = new Uint8Array(64);
  private blockLen = 0;
  private total = 0;
  private words = new Uint32Array(16);

  update(data: Uint8Array): this {
    let i = 0;
    this.total += data.length;
    if (this.blockLen > 0) {
      const take = Math.min(64 - this.blockLen, data.length);
      this.block.set(data.subarray(0, take), this.blockLen);
      this.blockLen += take;
      i = take;
      if (this.blockLen < 64) return this;
      this.compress(this.block, 0);
      this.blockLen = 0;
    }
    for (; i + 64 <= data.length; i += 64) this.compress(data, i);
    if (i < data.length) {
      this.block.set(data.subarray(i), 0);
      this.blockLen = data.length - i;
    }
    return this;
  }

  digest(): Uint8Array {
    const bitLen = this.total * 8;
    const pad = new Uint8Array(((this.blockLen < 56 ? 56 : 120) - this.blockLen) + 8);
    pad[0] = 0x80;
    const v = new DataView(pad.buffer);
    v.setUint32(pad.length - 8, bitLen >>> 0, true);
    v.setUint32(pad.length - 4, Math.floor(bitLen / 0x100000000), true);
    this.update(pad);
    const out = new Uint8Array(16);
    const ov = new DataView(out.buffer);
    for (let j = 0; j < 4; j++) ov.setUint32(j * 4, this.state[j]!, true);
    return out;
  }

  private compress(src: Uint8Array, off: number): void {
    const w = this.words;
    for (let j = 0; j < 16; j++) {
      const p = off + j * 4;
      w[j] = (src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24)) >>> 0;
    }
    let a = this.state[0]!;
    let b = this.state[1]!;
    let c = this.state[2]!;
    let d = this.state[3]!;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const t = d;
      d = c;
      c = b;
      const sum = (a + f + K[i]! + w[g]!) >>> 0;
      const s = SHIFTS[i]!;
      b = (b + ((sum << s) | (sum >>> (32 - s)))) >>> 0;
      a = t;
    }
    this.state[0] = (this.state[0]! + a) >>> 0;
    this.state[1] = (this.state[1]! + b) >>> 0;
    this.state[2] = (this.state[2]! + c) >>> 0;
    this.state[3] = (this.state[3]! + d) >>> 0;
  }
}

export function md5(data: Uint8Array): Uint8Array {
  return nativeHash.md5?.(data) ?? new Md5().update(data).digest();
}
