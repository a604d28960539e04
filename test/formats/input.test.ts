import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadInput } from '../../src/formats/input.js';
import { writeIntelHex } from '../../src/formats/ihex.js';
import { writeUf2 } from '../../src/formats/uf2.js';
import { crc16Cms, APP_MAGIC } from '../../src/formats/beken.js';
import { isAnyflashError } from '../../src/core/errors.js';

const fixture = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/${p}`, import.meta.url)));
const bytes = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 13 + seed) & 0xff);

test('Intel HEX: addresses come from the file and a gap gives two regions', () => {
  const a = bytes(40, 1);
  const b = bytes(20, 2);
  const hex = new TextEncoder().encode(writeIntelHex([{ address: 0x1fff0, data: a }, { address: 0x30000, data: b }]));
  const loaded = loadInput('fw.hex', hex, {});
  assert.equal(loaded.kind, 'ihex');
  assert.deepEqual(loaded.regions.map((r) => [r.address, r.data.length]), [[0x1fff0, 40], [0x30000, 20]]);
  assert.deepEqual(loaded.regions[0]!.data, a);
  assert.deepEqual(loaded.regions[1]!.data, b);
});

test('Intel HEX: a checksum error names the file and the line', () => {
  const text = writeIntelHex([{ address: 0, data: bytes(64, 3) }]).split('\n');
  text[2] = text[2]!.slice(0, -2) + (text[2]!.endsWith('00') ? '01' : '00');
  const damaged = new TextEncoder().encode(text.join('\n'));
  assert.throws(() => loadInput('fw.hex', damaged, {}), (e) =>
    isAnyflashError(e, 'bad-input') && /^fw\.hex line 3: checksum error/.test(e.message) && e.file === 'fw.hex');
});

test('Intel HEX: segment (02) addressing and a start record are understood', () => {
  // :02000002 1000 → base 0x10000; data at offset 0x0010 → 0x10010.
  const text = [':020000021000EC', ':0400100001020304E2', ':0400000300001234B3', ':00000001FF'].join('\r\n');
  const loaded = loadInput('seg.hex', new TextEncoder().encode(text), {});
  assert.deepEqual(loaded.regions.map((r) => [r.address, Array.from(r.data)]), [[0x10010, [1, 2, 3, 4]]]);
});

test('Intel HEX: a file without its end record is called truncated', () => {
  const text = writeIntelHex([{ address: 0, data: bytes(64, 3) }]).split('\n').slice(0, 3).join('\n');
  assert.throws(() => loadInput('fw.hex', new TextEncoder().encode(text), {}), (e) => isAnyflashError(e, 'bad-input') && /truncated/.test(e.message));
});

test('UF2: blocks land at their addresses when the family matches the chip', () => {
  const data = bytes(1000, 4);
  const uf2 = writeUf2([{ address: 0x10000, data }], 0xd42ba06c);
  const loaded = loadInput('fw.uf2', uf2, { chip: 'ESP32-C3' });
  assert.equal(loaded.kind, 'uf2');
  assert.deepEqual(loaded.regions.map((r) => r.address), [0x10000]);
  assert.deepEqual(loaded.regions[0]!.data, data);
});

test('UF2 of another family is refused with wrong-chip-image', () => {
  const uf2 = writeUf2([{ address: 0x10000, data: bytes(100, 5) }], 0x1c5f21b0);
  assert.throws(() => loadInput('fw.uf2', uf2, { chip: 'esp32s3' }), (e) =>
    isAnyflashError(e, 'wrong-chip-image') && /UF2 for esp32, not for esp32s3/.test(e.message));
  assert.throws(() => loadInput('fw.uf2', uf2, { family: 'beken' }), (e) => isAnyflashError(e, 'wrong-chip-image'));
  assert.throws(() => loadInput('fw.uf2', uf2, { chip: 'beken' }), (e) => isAnyflashError(e, 'wrong-chip-image'));
  assert.equal(loadInput('fw.uf2', uf2, { chip: 'esp' }).regions[0]!.address, 0x10000);
});

/** A LibreTiny-style UF2: data blocks with extension tags right after the payload. */
function ltUf2(blocks: Array<{ address: number; data: Uint8Array; tags?: Array<[number, Uint8Array]> }>, familyId: number): Uint8Array {
  const out = new Uint8Array(blocks.length * 512);
  const v = new DataView(out.buffer);
  blocks.forEach((b, i) => {
    const o = i * 512;
    v.setUint32(o, 0x0a324655, true);
    v.setUint32(o + 4, 0x9e5d5157, true);
    v.setUint32(o + 8, 0x2000 | (b.tags ? 0x8000 : 0), true);
    v.setUint32(o + 12, b.address, true);
    v.setUint32(o + 16, b.data.length, true);
    v.setUint32(o + 20, i, true);
    v.setUint32(o + 24, blocks.length, true);
    v.setUint32(o + 28, familyId, true);
    out.set(b.data, o + 32);
    let p = o + 32 + b.data.length;
    for (const [type, data] of b.tags ?? []) {
      out.set([4 + data.length, type & 0xff, (type >> 8) & 0xff, type >> 16], p);
      out.set(data, p + 4);
      p += (4 + data.length + 3) & ~3;
    }
    v.setUint32(o + 508, 0x0ab16f30, true);
  });
  return out;
}
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
// OTA_PART_INFO: index nibbles for the 6 schemes (FLASHER_SINGLE is the 4th), then partition names.
const partInfo = (flasherIndex: number, ...names: string[]): Uint8Array =>
  Uint8Array.of(0x01, (1 << 4) | flasherIndex, 0x00, ...enc(names.join('\0') + '\0'));

test('LibreTiny UF2: blocks land in the partition its OTA_PART_INFO names (app at 0x11000)', () => {
  const uf2 = ltUf2([
    { address: 0, data: bytes(256, 1), tags: [[0xca25c8, enc('cb2s')], [0x00de43, enc('esphome')], [0xc0ee0c, partInfo(1, 'app')]] },
    { address: 256, data: bytes(256, 2) },
  ], 0x7b3ef230);
  const loaded = loadInput('fw.uf2', uf2, { chip: 'bk7231n' });
  assert.deepEqual(loaded.regions.map((r) => [r.address, r.data.length]), [[0x11000, 512]]);
  assert.deepEqual(loaded.regions[0]!.data.subarray(256), bytes(256, 2));
  assert.match(loaded.warnings.join(), /board cb2s \(esphome\); partitions app/);
});

test('LibreTiny UF2: a board-specific partition needs FAL_PTABLE, and no partition info is refused', () => {
  const download = ltUf2([{ address: 0, data: bytes(64, 3), tags: [[0xc0ee0c, partInfo(1, 'download')]] }], 0x7b3ef230);
  assert.throws(() => loadInput('fw.uf2', download, { chip: 'bk7231n' }), (e) => isAnyflashError(e, 'bad-input') && /"download"/.test(e.message));
  const fal = new Uint8Array(48);
  const fv = new DataView(fal.buffer);
  fv.setUint32(0, 0x45503130, true);
  fal.set(enc('download'), 4);
  fal.set(enc('beken_onchip'), 20);
  fv.setUint32(36, 0x12a000, true);
  fv.setUint32(40, 0xa6000, true);
  const withTable = ltUf2([{ address: 0x100, data: bytes(64, 3), tags: [[0x8288ed, fal], [0xc0ee0c, partInfo(1, 'download')]] }], 0x7b3ef230);
  assert.deepEqual(loadInput('fw.uf2', withTable, { chip: 'bk7231n' }).regions.map((r) => r.address), [0x12a100]);
  const legacy = writeUf2([{ address: 0, data: bytes(600, 6) }], 0x7b3ef230, { md5: false });
  assert.throws(() => loadInput('fw.uf2', legacy, { chip: 'bk7231n' }), (e) => isAnyflashError(e, 'bad-input') && /legacy/.test(e.message));
});

test('ESP ELF is converted to the same app image elf2image gives, at 0x10000 by default', () => {
  const loaded = loadInput('app.elf', fixture('elf/esp32c3-app.elf'), { chip: 'esp32c3', flashSize: '4MB' });
  assert.equal(loaded.kind, 'elf');
  assert.deepEqual(loaded.regions.map((r) => r.address), [0x10000]);
  assert.deepEqual(loaded.regions[0]!.data, fixture('esp/esp32c3-app.bin'));
  const placed = loadInput('app.elf', fixture('elf/esp32c3-app.elf'), { chip: 'esp32c3', flashSize: '4MB', address: 0x20000 });
  assert.equal(placed.regions[0]!.address, 0x20000);
});

test('ESP ELF without a chip asks for one', () => {
  assert.throws(() => loadInput('app.elf', fixture('elf/esp32-app.elf'), { family: 'esp' }), (e) =>
    isAnyflashError(e, 'bad-input') && /needs the exact chip/.test(e.message));
});

test('ESP8266 ELF gives the V1 image at 0 and the IROM at its offset', () => {
  const loaded = loadInput('app.elf', fixture('elf/esp8266-app.elf'), { chip: 'esp8266', flashMode: 'dio', flashFreq: '40m', flashSize: '4MB' });
  assert.deepEqual(loaded.regions.map((r) => r.address), [0, 0x10000]);
  assert.deepEqual(loaded.regions[0]!.data, fixture('esp/esp8266-app-0x00000.bin'));
  assert.deepEqual(loaded.regions[1]!.data, fixture('esp/esp8266-app-0x10000.bin'));
});

test('SiFli ELF: PT_LOAD segments at their physical (load) addresses', () => {
  const loaded = loadInput('app.elf', fixture('elf/sifli-app.elf'), { family: 'sifli' });
  assert.deepEqual(loaded.regions.map((r) => [r.address, r.data.length]), [[0x12020000, 0x1100]]);
});

test('Raw binary needs an address, and goes there when given one', () => {
  assert.throws(() => loadInput('fw.bin', bytes(100, 7), { family: 'sifli' }), (e) => isAnyflashError(e, 'bad-input') && /say where it goes/.test(e.message));
  const loaded = loadInput('fw.bin', bytes(100, 7), { address: 0x1000 });
  assert.deepEqual(loaded.regions.map((r) => [r.address, r.data.length, r.name]), [[0x1000, 100, 'fw.bin']]);
  assert.equal(loaded.kind, 'raw');
});

test('Empty file is file-empty', () => {
  assert.throws(() => loadInput('fw.bin', new Uint8Array(0), { address: 0 }), (e) => isAnyflashError(e, 'file-empty'));
});

test('ESP images without an address: an app goes to 0x10000, a bootloader to the chip\'s bootloader offset', () => {
  const app = loadInput('app.bin', fixture('esp/esp32-app.bin'), { chip: 'esp32' });
  assert.equal(app.kind, 'esp-image');
  assert.equal(app.regions[0]!.address, 0x10000);
  const boot = loadInput('bootloader.bin', fixture('esp/esp32-bootloader.bin'), { chip: 'esp32' });
  assert.equal(boot.regions[0]!.address, 0x1000);
});

test('A whole ESP flash image (table at 0x8000) without an address is written from 0x0', () => {
  const flash = new Uint8Array(0x20000).fill(0xff);
  flash.set(fixture('esp/esp32-bootloader.bin'), 0x1000);
  flash.set(fixture('partitions/single-app.bin'), 0x8000);
  const loaded = loadInput('full.bin', flash, { chip: 'esp32' });
  assert.deepEqual(loaded.regions.map((r) => [r.address, r.data.length]), [[0, 0x20000]]);
  assert.match(loaded.warnings.join(), /whole ESP flash image/);
});

function bekenApp(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0; at + 34 <= length; at += 34) {
    const block = out.subarray(at, at + 32);
    if (at === 0) block.set(APP_MAGIC);
    else block.set(bytes(32, at));
    const crc = crc16Cms(block);
    out[at + 32] = crc >> 8;
    out[at + 33] = crc & 0xff;
  }
  return out;
}

test('Beken UA app goes to 0x11000; a full QIO dump writes only its app part', () => {
  const app = bekenApp(34 * 100);
  const ua = loadInput('fw_UA.bin', app, { chip: 'bk7231n' });
  assert.deepEqual(ua.regions.map((r) => [r.address, r.data.length]), [[0x11000, app.length]]);
  const dump = new Uint8Array(0x11000 + app.length).fill(0x11);
  dump.set(app, 0x11000);
  const qio = loadInput('fw_QIO.bin', dump, { family: 'beken' });
  assert.deepEqual(qio.regions.map((r) => [r.address, r.data.length]), [[0x11000, app.length]]);
  assert.deepEqual(qio.regions[0]!.data, app);
});
