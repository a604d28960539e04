import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32 } from 'node:zlib';
import {
  crc16Cms, describeBekenImage, detectBekenDump, hasCrcInterleave, parseRbl, parseTuyaUg, stripCrcInterleave, APP_MAGIC,
} from '../../src/formats/beken.js';
import { crc32 } from '../../src/formats/crc32.js';
import { inspectImage } from '../../src/formats/inspect.js';
import { loadInput } from '../../src/formats/input.js';

function rbl(payload: Uint8Array, opts: { name: string; version: string; encryption: number; compression: number }): Uint8Array {
  const out = new Uint8Array(96 + payload.length);
  const v = new DataView(out.buffer);
  out.set([0x52, 0x42, 0x4c, 0x00]);
  out[4] = opts.encryption;
  out[5] = opts.compression;
  v.setUint32(8, 1700000000, true);
  out.set(new TextEncoder().encode(opts.name), 12);
  out.set(new TextEncoder().encode(opts.version), 28);
  v.setUint32(76, zlibCrc32(payload), true);
  v.setUint32(84, payload.length + 100, true);
  v.setUint32(88, payload.length, true);
  v.setUint32(92, zlibCrc32(out.subarray(0, 92)), true);
  out.set(payload, 96);
  return out;
}

function ug(inner: Uint8Array, version: string): Uint8Array {
  const out = new Uint8Array(32 + inner.length);
  const v = new DataView(out.buffer);
  out.set([0x55, 0xaa, 0x55, 0xaa]);
  out.set(new TextEncoder().encode(version), 4);
  v.setUint32(16, inner.length, false);
  v.setUint32(20, inner.reduce((s, b) => (s + b) >>> 0, 0), false);
  out.set([0xaa, 0x55, 0xaa, 0x55], 28);
  out.set(inner, 32);
  return out;
}

const payload = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);

test('CRC16/CMS and CRC-32 match their check values', () => {
  const check = new TextEncoder().encode('123456789');
  assert.equal(crc16Cms(check), 0xaee7);
  assert.equal(crc32(check), 0xcbf43926);
  assert.equal(crc32(payload), zlibCrc32(payload));
});

test('RBL header: fields and both CRCs, valid and damaged', () => {
  const file = rbl(payload, { name: 'app', version: '1.0.7', encryption: 2, compression: 1 });
  const h = parseRbl(file)!;
  assert.deepEqual([h.name, h.version, h.encryption, h.compression, h.dataSize, h.headerCrcValid, h.dataCrcValid],
    ['app', '1.0.7', 'aes256', 'gzip', 1000, true, true]);
  const broken = file.slice();
  broken[200] ^= 1;
  assert.equal(parseRbl(broken)!.dataCrcValid, false);
  broken[20] ^= 1;
  assert.equal(parseRbl(broken)!.headerCrcValid, false);
});

test('Tuya UG is unwrapped to its RBL, which goes to the download partition', () => {
  const file = ug(rbl(payload, { name: 'app', version: '1.0.7', encryption: 0, compression: 1 }), '1.0.7');
  assert.equal(parseTuyaUg(file)!.byteSumValid, true);
  assert.deepEqual(detectBekenDump(file), { address: 0x132000, skip: 32, length: 1096, description: 'Tuya UG package (version 1.0.7) unwrapped to its OTA RBL' });
  const loaded = loadInput('fw.ug.bin', file, { chip: 'bk7231n' });
  assert.deepEqual(loaded.regions.map((r) => [r.address, r.data.length]), [[0x132000, 1096]]);
  const info = inspectImage('fw.ug.bin', file);
  assert.equal(info.kind, 'beken');
  assert.equal(info.kind === 'beken' && info.beken.rbl?.name, 'app');
});

function interleave(logical: Uint8Array): Uint8Array {
  const blocks = logical.length / 32;
  const physical = new Uint8Array(blocks * 34);
  for (let i = 0; i < blocks; i++) {
    const block = logical.subarray(i * 32, i * 32 + 32);
    physical.set(block, i * 34);
    const crc = crc16Cms(block);
    physical[i * 34 + 32] = crc >> 8;
    physical[i * 34 + 33] = crc & 0xff;
  }
  return physical;
}

test('full QIO dump: app part placed at 0x11000, bootloader RBL header read through the CRC16s', () => {
  const bootLogical = new Uint8Array(0x10000).fill(0x5a);
  bootLogical.set(rbl(new Uint8Array(0), { name: 'bootloader', version: '1.0.1', encryption: 0, compression: 0 }).subarray(0, 96), 0xffa0);
  const app = new Uint8Array(32 * 64).map((_, i) => (i * 3) & 0xff);
  app.set(APP_MAGIC);
  const dump = new Uint8Array(0x11000 + app.length / 32 * 34).fill(0xff);
  dump.set(interleave(bootLogical).subarray(0, 0x11000));
  dump.set(interleave(app), 0x11000);
  const info = describeBekenImage(dump)!;
  assert.equal(info.kind, 'full-dump');
  assert.deepEqual([info.bootloader?.name, info.bootloader?.version, info.bootloader?.headerCrcValid], ['bootloader', '1.0.1', true]);
  assert.deepEqual(info.placement, { address: 0x11000, skip: 0x11000, length: app.length / 32 * 34, description: 'full flash dump (QIO); only its app part is written, the bootloader is kept' });
});

test('CRC16 interleave: detection and stripping', () => {
  const logical = new Uint8Array(32 * 20).map((_, i) => (i * 5) & 0xff);
  logical.set(APP_MAGIC);
  const physical = new Uint8Array(34 * 20);
  for (let i = 0; i < 20; i++) {
    const block = logical.subarray(i * 32, i * 32 + 32);
    physical.set(block, i * 34);
    const crc = crc16Cms(block);
    physical[i * 34 + 32] = crc >> 8;
    physical[i * 34 + 33] = crc & 0xff;
  }
  assert.equal(hasCrcInterleave(physical), true);
  assert.deepEqual(stripCrcInterleave(physical), logical);
  assert.equal(describeBekenImage(physical)!.kind, 'app');
  physical[40] ^= 1;
  assert.equal(hasCrcInterleave(physical), false);
  assert.equal(detectBekenDump(physical), null);
});
