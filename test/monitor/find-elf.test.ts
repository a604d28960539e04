import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { elfForFiles, elfInProject, resolveElfArgs } from '../../src/cli/monitor/find-elf.js';

test('the ELF for written files: named, beside the app .bin, in an ESP-IDF build folder, or PlatformIO firmware.elf', () => {
  const root = mkdtempSync(join(tmpdir(), 'anyflash-elf-'));
  const idf = join(root, 'proj');
  mkdirSync(join(idf, 'build', 'bootloader'), { recursive: true });
  writeFileSync(join(idf, 'build', 'flasher_args.json'), JSON.stringify({
    flash_settings: { flash_mode: 'dio', flash_size: '2MB', flash_freq: '80m' },
    flash_files: { '0x0': 'bootloader/bootloader.bin', '0x10000': 'hello.bin', '0x8000': 'partition_table/partition-table.bin' },
    app: { offset: '0x10000', file: 'hello.bin', encrypted: 'false' },
    bootloader: { offset: '0x0', file: 'bootloader/bootloader.bin', encrypted: 'false' },
    extra_esptool_args: { chip: 'esp32c3' },
  }));
  writeFileSync(join(idf, 'build', 'hello.elf'), 'ELF');
  writeFileSync(join(idf, 'build', 'bootloader', 'bootloader.elf'), 'ELF');
  assert.equal(elfForFiles([idf]), join(idf, 'build', 'hello.elf'));
  assert.deepEqual(resolveElfArgs([join(idf, 'build')]), [join(idf, 'build', 'hello.elf')]);
  assert.equal(elfForFiles(['0x0', join(idf, 'build', 'bootloader', 'bootloader.bin'), '0x10000', join(idf, 'build', 'hello.bin')]),
    join(idf, 'build', 'hello.elf'));
  assert.equal(elfForFiles([`${join(idf, 'build', 'hello.elf')}@0x10000`]), join(idf, 'build', 'hello.elf'));
  const pio = join(root, 'pio');
  mkdirSync(pio);
  writeFileSync(join(pio, 'firmware.bin'), '');
  writeFileSync(join(pio, 'firmware.elf'), 'ELF');
  assert.equal(elfForFiles([pio]), join(pio, 'firmware.elf'));
  assert.equal(elfForFiles([join(root, 'nothing.bin')]), undefined);
  // `monitor` in a project folder: ESP-IDF's build/, or the one PlatformIO environment built.
  assert.equal(elfInProject(idf), join(idf, 'build', 'hello.elf'));
  const pioProject = join(root, 'pio-project');
  mkdirSync(join(pioProject, '.pio', 'build', 'esp32dev'), { recursive: true });
  writeFileSync(join(pioProject, '.pio', 'build', 'esp32dev', 'firmware.elf'), 'ELF');
  assert.equal(elfInProject(pioProject), join(pioProject, '.pio', 'build', 'esp32dev', 'firmware.elf'));
  mkdirSync(join(pioProject, '.pio', 'build', 'esp32s3'));
  writeFileSync(join(pioProject, '.pio', 'build', 'esp32s3', 'firmware.elf'), 'ELF');
  assert.equal(elfInProject(pioProject), undefined, 'two environments: the user picks with --elf');
});
