import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeRegions } from '../../src/engine/write.js';
import { connect, pattern, rig } from './helpers.js';

describe('write with the backup just read for it', () => {
  it('finds the changed sectors in the backup: the chip hashes only what the verify needs', async () => {
    const r = await rig('bk7231n');
    const dev = await connect(r);
    const app = pattern(0x40000, 3);
    const before = r.sim.flash.data.slice();
    const hashed = r.sim.stats.crcBytes;
    const summary = await writeRegions(dev, [{ address: 0x11000, data: app, name: 'app.bin' }], {
      original: (start, size) => before.slice(start, start + size),
    });
    assert.equal(summary.writtenBytes, app.length);
    assert.deepEqual(r.sim.flash.data.subarray(0x11000, 0x51000), app);
    // One digest pass over the written range (the verify); no compare pass before it.
    assert.ok(r.sim.stats.crcBytes - hashed <= app.length, `chip hashed ${r.sim.stats.crcBytes - hashed} bytes`);
  });

  it('sectors the backup shows equal are not sent', async () => {
    const r = await rig('bk7231n');
    const dev = await connect(r);
    const app = pattern(0x20000, 4);
    r.sim.flash.data.set(app, 0x11000);
    app[0x5000] ^= 0x01;
    const before = r.sim.flash.data.slice();
    const programmed = r.sim.flash.stats.programmedBytes;
    const summary = await writeRegions(dev, [{ address: 0x11000, data: app, name: 'app.bin' }], {
      original: (start, size) => before.slice(start, start + size),
    });
    assert.equal(summary.writtenBytes, 0x1000);
    assert.equal(r.sim.flash.stats.programmedBytes - programmed, 0x1000);
    assert.deepEqual(r.sim.flash.data.subarray(0x11000, 0x31000), app);
  });
});

describe('write to an erased range', () => {
  it('sends no erase where the compare found the flash erased, and the image lands', async () => {
    const r = await rig('bk7231n');
    const dev = await connect(r);
    r.sim.flash.data.fill(0xff, 0x100000, 0x140000);
    const app = pattern(0x30000, 6);
    const erased = r.sim.flash.stats.erasedBytes;
    await writeRegions(dev, [{ address: 0x101000, data: app, name: 'app.bin' }]);
    assert.equal(r.sim.flash.stats.erasedBytes - erased, 0);
    assert.deepEqual(r.sim.flash.data.subarray(0x101000, 0x131000), app);
  });

  it('erases what the compare found written', async () => {
    const r = await rig('bk7231n');
    const dev = await connect(r);
    r.sim.flash.data.fill(0x00, 0x100000, 0x140000);
    const app = pattern(0x30000, 6);
    const erased = r.sim.flash.stats.erasedBytes;
    await writeRegions(dev, [{ address: 0x101000, data: app, name: 'app.bin' }]);
    assert.ok(r.sim.flash.stats.erasedBytes - erased >= app.length);
    assert.deepEqual(r.sim.flash.data.subarray(0x101000, 0x131000), app);
  });
});
