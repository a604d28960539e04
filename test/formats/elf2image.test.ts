import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { elfToImage, type Elf2ImageOptions } from '../../src/formats/elf2image.js';
import { isAnyflashError } from '../../src/core/errors.js';

const fixture = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/${p}`, import.meta.url)));

function firstDifference(a: Uint8Array, b: Uint8Array): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `first difference at 0x${i.toString(16)}`;
  return `lengths ${a.length} vs ${b.length}`;
}

function assertSame(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length === expected.length && actual.every((x, i) => x === expected[i])) return;
  assert.fail(`${what} differs from esptool's output: ${firstDifference(actual, expected)}`);
}

// Each case: ELF fixture, options, the esptool output it must equal (see test/fixtures/esp/make-expected.sh).
const cases: Array<[string, Elf2ImageOptions, string]> = [
  ['esp32-app', { chip: 'esp32' }, 'esp32-app.bin'],
  ['esp32-app', { chip: 'esp32', flashMode: 'dio', flashFreq: '80m', flashSize: '4MB', minRevFull: 100, maxRevFull: 399 }, 'esp32-app-dio-4MB.bin'],
  ['esp32-app', { chip: 'esp32', useSegments: true }, 'esp32-app-segments.bin'],
  ['esp32-bootloader', { chip: 'esp32', flashMode: 'dio', flashFreq: '40m', flashSize: '2MB' }, 'esp32-bootloader.bin'],
  ['esp32c3-app', { chip: 'esp32c3', flashSize: '4MB' }, 'esp32c3-app.bin'],
  ['esp32c3-app', { chip: 'esp32c3', appendDigest: false }, 'esp32c3-app-nodigest.bin'],
  ['esp32c6-app', { chip: 'esp32c6', padToSize: 4096 }, 'esp32c6-app.bin'],
  ['esp32c6-app', { chip: 'esp32c6', mmuPageSize: 16384 }, 'esp32c6-app-16k.bin'],
  ['esp32s3-app', { chip: 'esp32s3', flashMode: 'dout', flashFreq: '40m', flashSize: '8MB' }, 'esp32s3-app.bin'],
  ['esp32c3-gcc', { chip: 'esp32c3', flashSize: '4MB', flashMode: 'dio' }, 'esp32c3-gcc.bin'],
  ['esp32c3-gcc', { chip: 'esp32c3', useSegments: true }, 'esp32c3-gcc-segments.bin'],
  ['esp32c3-gcc', { chip: 'esp32c3', ramOnlyHeader: true }, 'esp32c3-gcc-ramonly.bin'],
  ['esp32-bootloader', { chip: 'esp32', ramOnlyHeader: true }, 'esp32-bootloader-ramonly.bin'],
  ['esp32-app', { chip: 'esp32', securePad: 1 }, 'esp32-app-securepad.bin'],
  ['esp32c3-app', { chip: 'esp32c3', securePad: 2 }, 'esp32c3-app-securepad-v2.bin'],
];

for (const [elf, opts, expected] of cases) {
  test(`elf2image ${elf} ${JSON.stringify(opts)} is byte-identical to esptool`, () => {
    const result = elfToImage(fixture(`elf/${elf}.elf`), opts);
    assert.equal(result.parts.length, 1);
    assertSame(result.parts[0]!.data, fixture(`esp/${expected}`), expected);
  });
}

test('elf2image ESP8266 V1 gives the RAM image at 0x0 and the IROM blob at its flash offset, as esptool', () => {
  const result = elfToImage(fixture('elf/esp8266-app.elf'), { chip: 'esp8266', flashMode: 'dio', flashFreq: '40m', flashSize: '4MB' });
  assert.deepEqual(result.parts.map((p) => [p.offset, p.suffix]), [[0, '0x00000.bin'], [0x10000, '0x10000.bin']]);
  assertSame(result.parts[0]!.data, fixture('esp/esp8266-app-0x00000.bin'), 'RAM image');
  assertSame(result.parts[1]!.data, fixture('esp/esp8266-app-0x10000.bin'), 'IROM blob');
});

test('elf2image of a gcc-built ESP8266 ELF (merged .data+.rodata, unaligned sizes) equals esptool', () => {
  const result = elfToImage(fixture('elf/esp8266-gcc.elf'), { chip: 'esp8266' });
  assert.deepEqual(result.parts.map((p) => p.offset), [0, 0x10000]);
  assertSame(result.parts[0]!.data, fixture('esp/esp8266-gcc-0x00000.bin'), 'RAM image');
  assertSame(result.parts[1]!.data, fixture('esp/esp8266-gcc-0x10000.bin'), 'IROM blob');
});

test('elf2image ESP8266 V2 image equals esptool --version 2 (IROM first, CRC-32 at the end)', () => {
  const result = elfToImage(fixture('elf/esp8266-gcc.elf'), { chip: 'esp8266', version: 2 });
  assert.deepEqual(result.parts.map((p) => [p.offset, p.suffix]), [[0x10000, '-0x10000.bin']]);
  assertSame(result.parts[0]!.data, fixture('esp/esp8266-gcc-v2.bin'), 'V2 image');
});

test('elf2image --ram-only-header refuses to overwrite data with the ELF SHA-256, as esptool does', () => {
  assert.throws(() => elfToImage(fixture('elf/esp32-app.elf'), { chip: 'esp32', ramOnlyHeader: true }), (e) =>
    isAnyflashError(e, 'bad-input') && /not zero; refusing to overwrite/.test(e.message));
});

test('elf2image rejects a non-ELF and a truncated ELF with bad-input', () => {
  const elf = fixture('elf/esp32-app.elf');
  for (const [bytes, pattern] of [
    [fixture('esp/esp32-app.bin'), /no ELF magic/],
    [elf.subarray(0, 0x800), /beyond the end of the file/],
    [elf.subarray(0, 20), /truncated header/],
  ] as const) {
    assert.throws(() => elfToImage(bytes, { chip: 'esp32', file: 'app.elf' }),
      (e) => isAnyflashError(e, 'bad-input') && pattern.test(e.message) && e.message.includes('app.elf'));
  }
});

test('elf2image refuses an ARM ELF for an ESP chip and an unknown chip name', () => {
  assert.throws(() => elfToImage(fixture('elf/sifli-app.elf'), { chip: 'esp32' }), (e) => isAnyflashError(e, 'bad-input') && /Xtensa or RISC-V/.test(e.message));
  assert.throws(() => elfToImage(fixture('elf/esp32-app.elf'), { chip: 'esp99' }), (e) => isAnyflashError(e, 'unknown-chip'));
  assert.throws(() => elfToImage(fixture('elf/esp32-app.elf'), { chip: 'esp32c3' }), (e) =>
    isAnyflashError(e, 'wrong-chip-image') && /Xtensa ELF, but ESP32-C3 is RISC-V/.test(e.message));
  assert.throws(() => elfToImage(fixture('elf/esp32c3-gcc.elf'), { chip: 'esp32s3' }), (e) => isAnyflashError(e, 'wrong-chip-image'));
});
