import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspectImage } from '../../src/formats/inspect.js';
import { mergeImages } from '../../src/formats/merge.js';
import { writeIntelHex } from '../../src/formats/ihex.js';
import { isAnyflashError } from '../../src/core/errors.js';

const fixture = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/${p}`, import.meta.url)));

test('a whole ESP flash: bootloader, partition table and each app partition', () => {
  const flash = mergeImages([
    { address: 0x1000, data: fixture('esp/esp32-bootloader.bin'), name: 'bootloader.bin' },
    { address: 0x8000, data: fixture('partitions/ota.bin'), name: 'pt.bin' },
    { address: 0x10000, data: fixture('esp/esp32-app.bin'), name: 'app.bin' },
  ], { format: 'raw', chip: 'esp32', padToSize: 0x120000 });
  const info = inspectImage('dump.bin', flash);
  assert.equal(info.kind, 'esp-flash');
  if (info.kind !== 'esp-flash') return;
  assert.equal(info.bootloader?.offset, 0x1000);
  assert.equal(info.bootloader?.info.bootloaderDescriptor?.idfVersion, 'v5.3-fixture');
  assert.deepEqual(info.apps.map((a) => [a.partition, a.info?.appDescriptor?.projectName ?? a.problem]), [
    ['ota_0', 'anyflash-esp32'], ['ota_1', 'empty (erased)'],
  ]);
});

test('image info recognises each fixture kind', () => {
  const kinds: Array<[string, Uint8Array, string]> = [
    ['app.bin', fixture('esp/esp32c3-app.bin'), 'esp-image'],
    ['app.elf', fixture('elf/esp32c3-app.elf'), 'elf'],
    ['m.uf2', fixture('esp/merged-esp32.uf2'), 'uf2'],
    ['m.hex', fixture('esp/merged-esp32.hex'), 'ihex'],
    ['pt.bin', fixture('partitions/single-app.bin'), 'partition-table'],
  ];
  for (const [name, bytes, kind] of kinds) assert.equal(inspectImage(name, bytes).kind, kind, name);
  const elf = inspectImage('app.elf', fixture('elf/esp8266-gcc.elf'));
  assert.ok(elf.kind === 'elf' && elf.entrySymbol === 'call_user_start' && elf.machine === 'Xtensa');
  const hex = inspectImage('x.hex', new TextEncoder().encode(writeIntelHex([{ address: 0x100, data: new Uint8Array(10) }], 0x101)));
  assert.deepEqual(hex, { kind: 'ihex', regions: [{ address: 0x100, length: 10 }], start: 0x101 });
});

test('image info on an unknown blob says what it reads', () => {
  assert.throws(() => inspectImage('blob.bin', new Uint8Array(100).fill(0x12)), (e) =>
    isAnyflashError(e, 'bad-input') && /blob\.bin is not a firmware format/.test(e.message));
});
