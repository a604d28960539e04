import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESP_CHIPS, chipById, chipByMagic, chipByName, decodeRevision, flashSizeFromId, isNoFlashId, securityFlagNames } from '../../src/families/esp/chips.js';
import { parseSecurityInfo, normaliseCrystal } from '../../src/families/esp/detect.js';
import { stubNameFor } from '../../src/families/esp/stub.js';
import { packU32le } from '../../src/core/bytes.js';
import { existsSync } from 'node:fs';
import { loadStub } from '../../src/families/esp/stub-source.js';

test('the table holds the fourteen chips with unique names', () => {
  assert.deepEqual(ESP_CHIPS.map((c) => c.name).sort(), [
    'esp32', 'esp32c2', 'esp32c3', 'esp32c5', 'esp32c6', 'esp32c61', 'esp32h2', 'esp32h21', 'esp32h4', 'esp32p4', 'esp32s2',
    'esp32s3', 'esp32s31', 'esp8266',
  ]);
});

test('detection by magic value at 0x40001000', () => {
  assert.equal(chipByMagic(0xfff0c101)?.name, 'esp8266');
  assert.equal(chipByMagic(0x00f01d83)?.name, 'esp32');
  assert.equal(chipByMagic(0x000007c6)?.name, 'esp32s2');
  assert.equal(chipByMagic(0x00000009)?.name, 'esp32s3');
  assert.equal(chipByMagic(0x1b31506f)?.name, 'esp32c3');
  assert.equal(chipByMagic(0x7c41a06f)?.name, 'esp32c2');
  assert.equal(chipByMagic(0x2ce0806f)?.name, 'esp32c6');
  assert.equal(chipByMagic(0xd7b73e80)?.name, 'esp32h2');
  assert.equal(chipByMagic(0x0addbad0)?.name, 'esp32p4');
  assert.equal(chipByMagic(0x2421606f)?.name, 'esp32c61');
  assert.equal(chipByMagic(0x63e1406f)?.name, 'esp32c5');
  assert.equal(chipByMagic(0x12345678), undefined);
});

test('detection by GET_SECURITY_INFO chip id; ESP32/S2 ids are image-only', () => {
  const expect: Record<number, string> = {
    9: 'esp32s3', 5: 'esp32c3', 12: 'esp32c2', 13: 'esp32c6', 16: 'esp32h2', 18: 'esp32p4', 20: 'esp32c61', 23: 'esp32c5',
    25: 'esp32h21', 28: 'esp32h4', 32: 'esp32s31',
  };
  for (const [id, name] of Object.entries(expect)) assert.equal(chipById(Number(id))?.name, name);
  assert.equal(chipById(0), undefined);
  assert.equal(chipById(2), undefined);
  assert.equal(chipByName('ESP32-S3')?.name, 'esp32s3');
});

test('security info: 20-byte form with chip id and flag names', () => {
  const payload = new Uint8Array(20);
  payload.set(packU32le([0b101]), 0);
  payload[4] = 1;
  payload.set(packU32le([9, 3]), 12);
  const info = parseSecurityInfo(payload);
  assert.equal(info.chipId, 9);
  assert.equal(info.apiVersion, 3);
  assert.equal(info.flashCryptCnt, 1);
  assert.deepEqual(info.flagNames, ['SECURE_BOOT_EN', 'SECURE_DOWNLOAD_ENABLE']);
  assert.equal(parseSecurityInfo(new Uint8Array(12)).chipId, undefined);
  assert.deepEqual(securityFlagNames(1 << 10), ['DIS_DOWNLOAD_ICACHE']);
});

test('flash JEDEC id → size', () => {
  assert.equal(flashSizeFromId(0x1640ef), 4 * 1024 * 1024); // W25Q32
  assert.equal(flashSizeFromId(0x1840c8), 16 * 1024 * 1024); // GD25Q128
  assert.equal(flashSizeFromId(0x12_40_ef), 256 * 1024);
  assert.equal(flashSizeFromId(0x20_40_ef), 64 * 1024 * 1024);
  assert.equal(flashSizeFromId(0x39_60_20), 32 * 1024 * 1024);
  assert.equal(flashSizeFromId(0x00_44_1f), 512 * 1024 * 1); // Adesto density 4
  assert.equal(flashSizeFromId(0x00_48_1f), 8 * 1024 * 1024);
  assert.equal(flashSizeFromId(0x77_40_ef), undefined);
  assert.ok(isNoFlashId(0xffffff) && isNoFlashId(0) && isNoFlashId(0xffff3f) && !isNoFlashId(0x1640ef));
});

test('revision decoding from eFuse words', () => {
  const c3 = chipByName('esp32c3')!;
  const words = new Map<number, number>([
    [0x60008800 + 0x44 + 4 * 5, (1 << 24) | (1 << 23)],
    [0x60008800 + 0x44 + 4 * 3, 3 << 18],
  ]);
  assert.deepEqual(decodeRevision(c3, (a) => words.get(a) ?? 0), { major: 1, minor: 11 });
  const esp32 = chipByName('esp32')!;
  const e = new Map<number, number>([[0x3ff5a00c, 1 << 15], [0x3ff5a014, (1 << 20) | (2 << 24)], [0x3ff6607c, 1 << 31]]);
  assert.deepEqual(decodeRevision(esp32, (a) => e.get(a) ?? 0), { major: 3, minor: 2 });
  assert.equal(decodeRevision(chipByName('esp8266')!, () => 0), undefined);
});

test('crystal normalisation', () => {
  assert.equal(normaliseCrystal(39.7, [26, 40]), 40);
  assert.equal(normaliseCrystal(26.2, [26, 40]), 26);
  assert.equal(normaliseCrystal(0, [26, 40]), undefined);
});

test('every chip row names a stub that ships in esptool-js@0.7.0 and loads, or says it has none', async () => {
  for (const chip of ESP_CHIPS) {
    if (chip.stub === null) {
      assert.throws(() => stubNameFor(chip), /No flasher stub/);
      continue;
    }
    const stub = await loadStub(stubNameFor(chip));
    assert.ok(stub.text.length > 1000, chip.name);
    assert.ok(stub.entry >= stub.textStart && stub.entry < stub.textStart + stub.text.length, chip.name);
  }
  assert.equal(stubNameFor(chipByName('esp32p4')!, { major: 1, minor: 0 }), 'esp32p4-rev1');
  assert.ok(existsSync('node_modules/esptool-js/lib/targets/stub_flasher/esp32p4-rev1.json'));
});
