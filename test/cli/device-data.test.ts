import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import type { DeviceRecord } from '../../src/engine/record.js';
import { runCli } from './harness.js';

// The MACs the simulators report (eFuse words in src/sim/esp/chips.ts), as `anyflash info` shows them.
const MAC = { esp32: '24:0a:c4:12:34:56', esp32c3: '58:cf:79:01:02:03', esp32s3: '34:85:18:01:02:03', esp32c6: '40:4c:ca:01:02:03', esp32s2: '7c:df:a1:01:02:03' };
const APP = 0x20000;
const DATA = 0x9000;

function setup(): { dir: string; app: string; image: Uint8Array; port: (chip: string) => string; flash: (chip: string) => Uint8Array | undefined } {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-devdata-'));
  const image = pseudoRandomBytes(0x2000, 40);
  const app = join(dir, 'app.bin');
  writeFileSync(app, image);
  const file = (chip: string): string => join(dir, `${chip}.flash`);
  return {
    dir,
    app,
    image,
    port: (chip) => `sim:${chip}?flash-file=${file(chip)}`,
    flash: (chip) => (existsSync(file(chip)) ? new Uint8Array(readFileSync(file(chip))) : undefined),
  };
}

const records = (path: string): DeviceRecord[] => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DeviceRecord);
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const at = (flash: Uint8Array | undefined, address: number, length: number): Uint8Array | undefined => flash?.subarray(address, address + length);

test('a folder of files named by MAC: each device gets its own file at the address, verified and in the record', async () => {
  const s = setup();
  const folder = join(s.dir, 'by-mac');
  mkdirSync(folder);
  const data = { esp32: pseudoRandomBytes(0x1000, 41), esp32c3: pseudoRandomBytes(0x800, 42) };
  // Forgiving names: plain hex, or upper-case bytes joined by dashes; other files are ignored.
  writeFileSync(join(folder, '240ac4123456.bin'), data.esp32);
  writeFileSync(join(folder, 'nvs-58-CF-79-01-02-03.bin'), data.esp32c3);
  writeFileSync(join(folder, 'README.txt'), 'made by mfg_gen');
  const record = join(s.dir, 'line');
  const r = await runCli(['write', '--port', s.port('esp32'), '--port', s.port('esp32c3'), '--device-data', `0x9000:${folder}`, '--record', record, '0x20000', s.app]);
  assert.equal(r.code, 0, r.stderr);
  for (const chip of ['esp32', 'esp32c3'] as const) {
    assert.deepEqual(at(s.flash(chip), DATA, data[chip].length), data[chip], `${chip}: its own data at 0x9000`);
    assert.deepEqual(at(s.flash(chip), APP, s.image.length), s.image, `${chip}: the image too`);
  }
  const jsonl = records(`${record}.jsonl`);
  const esp32 = jsonl.find((x) => x.chip === 'esp32')!;
  assert.equal(esp32.deviceData, '240ac4123456.bin');
  assert.deepEqual(esp32.images.map((i) => i.name).sort(), ['240ac4123456.bin', 'app.bin']);
  assert.equal(esp32.images.find((i) => i.name === '240ac4123456.bin')!.sha256, sha(data.esp32));
  assert.equal(jsonl.find((x) => x.chip === 'esp32c3')!.deviceData, 'nvs-58-CF-79-01-02-03.bin');
  const csv = readFileSync(`${record}.csv`, 'utf8').trim().split('\n');
  assert.match(csv[0]!, /,deviceData,resumed$/);
  assert.ok(csv.some((l) => l.endsWith(',240ac4123456.bin,')));
});

