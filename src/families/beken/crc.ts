/**
 * The CRC-32 the Beken loaders compute for CheckCRC: the reflected CRC-32 (poly 0xEDB88320, init
 * 0xFFFFFFFF) whose register is returned *without* the final XOR. So chip = zlib.crc32 ^ 0xFFFFFFFF.
 */
const POLY = 0xedb88320;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continues a CRC register over `data` (start with 0xFFFFFFFF). */
export function crc32Update(register: number, data: Uint8Array): number {
  let c = register >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** What a Beken chip answers to CheckCRC over exactly these bytes. */
export function bekenCrc(data: Uint8Array): number {
  return crc32Update(0xffffffff, data);
}

/** The standard (zlib) CRC-32; the bootloader table in the tools stores this form. */
export function zlibCrc(data: Uint8Array): number {
  return (bekenCrc(data) ^ 0xffffffff) >>> 0;
}

/** Reflected GF(2) product a·b mod P, used to combine CRCs of adjacent ranges. */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^k) mod P for k = 0..31. */
const X2N = (() => {
  const t = new Uint32Array(32);
  let p = 0x40000000; // x^1
  t[0] = p;
  for (let k = 1; k < 32; k++) t[k] = p = multModP(p, p);
  return t;
})();

/** x^(n·2^k) mod P. */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n) {
    if (n & 1) p = multModP(X2N[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/**
 * Beken CRC of A‖B from the Beken CRCs of A and B and the length of B. Lets the client answer a
 * digest of a large range from digests of its blocks without asking the chip again.
 */
export function combineBekenCrc(crcA: number, crcB: number, lengthB: number): number {
  const za = (crcA ^ 0xffffffff) >>> 0;
  const zb = (crcB ^ 0xffffffff) >>> 0;
  const z = (multModP(x2nModP(lengthB, 3), za) ^ zb) >>> 0;
  return (z ^ 0xffffffff) >>> 0;
}

/**
 * Beken CRC of B from the Beken CRCs of A‖B and of A: the inverse of `combineBekenCrc`. When a block
 * and its first half were measured, the second half's CRC costs no chip time.
 */
export function bekenCrcOfSuffix(crcAB: number, crcA: number, lengthB: number): number {
  return (crcAB ^ combineBekenCrc(crcA, 0xffffffff, lengthB) ^ 0xffffffff) >>> 0;
}

/**
 * Four bytes that, appended after a prefix whose CRC register is `state`, bring the register to
 * `target`. The simulator uses this to give its synthetic bootloaders the CRCs of real ones.
 */
export function forgeCrcTail(state: number, target: number): Uint8Array {
  const indexByTop = new Map<number, number>();
  for (let i = 0; i < 256; i++) indexByTop.set(TABLE[i]! >>> 24, i);
  const idx = [0, 0, 0, 0];
  let t = target >>> 0;
  for (let k = 3; k >= 0; k--) {
    const i = indexByTop.get(t >>> 24)!;
    idx[k] = i;
    t = ((t ^ TABLE[i]!) << 8) >>> 0;
  }
  const out = new Uint8Array(4);
  let s = state >>> 0;
  for (let k = 0; k < 4; k++) {
    out[k] = (s ^ idx[k]!) & 0xff;
    s = (TABLE[idx[k]!]! ^ (s >>> 8)) >>> 0;
  }
  return out;
}
