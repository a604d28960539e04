import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import { bridgeCheapGaps } from '../../src/engine/gaps.js';
import type { Range } from '../../src/engine/regions.js';

const S = 0x1000;
const esp = { baud: 921600, compresses: true, sectorSize: S };
const beken = { baud: 921600, compresses: false, sectorSize: S };
const sectors = (...list: Array<[number, number]>): Range[] => list.map(([a, b]) => ({ start: a * S, end: b * S }));

test('an erased gap inside a rewritten block is written too, so the block erases in one go', () => {
  // A data-heavy image on blank flash: 5 erased sectors in the middle of block 0x40000.
  const data = pseudoRandomBytes(0x100000, 1);
  data.fill(0xff, 0x35000, 0x3a000);
  const region = { address: 0x10000, data, name: 'app.bin' };
  assert.deepEqual(bridgeCheapGaps(sectors([0x10, 0x45], [0x4a, 0x110]), region, esp), sectors([0x10, 0x110]));
});

test('two changed sectors among unchanged code stay two small writes', () => {
  const data = pseudoRandomBytes(0x100000, 2);
  const region = { address: 0x10000, data, name: 'app.bin' };
  const dirty = sectors([0x90, 0x91], [0x9a, 0x9b]);
  assert.deepEqual(bridgeCheapGaps(dirty, region, esp), dirty);
  assert.deepEqual(bridgeCheapGaps(dirty, region, beken), dirty);
});

test('a block mostly changed is rewritten whole; a gap of code costs a raw link more than a compressing one', () => {
  const data = pseudoRandomBytes(0x20000, 3);
  const region = { address: 0, data, name: 'app.bin' };
  // 12 of 16 sectors changed: 12 sector erases cost more than a block erase plus 4 sectors re-sent.
  assert.deepEqual(bridgeCheapGaps(sectors([0, 6], [10, 16]), region, esp), sectors([0, 16]));
  // One unchanged sector of code between two changed ones outside any whole block: not worth its erase and wire on a raw link.
  assert.deepEqual(bridgeCheapGaps(sectors([0x11, 0x12], [0x13, 0x14]), region, beken), sectors([0x11, 0x12], [0x13, 0x14]));
});

test('an erased sector between two ranges is joined: it costs only its programming', () => {
  const data = pseudoRandomBytes(0x20000, 4);
  data.fill(0xff, 0x12000, 0x13000);
  const region = { address: 0, data, name: 'app.bin' };
  assert.deepEqual(bridgeCheapGaps(sectors([0x11, 0x12], [0x13, 0x14]), region, beken), sectors([0x11, 0x14]));
});
