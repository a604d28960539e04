import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlasherArgs, platformioPlan } from '../../src/formats/flasher-args.js';
import { isAnyflashError } from '../../src/core/errors.js';

// The shape ESP-IDF 5.x writes to build/flasher_args.json for a hello_world build.
const IDF5 = JSON.stringify({
  write_flash_args: ['--flash_mode', 'dio', '--flash_size', '2MB', '--flash_freq', '40m'],
  flash_settings: { flash_mode: 'dio', flash_size: '2MB', flash_freq: '40m' },
  flash_files: { '0x1000': 'bootloader/bootloader.bin', '0x10000': 'hello_world.bin', '0x8000': 'partition_table/partition-table.bin' },
  bootloader: { offset: '0x1000', file: 'bootloader/bootloader.bin', encrypted: 'false' },
  app: { offset: '0x10000', file: 'hello_world.bin', encrypted: 'false' },
  'partition-table': { offset: '0x8000', file: 'partition_table/partition-table.bin', encrypted: 'false' },
  extra_esptool_args: { after: 'hard_reset', before: 'default_reset', stub: true, chip: 'esp32' },
});

test('flasher_args.json gives the three files at their offsets with the flash settings', () => {
  const plan = parseFlasherArgs(IDF5);
  assert.deepEqual(plan.files, [
    { address: 0x1000, path: 'bootloader/bootloader.bin', role: 'bootloader', encrypted: false },
    { address: 0x8000, path: 'partition_table/partition-table.bin', role: 'partition-table', encrypted: false },
    { address: 0x10000, path: 'hello_world.bin', role: 'app', encrypted: false },
  ]);
  assert.deepEqual([plan.chip, plan.flashMode, plan.flashSize, plan.flashFreq, plan.before, plan.after, plan.stub],
    ['esp32', 'dio', '2MB', '40m', 'default-reset', 'hard-reset', true]);
});

test('older flasher_args.json without flash_settings: settings come from write_flash_args', () => {
  const old = JSON.parse(IDF5) as Record<string, unknown>;
  delete old.flash_settings;
  old.write_flash_args = ['--flash_mode', 'qio', '--flash_size', 'detect', '--flash_freq', '80m'];
  const plan = parseFlasherArgs(JSON.stringify(old));
  assert.deepEqual([plan.flashMode, plan.flashSize, plan.flashFreq], ['qio', 'detect', '80m']);
});

test('broken flasher_args.json is bad-input naming the file', () => {
  assert.throws(() => parseFlasherArgs('{"flash_files":', 'build/flasher_args.json'), (e) =>
    isAnyflashError(e, 'bad-input') && /^build\/flasher_args\.json: not valid JSON/.test(e.message));
  assert.throws(() => parseFlasherArgs('{"flash_files":{"zz":"a.bin"}}'), (e) => isAnyflashError(e, 'bad-input') && /"zz" is not a flash offset/.test(e.message));
  assert.throws(() => parseFlasherArgs('{}'), (e) => isAnyflashError(e, 'bad-input') && /no "flash_files"/.test(e.message));
});

test('PlatformIO build folder: bootloader at the chip offset, partitions at 0x8000, firmware at 0x10000', () => {
  const plan = platformioPlan(['firmware.bin', 'partitions.bin', 'bootloader.bin', 'firmware.elf'], 'esp32s3')!;
  assert.deepEqual(plan.files.map((f) => [f.address, f.path]), [[0, 'bootloader.bin'], [0x8000, 'partitions.bin'], [0x10000, 'firmware.bin']]);
  assert.equal(platformioPlan(['firmware.bin', 'bootloader.bin'], 'esp32')!.files[0]!.address, 0x1000);
  assert.equal(platformioPlan(['app.elf'], 'esp32'), null);
});
