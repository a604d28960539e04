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
  it('gives up after two changed blocks of a new image: the chip hashes the verify pass and little more', async () => {
    const { r, dev } = await flashed(pattern(MiB, 31));
    const image = pattern(MiB, 32);
    const hashed = r.sim.stats.crcBytes;
    const summary = await writeRegions(dev, [{ address: ADDRESS, data: image, name: 'new.bin' }]);
    assert.equal(summary.writtenBytes, MiB);
    assert.deepEqual(r.sim.flash.data.subarray(ADDRESS, ADDRESS + MiB), image);
    // The whole-region compare hashed 1 MiB (2.6 s of chip time at 921600 baud) to skip nothing;
    // now only the two sampled blocks (124 KiB from 0x11000) are hashed besides the verify pass.
    const extra = r.sim.stats.crcBytes - hashed - MiB;
    assert.ok(extra <= 0x20000, `chip hashed ${extra} bytes beyond the verify pass`);
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
