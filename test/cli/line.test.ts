import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import type { DeviceRecord } from '../../src/engine/record.js';
import { appendRecord } from '../../src/cli/line/session.js';
import { runCli } from './harness.js';

const APP = 0x20000;

test('a production line of 8 mixed devices, some with faults: each verified on its own, one failure recorded, the rest unaffected', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-line-'));
  const image = pseudoRandomBytes(0x18000, 20);
  writeFileSync(join(dir, 'app.bin'), image);
  const sha = createHash('sha256').update(image).digest('hex');
  const file = (name: string): string => join(dir, `${name}.flash`);
  // `fault-write-size` makes N% mean N% of this image.
  const size = `fault-write-size=${image.length}`;
  const passing: Record<string, { url: string; recovers: boolean }> = {
    esp32: { url: `sim:esp32?flash-file=${file('esp32')}`, recovers: false },
    'esp32-brownout': { url: `sim:esp32?fault=brownout=50%25&seed=3&${size}&flash-file=${file('esp32-brownout')}`, recovers: true },
    esp32c3: { url: `sim:esp32c3?fault=vanish=40%25:1&${size}&flash-file=${file('esp32c3')}`, recovers: true },
    esp32s3: { url: `sim:esp32s3?fault=corrupt=1e-4&seed=4&flash-file=${file('esp32s3')}`, recovers: false },
    bk7231n: { url: `sim:bk7231n?flash-file=${file('bk7231n')}`, recovers: false },
    bk7238: { url: `sim:bk7238?fault=brownout=60%25&${size}&flash-file=${file('bk7238')}`, recovers: true },
    sf32lb52: { url: `sim:sf32lb52?flash-file=${file('sf32lb52')}`, recovers: false },
  };
  // A board whose firmware owns the UART and that has no auto-reset: it cannot be put in download mode.
  const stuck = 'sim:esp32c6?auto-reset=0&boot=firmware';
  const ports = [...Object.values(passing).map((p) => p.url), stuck];
  const record = join(dir, 'line');
  const r = await runCli(
    ['write', ...ports.flatMap((p) => ['--port', p]), '--connect-attempts', '2', '--station', 'bench-1', '--record', record, '--json-events', `0x${APP.toString(16)}`, join(dir, 'app.bin')],
    { timeoutMs: 90_000 },
  );
  assert.equal(r.code, 1, `one device failed, so the line fails: ${r.stderr}`);

  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const summary = lines.at(-1) as { ok: boolean; passed: number; failed: number };
  assert.deepEqual([summary.ok, summary.passed, summary.failed], [false, 7, 1]);
  // Every progress event names its device, and every device has its own events.
  const events = lines.slice(0, -1);
  assert.ok(events.every((e) => typeof e.device === 'string'), 'each event carries a device id');
  for (const p of ports) assert.ok(events.some((e) => e.type === 'connect-attempt' && p.startsWith(String(e.device).replace(/\?.*$/, ''))), `events of ${p}`);

  for (const name of Object.keys(passing)) {
    const flash = new Uint8Array(readFileSync(file(name)));
    assert.deepEqual(flash.subarray(APP, APP + image.length), image, `${name}: the image is in its flash`);
  }

  const jsonl = readFileSync(`${record}.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DeviceRecord);
  assert.equal(jsonl.length, 8);
  for (const [name, p] of Object.entries(passing)) {
    const rec = jsonl.find((x) => x.port === p.url);
    assert.ok(rec, `${name} is in the record`);
    assert.equal(rec.result, 'pass', `${name}: ${rec.error}`);
    assert.equal(rec.chip, name.replace(/-.*$/, ''));
    assert.equal(rec.station, 'bench-1');
    assert.deepEqual(rec.images, [{ name: 'app.bin', sha256: sha }]);
    assert.ok(rec.mac || rec.flashId, `${name}: an identity`);
    if (p.recovers) assert.ok(rec.recoveries >= 1, `${name}: its fault shows as a recovery`);
  }
  const failed = jsonl.find((x) => x.port === stuck);
  assert.equal(failed?.result, 'fail');
  assert.equal(failed?.errorCode, 'firmware-owns-uart');

  const csv = readFileSync(`${record}.csv`, 'utf8').trim().split('\n');
  assert.equal(csv[0], 'time,station,port,chip,revision,mac,flashId,images,result,errorCode,error,recoveries,seconds,anyflash,deviceData,resumed');
  assert.equal(csv.length, 9);
  assert.equal(csv.filter((l) => l.includes(`app.bin:${sha}`) && /,pass,/.test(l)).length, 7);
});

test('a second run on the same record appends: one header, both runs\' devices', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-line-'));
  writeFileSync(join(dir, 'app.bin'), pseudoRandomBytes(0x4000, 21));
  const record = join(dir, 'line.csv');
  for (let i = 0; i < 2; i++) {
    const r = await runCli(['write', '--port', 'sim:esp32', '--port', 'sim:bk7231n', '--record', record, '0x20000', join(dir, 'app.bin')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 of 2 devices passed/);
  }
  const csv = readFileSync(record, 'utf8').trim().split('\n');
  assert.equal(csv.filter((l) => l.startsWith('time,')).length, 1);
  assert.equal(csv.length, 5);
  assert.equal(readFileSync(join(dir, 'line.jsonl'), 'utf8').trim().split('\n').length, 4);
});

test('a record CSV begun before the resumed column keeps its header and its rows keep its columns', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-line-old-'));
  const old = 'time,station,port,chip,revision,mac,flashId,images,result,errorCode,error,recoveries,seconds,anyflash,deviceData';
  writeFileSync(join(dir, 'line.csv'), `${old}\n`);
  const record: DeviceRecord = { time: 't', station: 's', port: 'p', images: [], result: 'pass', recoveries: 0, seconds: 1, anyflash: 'v', deviceData: 'd.bin', resumed: true };
  appendRecord(join(dir, 'line'), record);
  appendRecord(join(dir, 'fresh'), record);
  const [header, row] = readFileSync(join(dir, 'line.csv'), 'utf8').trim().split('\n');
  assert.equal(header, old);
  assert.equal(row, 't,s,p,,,,,,pass,,,0,1.00,v,d.bin');
  assert.equal(readFileSync(join(dir, 'fresh.csv'), 'utf8').trim().split('\n')[1], 't,s,p,,,,,,pass,,,0,1.00,v,d.bin,true');
});
