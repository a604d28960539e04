import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAnyflashError } from '../../src/core/errors.js';
import { openDeviceData, parseDeviceDataArg } from '../../src/cli/line/device-data.js';

const device = (mac: string): { mac: string; port: string; station: string } => ({ mac, port: 'sim:esp32', station: 't' });

test('the first claim of a row wins: a board whose claim lost takes the next row, and a torn last line swallows no claim', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-claims-'));
  const csv = join(dir, 'ids.csv');
  writeFileSync(csv, 'serial,hex\nA,01\nB,02\nC,03\nD,04\n');
  // Another station took A, then two stations raced for B (the first line wins); a crash tore the last line.
  writeFileSync(
    `${csv}.claims.jsonl`,
    ['{"key":"A","mac":"aaaaaaaaaaaa"}', '{"key":"B","mac":"bbbbbbbbbbbb"}', '{"key":"B","mac":"240ac4123456"}', '{"key":"C","ma'].join('\n'),
  );
  const data = openDeviceData(`0x9000:${csv}`);
  assert.equal(data.pick(device('24:0A:C4:12:34:56')).id, 'ids.csv#C', 'its lost claim of B does not count');
  assert.equal(data.pick(device('bb-bb-bb-bb-bb-bb')).id, 'ids.csv#B', 'the winner of B keeps it');
  assert.equal(data.pick(device('240ac4123456')).id, 'ids.csv#C', 'the same board gets its row again');
  assert.deepEqual(Array.from(data.pick(device('cccccccccccc')).region.data), [4]);
  const lines = readFileSync(`${csv}.claims.jsonl`, 'utf8').trim().split('\n');
  assert.equal(lines.filter((l) => l.includes('"mac":"240ac4123456"') && l.includes('"key":"C"')).length, 1, 'the claim after the torn line is whole');
  assert.throws(() => data.pick(device('dddddddddddd')), (e) => isAnyflashError(e, 'device-data-exhausted'));
});

test('ADDRESS:SOURCE keeps a Windows drive letter; SOURCE@ADDRESS works too; anything else is bad input', () => {
  assert.deepEqual(parseDeviceDataArg('0x9000:C:\\mfg\\bin'), { address: 0x9000, source: 'C:\\mfg\\bin' });
  assert.deepEqual(parseDeviceDataArg('nvs/@0x9000'), { address: 0x9000, source: 'nvs/' });
  assert.throws(() => parseDeviceDataArg('nvs/'), (e) => isAnyflashError(e, 'bad-input'));
});

test('CSV fields may be quoted (a comma in a file name); duplicate MACs are refused with the line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-claims-'));
  writeFileSync(join(dir, 'a,b.bin'), new Uint8Array([7, 7]));
  const csv = join(dir, 'cal.csv');
  writeFileSync(csv, 'mac,file\r\n240ac4123456,"a,b.bin"\r\n');
  assert.deepEqual(Array.from(openDeviceData(`0x9000:${csv}`).pick(device('24:0a:c4:12:34:56')).region.data), [7, 7]);
  writeFileSync(csv, 'mac,hex\n240ac4123456,01\n24:0A:C4:12:34:56,02\n');
  assert.throws(() => openDeviceData(`0x9000:${csv}`), (e) => isAnyflashError(e, 'bad-input') && /cal\.csv:3: MAC 240ac4123456 is already on line 2/.test(e.message));
});
