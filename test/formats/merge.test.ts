import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mergeImages, type MergeOptions } from '../../src/formats/merge.js';
import { loadInput } from '../../src/formats/input.js';
import { parseUf2 } from '../../src/formats/uf2.js';
import { isAnyflashError } from '../../src/core/errors.js';

const fixture = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/${p}`, import.meta.url)));
const inputs = () => [
  { address: 0x8000, data: fixture('esp/esp8266-app-0x10000.bin'), name: 'blob.bin' },
  { address: 0x1000, data: fixture('esp/esp32-bootloader.bin'), name: 'bootloader.bin' },
];
const flash: Partial<MergeOptions> = { chip: 'esp32', flashMode: 'qio', flashFreq: '80m', flashSize: '8MB' };

for (const [format, file] of [['raw', 'merged-esp32.bin'], ['hex', 'merged-esp32.hex'], ['uf2', 'merged-esp32.uf2']] as const) {
  test(`merge --format ${format} equals esptool merge-bin (bootloader header rewritten)`, () => {
    assert.deepEqual(mergeImages(inputs(), { ...flash, format }), fixture(`esp/${file}`));
  });
}

test('merge raw with --target-offset and --pad-to-size equals esptool', () => {
  assert.deepEqual(mergeImages(inputs(), { chip: 'esp32', format: 'raw', targetOffset: 0x1000, padToSize: 256 * 1024 }), fixture('esp/merged-esp32-pad.bin'));
});

test('merged UF2 and HEX load back to the same regions', () => {
  const uf2 = loadInput('m.uf2', fixture('esp/merged-esp32.uf2'), { chip: 'esp32' });
  const hex = loadInput('m.hex', fixture('esp/merged-esp32.hex'), {});
  assert.deepEqual(uf2.regions.map((r) => [r.address, r.data]), hex.regions.map((r) => [r.address, r.data]));
  assert.deepEqual(uf2.regions.map((r) => r.address), [0x1000, 0x8000]);
  assert.equal(parseUf2(fixture('esp/merged-esp32.uf2')).familyIds[0], 0x1c5f21b0);
});

test('merge refuses overlapping inputs and inputs before the target offset', () => {
  const overlapping = [...inputs(), { address: 0x9000, data: new Uint8Array(16), name: 'x.bin' }];
  assert.throws(() => mergeImages(overlapping, { format: 'raw' }), (e) => isAnyflashError(e, 'regions-overlap') && /x\.bin/.test(e.message));
  assert.throws(() => mergeImages(inputs(), { format: 'raw', targetOffset: 0x2000 }), (e) => isAnyflashError(e, 'bad-input'));
});
