import type { DigestScheme } from '../types.js';

/**
 * CRC-32 as SiFli's stub computes it for `burn_verify` and `burn_read`: the reflected 0x04C11DB7
 * polynomial with init 0 and no final xor (check value of "123456789" is 0x2DFD2D88, not zlib's
 * 0xCBF43926). `previous` continues a CRC over split data.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function sifliCrc32(data: Uint8Array, previous = 0): number {
  let crc = previous >>> 0;
  for (let i = 0; i < data.length; i++) crc = TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return crc >>> 0;
}

/** The CRC as 4 big-endian bytes, the form `flashDigest` returns. */
export function crcBytes(crc: number): Uint8Array {
  return new Uint8Array([(crc >>> 24) & 0xff, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff]);
}

export const sifliDigest: DigestScheme = {
  name: 'crc32-init0',
  compute: (data) => crcBytes(sifliCrc32(data)),
  maxRange: Infinity,
};
