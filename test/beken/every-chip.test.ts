import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHIPS } from '../../src/families/beken/chips.js';
import { BEKEN_SIM_CHIPS } from '../../src/sim/beken/index.js';
import { bekenDigest } from '../../src/families/beken/device.js';
import { connect, pattern, rig } from './helpers.js';

test('every Beken chip in the table has a simulator', () => {
  assert.deepEqual([...BEKEN_SIM_CHIPS].sort(), CHIPS.map((c) => c.name).sort());
});

/** Chips that share their chip id with another row are named with --chip (BK7231M reads as BK7231N). */
const SHARED_ID = new Set(CHIPS.filter((c) => CHIPS.some((o) => o !== c && o.chipId === c.chipId && o.protocol === 'FULL' && c.protocol === 'FULL')).map((c) => c.name));

for (const chip of CHIPS) {
  test(`${chip.name}: detected, written and verified against its simulator`, async () => {
    const r = await rig(chip.name, { boot: 'firmware' });
    const named = SHARED_ID.has(chip.name) && chip.name !== 'bk7231n';
    const dev = await connect(r, named ? { chip: chip.name } : {});
    const info = await dev.info();
    assert.equal(info.chip, chip.name);
    if (chip.name === 'bk7231m') assert.match(String(info.extra?.efuseKeyKind), /^zero/, 'the M has no eFuse key');
    const data = pattern(0x2000, chip.name.length);
    const at = 0x100000;
    await dev.writeFlash(at, data);
    assert.deepEqual(r.sim.flash.read(at, data.length), data, 'the flash holds the image');
    assert.deepEqual(await dev.flashDigest(at, data.length), bekenDigest.compute(data), 'the chip reports the CRC of the image');
    await dev.reset('hard');
  });
}
