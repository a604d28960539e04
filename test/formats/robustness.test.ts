import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspectImage } from '../../src/formats/inspect.js';
import { loadInput } from '../../src/formats/input.js';
import { AnyflashError } from '../../src/core/errors.js';

const fixture = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/${p}`, import.meta.url)));

/** Parsers must answer damaged files with an AnyflashError (exit code 2), never a crash. */
function survives(what: string, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AnyflashError, `${what}: threw ${(e as Error).stack}`);
  }
}

const files = ['esp/esp32-bootloader.bin', 'esp/esp8266-gcc-v2.bin', 'elf/esp8266-gcc.elf', 'elf/esp32c3-gcc.elf',
  'esp/merged-esp32.uf2', 'partitions/ota.bin'];

test('truncated and bit-flipped files give AnyflashErrors, not crashes', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (const f of files) {
    const bytes = fixture(f);
    for (const cut of [1, 7, 8, 23, 24, 33, 52, 100, 511, 512, 0x800, bytes.length - 33, bytes.length - 1]) {
      if (cut <= 0 || cut >= bytes.length) continue;
      const part = bytes.subarray(0, cut);
      survives(`${f} cut at ${cut}`, () => inspectImage(f, part));
      survives(`${f} cut at ${cut} (write)`, () => loadInput(f, part, { chip: 'esp32' }));
    }
    for (let i = 0; i < 40; i++) {
      const damaged = bytes.slice();
      for (let k = 0; k < 4; k++) damaged[rand(Math.min(damaged.length, 256))] = rand(256);
      survives(`${f} damaged #${i}`, () => inspectImage(f, damaged));
      survives(`${f} damaged #${i} (write)`, () => loadInput(f, damaged, { chip: 'esp32c3', address: 0x10000 }));
    }
  }
});
