import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESP_CHIPS } from '../../src/families/esp/chips.js';
import { espFamily } from '../../src/families/esp/index.js';
import { md5 } from '../../src/core/md5.js';
import { ESP_SIM_CHIPS } from '../../src/sim/esp/index.js';
import { bench, pattern } from './helpers.js';

test('every ESP chip in the table has a simulator', () => {
  assert.deepEqual([...ESP_SIM_CHIPS].sort(), ESP_CHIPS.map((c) => c.name).sort());
});

for (const chip of ESP_CHIPS) {
  test(`${chip.name}: detected, written and verified against its simulator`, async () => {
    const b = await bench(chip.name);
    const dev = await espFamily.connect({ transport: b.transport, events: b.sink });
    const info = await dev.info();
    assert.equal(info.chip, chip.name);
    // The ESP8266 ROM cannot change baud: its stub loads at connect; the others load it for the first flash operation.
    assert.equal(info.mode, chip.name === 'esp8266' ? 'stub' : 'rom');
    const data = pattern(0x2000, chip.name.length);
    const at = 0x10000;
    await dev.writeFlash(at, data);
    assert.deepEqual(b.sim.flash.read(at, data.length), data, 'the flash holds the image');
    assert.deepEqual(await dev.flashDigest(at, data.length), md5(data), 'the chip reports the digest of the image');
    assert.deepEqual(await dev.readFlash(at, data.length), data, 'the image reads back');
    assert.equal((await dev.info()).mode, chip.stub === null ? 'rom' : 'stub');
    await dev.reset('hard');
  });
}