test('a CSV chosen by its mac column works with one --port; a file column is relative to the CSV', async () => {
  const s = setup();
  const bytes = pseudoRandomBytes(0x600, 43);
  writeFileSync(join(s.dir, 'cal-s3.bin'), bytes);
  const csv = join(s.dir, 'cal.csv');
  writeFileSync(csv, `MAC,serial,file,hex\n${MAC.esp32}, SN-A ,,00 11 22\n${MAC.esp32s3.replace(/:/g, '-').toUpperCase()},SN-B,cal-s3.bin,\n`);
  const r = await runCli(['write', '--port', s.port('esp32s3'), '--device-data', `${csv}@0x9000`, '0x20000', s.app]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /cal\.csv#SN-B @ 0x9000: wrote/);
  assert.deepEqual(at(s.flash('esp32s3'), DATA, bytes.length), bytes);
  assert.equal(existsSync(`${csv}.claims.jsonl`), false, 'rows chosen by MAC need no claims');
});

test('a CSV without a mac column hands out rows in turn: no row twice across runs, the same board gets its row again, then no rows are left', async () => {
  const s = setup();
  const csv = join(s.dir, 'serials.csv');
  const rows: Record<string, string> = { SN1001: 'a1a1a1a1', SN1002: 'b2b2b2b2', SN1003: 'c3c3c3c3' };
  writeFileSync(csv, `serial,hex\n${Object.entries(rows).map(([k, v]) => `${k},${v}`).join('\n')}\n`);
  const record = join(s.dir, 'line');
  const run = (...chips: string[]): ReturnType<typeof runCli> =>
    runCli(['write', ...chips.flatMap((c) => ['--port', s.port(c)]), '--device-data', `0x9000:${csv}`, '--station', 'bench-2', '--record', record, '0x20000', s.app]);
  const serialOf = (chip: string): string => {
    const got = records(`${record}.jsonl`).filter((x) => x.chip === chip).at(-1)!.deviceData!;
    const serial = got.replace(/^serials\.csv#/, '');
    assert.deepEqual(at(s.flash(chip), DATA, 4), new Uint8Array(Buffer.from(rows[serial]!, 'hex')), `${chip} holds the bytes of ${got}`);
    return serial;
  };

  const first = await run('esp32', 'esp32c3');
  assert.equal(first.code, 0, first.stderr);
  const [a, b] = [serialOf('esp32'), serialOf('esp32c3')];
  assert.deepEqual([a, b].sort(), ['SN1001', 'SN1002'], 'two devices at once take two different rows');

  const second = await run('esp32', 'esp32s3');
  assert.equal(second.code, 0, second.stderr);
  assert.equal(serialOf('esp32'), a, 'the re-flashed board gets its own row again');
  assert.equal(serialOf('esp32s3'), 'SN1003');
  const claims = readFileSync(`${csv}.claims.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string; station: string });
  assert.deepEqual(claims.map((c) => c.key).sort(), ['SN1001', 'SN1002', 'SN1003']);
  assert.ok(claims.every((c) => c.station === 'bench-2'));

  const third = await run('esp32c6', 'esp32');
  assert.equal(third.code, 1, 'a device without a row fails the line');
  assert.match(third.stderr, /device-data-exhausted/);
  assert.match(third.stderr, /Add rows with new serials/);
  const last = records(`${record}.jsonl`).slice(-2);
  assert.equal(last.find((x) => x.chip === 'esp32c6')?.errorCode, 'device-data-exhausted');
  assert.equal(last.find((x) => x.chip === 'esp32')?.result, 'pass', 'a board that has a row still passes');
  assert.notDeepEqual(at(s.flash('esp32c6'), APP, s.image.length), s.image, 'nothing was written to the device without a row');
});

test('a device whose MAC has no data fails with device-data-missing before anything is written; the others pass', async () => {
  const s = setup();
  const folder = join(s.dir, 'by-mac');
  mkdirSync(folder);
  writeFileSync(join(folder, '240ac4123456.bin'), pseudoRandomBytes(0x100, 44));
  const record = join(s.dir, 'line');
  const r = await runCli(['write', '--port', s.port('esp32'), '--port', s.port('esp32s2'), '--device-data', `0x9000:${folder}`, '--record', record, '0x20000', s.app]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`has no data for MAC ${MAC.esp32s2}`));
  assert.match(r.stderr, /Add 7cdfa1010203\.bin/);
  const jsonl = records(`${record}.jsonl`);
  assert.equal(jsonl.find((x) => x.chip === 'esp32s2')?.errorCode, 'device-data-missing');
  assert.equal(jsonl.find((x) => x.chip === 'esp32')?.result, 'pass');
  assert.notDeepEqual(at(s.flash('esp32s2'), APP, s.image.length), s.image);
});

test('data overlapping an image, or a CSV without bytes, is refused before any device is touched', async () => {
  const s = setup();
  const csv = join(s.dir, 'ids.csv');
  writeFileSync(csv, 'serial,hex\n1,00112233\n');
  const overlap = await runCli(['write', '--port', s.port('esp32'), '--port', s.port('esp32c3'), '--device-data', `0x20000:${csv}`, '--json', '0x20000', s.app]);
  assert.equal(overlap.code, 2, overlap.stderr);
  assert.equal(JSON.parse(overlap.stdout).error.code, 'regions-overlap');
  writeFileSync(csv, 'serial,notes\n1,first\n');
  const bad = await runCli(['write', '--port', s.port('esp32'), '--device-data', `0x9000:${csv}`, '--json', '0x20000', s.app]);
  assert.equal(bad.code, 2);
  assert.match(JSON.parse(bad.stdout).error.summary, /no file or hex column/);
  assert.equal(s.flash('esp32'), undefined, 'no simulator was even started');
});

test('station mode hands out CSV rows as boards are plugged in, one each, and records which board took which', async () => {
  const s = setup();
  const csv = join(s.dir, 'serials.csv');
  writeFileSync(csv, 'serial,hex\nSN1,0101\nSN2,0202\n');
  const record = join(s.dir, 'st');
  const r = await runCli(['station', '--hub', 'sim-hub:esp32,esp32c3,esp32s3?every=200&hold=100', '--device-data', `0x9000:${csv}`, '--record', record, '0x20000', s.app]);
  assert.equal(r.code, 1, 'the third board finds no row left');
  const jsonl = records(`${record}.jsonl`);
  const passed = jsonl.filter((x) => x.result === 'pass');
  assert.deepEqual(passed.map((x) => x.deviceData).sort(), ['serials.csv#SN1', 'serials.csv#SN2']);
  assert.deepEqual(jsonl.filter((x) => x.result === 'fail').map((x) => x.errorCode), ['device-data-exhausted']);
  const claims = readFileSync(`${csv}.claims.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string; mac: string });
  for (const p of passed) assert.equal(claims.find((c) => `serials.csv#${c.key}` === p.deviceData)?.mac, p.mac!.replace(/:/g, ''));
});

test('two processes sharing the CSV at once never hand out the same row', async () => {
  const s = setup();
  const csv = join(s.dir, 'serials.csv');
  writeFileSync(csv, 'serial,hex\nS1,01\nS2,02\nS3,03\nS4,04\n');
  const record = (n: number): string => join(s.dir, `st${n}`);
  const line = (n: number, chips: string[]): ReturnType<typeof runCli> =>
    runCli(['write', ...chips.flatMap((c) => ['--port', s.port(c)]), '--device-data', `0x9000:${csv}`, '--station', `bench-${n}`, '--record', record(n), '0x20000', s.app]);
  const results = await Promise.all([line(1, ['esp32', 'esp32c3']), line(2, ['esp32s3', 'esp32c6'])]);
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const got = [...records(`${record(1)}.jsonl`), ...records(`${record(2)}.jsonl`)].map((x) => x.deviceData).sort();
  assert.deepEqual(got, ['serials.csv#S1', 'serials.csv#S2', 'serials.csv#S3', 'serials.csv#S4']);
});
