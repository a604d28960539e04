import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  checkFitsPartition, parsePartitionBinary, parsePartitionCsv, parsePartitionTable, partitionTableToBinary, partitionTableToCsv,
} from '../../src/formats/partition-table.js';
import { isAnyflashError } from '../../src/core/errors.js';

const fixture = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/partitions/${p}`, import.meta.url)));
const text = (p: string): string => new TextDecoder().decode(fixture(p));

for (const name of ['single-app', 'ota']) {
  test(`${name}.csv → binary equals gen_esp32part, and binary → CSV equals its CSV`, () => {
    const table = parsePartitionCsv(text(`${name}.csv`));
    assert.deepEqual(partitionTableToBinary(table), fixture(`${name}.bin`));
    assert.equal(partitionTableToCsv(parsePartitionBinary(fixture(`${name}.bin`))), text(`${name}.from-bin.csv`));
  });
}

test('CSV ↔ binary round trip keeps every field', () => {
  const table = parsePartitionCsv(text('ota.csv'));
  const again = parsePartitionTable(new TextEncoder().encode(partitionTableToCsv(parsePartitionBinary(partitionTableToBinary(table)))));
  assert.deepEqual(again.partitions.map(({ line: _l, ...p }) => p), table.partitions.map(({ line: _l, ...p }) => p));
});

test('auto-placed offsets: data after the table at 0x9000, apps on 64 KB boundaries', () => {
  const table = parsePartitionCsv(text('ota.csv'));
  assert.deepEqual(table.partitions.map((p) => [p.name, p.offset]), [
    ['nvs', 0x9000], ['otadata', 0xd000], ['phy_init', 0xf000], ['ota_0', 0x10000], ['ota_1', 0x110000],
    ['storage', 0x210000], ['coredump', 0x290000], ['keys', 0x2a0000], ['custom', 0x300000],
  ]);
  const moved = parsePartitionCsv('nvs,data,nvs,,0x6000\nfactory,app,factory,,1M\n', { tableOffset: 0x10000 });
  assert.deepEqual(moved.partitions.map((p) => p.offset), [0x11000, 0x20000]);
});

const errors: Array<[string, string, RegExp]> = [
  ['overlap', 'nvs,data,nvs,0x9000,0x6000\nphy,data,phy,0xe000,0x1000\n', /line 2: offset 0xe000 overlaps the previous partition/],
  ['before the table', '# header\nnvs,data,nvs,0x8000,0x6000\n', /line 2: offset 0x8000 overlaps the partition table/],
  ['misaligned app', 'nvs,data,nvs,,0x6000\nfactory,app,factory,0x18000,1M\n', /line 2: partition factory offset 0x18000 is not aligned to 0x10000/],
  ['unknown subtype', 'nvs,data,nvs,,0x6000\n\nx,data,bogus,,4K\n', /line 3: subtype "bogus" is not valid/],
  ['unknown flag', 'nvs,data,nvs,,0x6000,secret\n', /line 1: unknown flag "secret"/],
  ['empty size', 'nvs,data,nvs,0x9000\n', /line 1: the size is empty/],
  ['bad number', 'nvs,data,nvs,0x9000,12Q\n', /line 1: "12Q" is not a number/],
  ['app too large', 'factory,app,factory,0x10000,17M\n', /line 1: app partition factory is larger than 16 MB/],
  ['duplicate name', 'a,data,nvs,,0x6000\na,data,phy,,0x1000\n', /line 2: partition name a is used twice \(also line 1\)/],
  ['otadata size', 'otadata,data,ota,,0x1000\n', /line 1: the otadata partition must be 0x2000 bytes/],
  ['beyond flash', 'factory,app,factory,0x10000,4M\n', /line 1: partition factory ends at 0x410000, beyond the 4 MB flash/],
];
for (const [what, csv, pattern] of errors) {
  test(`partition CSV error (${what}) names the line`, () => {
    assert.throws(() => parsePartitionCsv(csv, { file: 'p.csv', flashSize: 4 * 1024 * 1024 }), (e) =>
      isAnyflashError(e, 'bad-input') && e.message.startsWith('p.csv line') && pattern.test(e.message));
  });
}

test('a binary with a wrong MD5 row is refused', () => {
  const bin = fixture('single-app.bin').slice();
  bin[0x10] ^= 1;
  assert.throws(() => parsePartitionBinary(bin, 'pt.bin'), (e) => isAnyflashError(e, 'bad-input') && /MD5 row does not match/.test(e.message));
});

test('an image bigger than its partition is file-too-large', () => {
  const table = parsePartitionCsv(text('single-app.csv'));
  assert.equal(checkFitsPartition(table, 'factory', 0x100000).offset, 0x10000);
  assert.throws(() => checkFitsPartition(table, 'factory', 0x100001, 'app.bin'), (e) =>
    isAnyflashError(e, 'file-too-large') && /app\.bin \(1048577 bytes\) is larger than partition factory/.test(e.message));
  assert.throws(() => checkFitsPartition(table, 'nope', 1), (e) => isAnyflashError(e, 'bad-input') && /nvs, phy_init, factory/.test(e.advice[0]!));
});
