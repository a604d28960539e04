import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { sifliCrc32, sifliDigest } from '../../src/families/sifli/crc.js';
import { pattern } from './helpers.js';

test('SiFli CRC-32 has init 0 and no final xor: check value 0x2DFD2D88', () => {
  assert.equal(sifliCrc32(new TextEncoder().encode('123456789')), 0x2dfd2d88);
  assert.equal(sifliCrc32(new Uint8Array(0)), 0);
});

test('it equals ~zlib.crc32(data, 0xFFFFFFFF) and continues over split data', () => {
  const data = pattern(10000, 7);
  const crc32 = (zlib as unknown as { crc32?: (d: Uint8Array, v: number) => number }).crc32;
  if (crc32) assert.equal(sifliCrc32(data), ~crc32(data, 0xffffffff) >>> 0);
  assert.equal(sifliCrc32(data.subarray(3000), sifliCrc32(data.subarray(0, 3000))), sifliCrc32(data));
});

test('the digest scheme returns the CRC as 4 big-endian bytes', () => {
  assert.deepEqual([...sifliDigest.compute(new TextEncoder().encode('123456789'))], [0x2d, 0xfd, 0x2d, 0x88]);
});
