import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { espImageChipCheck, parseEspImage, patchBootloaderHeader } from '../../src/formats/esp-image.js';
import { isAnyflashError } from '../../src/core/errors.js';

const fixture = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/${p}`, import.meta.url)));

test('image info of an ESP32 app: header, extended header, segments, checksum, hash, app descriptor', () => {
  const elf = fixture('elf/esp32-app.elf');
  const info = parseEspImage(fixture('esp/esp32-app-dio-4MB.bin'));
  assert.equal(info.chip.id, 'esp32');
  assert.equal(info.entry, 0x40080400);
  assert.deepEqual([info.flashModeName, info.flashSizeName, info.flashFreqName], ['dio', '4MB', '80m']);
  assert.equal(info.extended!.chipId, 0);
  assert.deepEqual([info.extended!.minRevFull, info.extended!.maxRevFull, info.extended!.wpPin], [100, 399, 0xee]);
  assert.ok(info.checksum.valid && info.hash!.valid);
  // The DROM segment (app descriptor + rodata, merged) comes first, at its load address.
  assert.equal(info.segments[0]!.addr, 0x3f400020);
  assert.deepEqual(info.segments[0]!.regions, ['DROM']);
  assert.ok(info.segments.some((s) => s.addr === 0x400d0020 && s.regions.includes('IROM')));
  assert.ok(info.segments.some((s) => s.addr === 0x40080000 && s.length === 0x1634 && s.regions.includes('IRAM')));
  const d = info.appDescriptor!;
  assert.deepEqual([d.projectName, d.version, d.idfVersion, d.date, d.time], ['anyflash-esp32', '1.2.3', 'v5.3-fixture', 'Jan  2 2026', '12:34:56']);
  // elf2image stores the ELF's SHA-256 in the descriptor.
  assert.equal(d.elfSha256, createHash('sha256').update(elf).digest('hex'));
});

test('image info of a bootloader shows its descriptor; chip detected from the header', () => {
  const info = parseEspImage(fixture('esp/esp32-bootloader.bin'));
  assert.equal(info.chip.id, 'esp32');
  assert.deepEqual(info.bootloaderDescriptor, { version: 1, idfVersion: 'v5.3-fixture', dateTime: 'Jan  2 2026 12:34:56' });
  assert.equal(info.appDescriptor, null);
});

test('image info of the other chips detects each chip and validates hashes', () => {
  for (const [file, chip] of [['esp32c3-app.bin', 'esp32c3'], ['esp32c6-app.bin', 'esp32c6'], ['esp32s3-app.bin', 'esp32s3']]) {
    const info = parseEspImage(fixture(`esp/${file}`));
    assert.equal(info.chip.id, chip, file);
    assert.ok(info.checksum.valid && info.hash?.valid, file);
    assert.ok(info.appDescriptor, file);
  }
  const nodigest = parseEspImage(fixture('esp/esp32c3-app-nodigest.bin'));
  assert.equal(nodigest.hash, null);
  const v1 = parseEspImage(fixture('esp/esp8266-app-0x00000.bin'));
  assert.equal(v1.chip.id, 'esp8266');
  assert.equal(v1.extended, null);
  assert.ok(v1.checksum.valid);
  assert.equal(v1.flashSizeName, '4MB');
});

test('image info of an ESP8266 V2 image: IROM segment first, then the checksummed V1 part (as esptool image-info)', () => {
  const info = parseEspImage(fixture('esp/esp8266-gcc-v2.bin'));
  assert.equal(info.imageVersion, 2);
  assert.deepEqual(info.segments.map((s) => [s.addr, s.length, s.fileOffset]), [[0, 0x10, 0x8], [0x3ffe8000, 0x20, 0x28], [0x40100000, 0x20, 0x50]]);
  assert.ok(info.checksum.valid);
  assert.equal(info.entry, 0x40100008);
});

test('image info reports a corrupted byte as bad checksum and bad hash', () => {
  const image = fixture('esp/esp32c3-app.bin').slice();
  image[0x100] ^= 0xff;
  const info = parseEspImage(image);
  assert.equal(info.checksum.valid, false);
  assert.equal(info.hash!.valid, false);
});

test('truncated or foreign files are bad-input', () => {
  assert.throws(() => parseEspImage(fixture('esp/esp32-app.bin').subarray(0, 0x3000), { file: 'app.bin' }), (e) =>
    isAnyflashError(e, 'bad-input') && /app\.bin/.test(e.message) && /past the end|truncated/.test(e.message));
  assert.throws(() => parseEspImage(fixture('elf/esp32-app.elf')), (e) => isAnyflashError(e, 'bad-input') && /magic/.test(e.message));
});

test('patchBootloaderHeader gives the bytes esptool writes (header + recomputed SHA-256)', () => {
  const patched = patchBootloaderHeader(fixture('esp/esp32-bootloader.bin'), { chip: 'esp32', flashMode: 'qio', flashFreq: '80m', flashSize: '8MB' });
  assert.deepEqual(patched, fixture('esp/esp32-bootloader-qio-80m-8MB.bin'));
  const info = parseEspImage(patched);
  assert.ok(info.hash!.valid);
});

test('patchBootloaderHeader keeps the image when everything is keep, or when it is no image', () => {
  const image = fixture('esp/esp32-bootloader.bin');
  assert.equal(patchBootloaderHeader(image, { chip: 'esp32', flashMode: 'keep', flashFreq: 'keep', flashSize: 'keep' }), image);
  const blob = new Uint8Array(100).fill(0xe9);
  assert.equal(patchBootloaderHeader(blob, { chip: 'esp32', flashMode: 'dio' }), blob);
  assert.throws(() => patchBootloaderHeader(image, { chip: 'esp32', flashSize: '3MB' }), (e) => isAnyflashError(e, 'bad-input') && /3MB/.test(e.message));
});

test('espImageChipCheck refuses another chip and a revision outside the range', () => {
  const app = fixture('esp/esp32-app-dio-4MB.bin'); // min rev 1.0, max rev 3.99
  assert.equal(espImageChipCheck(app, 'esp32', 300), null);
  assert.match(espImageChipCheck(app, 'esp32c3', 3)!, /built for ESP32, but the device is ESP32-C3/);
  assert.match(espImageChipCheck(app, 'esp32', 0)!, /needs chip revision v1\.0 or newer/);
  assert.match(espImageChipCheck(app, 'esp32', 400)!, /up to v3\.99/);
  assert.equal(espImageChipCheck(fixture('esp/esp32c3-app.bin'), 'ESP32-C3', 4), null);
  // DeviceInfo.revision is text like "v3.1".
  assert.equal(espImageChipCheck(app, 'esp32', 'v3.1'), null);
  assert.match(espImageChipCheck(app, 'esp32', 'v0.3')!, /v1\.0 or newer/);
});
