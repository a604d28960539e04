import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeRegions } from '../../src/engine/write.js';
import { connect, pattern, rig } from './helpers.js';

const MiB = 0x100000;
const ADDRESS = 0x11000;

/**
 * The flash holds `old` before the session connects, so no CRC of it is known: every digest the
 * compare wants costs chip time, as on a board plugged in fresh.
 */
async function flashed(old: Uint8Array) {
  const r = await rig('bk7231n');
  r.sim.flash.data.set(old, ADDRESS);
  const dev = await connect(r);
  return { r, dev };
}

describe('Beken compare before a write, with CheckCRC at ~400 kB/s', () => {
  it('writes a new image after eight sampled sectors: the chip hashes the verify pass and 32 KiB more', async () => {
    const { r, dev } = await flashed(pattern(MiB, 31));
    const image = pattern(MiB, 32);
    const hashed = r.sim.stats.crcBytes;
    const summary = await writeRegions(dev, [{ address: ADDRESS, data: image, name: 'new.bin' }]);
    assert.equal(summary.writtenBytes, MiB);
    assert.deepEqual(r.sim.flash.data.subarray(ADDRESS, ADDRESS + MiB), image);
    // A whole-region compare would hash 1 MiB (2.6 s of chip time at 921600 baud) to skip nothing,
    // two sampled blocks 124 KiB; eight sampled sectors hash 32 KiB besides the verify pass.
    const extra = r.sim.stats.crcBytes - hashed - MiB;
    assert.ok(extra <= 0x8000, `chip hashed ${extra} bytes beyond the verify pass`);
  });

  it('compares block by block when a sample matches: a rebuilt app whose second half is unchanged is half written', async () => {
    const old = pattern(MiB, 51);
    const { r, dev } = await flashed(old);
    const image = old.slice();
    image.set(pattern(MiB / 2, 52), 0);
    const summary = await writeRegions(dev, [{ address: ADDRESS, data: image, name: 'app.bin' }]);
    assert.ok(summary.writtenBytes <= MiB / 2 + 0x10000, `wrote ${summary.writtenBytes} bytes`);
    assert.deepEqual(r.sim.flash.data.subarray(ADDRESS, ADDRESS + MiB), image);
  });

  it('keeps comparing an image with one changed sector and rewrites only that sector, even in the first block', async () => {
    const old = pattern(MiB, 41);
    const { r, dev } = await flashed(old);
    const image = old.slice();
    image[0x2345] ^= 0xff;
    const programmed = r.sim.flash.stats.programmedBytes;
    const summary = await writeRegions(dev, [{ address: ADDRESS, data: image, name: 'app.bin' }]);
    assert.equal(summary.writtenBytes, 0x1000);
    assert.equal(r.sim.flash.stats.programmedBytes - programmed, 0x1000);
    assert.deepEqual(r.sim.flash.data.subarray(ADDRESS, ADDRESS + MiB), image);
  });
});
