/**
 * One-shot digests a platform does faster than the portable code (node:crypto: MD5 and SHA-256 of
 * a 4 MiB image take ~3 ms instead of 25–50 ms). The CLI fills this in at start; the browser and
 * library users keep the portable implementations.
 */
export const nativeHash: {
  md5?: (data: Uint8Array) => Uint8Array;
  sha256?: (data: Uint8Array) => Uint8Array;
} = {};
