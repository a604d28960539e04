import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colourIdfLine, parseIdfLog, passesLevel } from '../../src/monitor/idf-log.js';
import { LineSplitter } from '../../src/monitor/line-splitter.js';

test('ESP-IDF log lines: level, time, tag; coloured like ESP-IDF unless the firmware did', () => {
  assert.deepEqual(parseIdfLog('I (325) cpu_start: Pro cpu start user code'), {
    level: 'I', time: '325', tag: 'cpu_start', message: 'Pro cpu start user code',
  });
  assert.equal(parseIdfLog('\x1b[0;31mE (1234) wifi: connect failed\x1b[0m')?.level, 'E');
  assert.equal(parseIdfLog('W (12:01:02.345) app: system time')?.time, '12:01:02.345');
  assert.equal(parseIdfLog('Guru Meditation Error: Core  0 panic\'ed'), undefined);
  assert.equal(colourIdfLine('W (1) a: b', 'W'), '\x1b[0;33mW (1) a: b\x1b[0m');
  assert.equal(colourIdfLine('D (1) a: b', 'D'), 'D (1) a: b');
  assert.equal(passesLevel('D', 'I'), false);
  assert.equal(passesLevel('E', 'W'), true);
  assert.equal(passesLevel(undefined, 'E'), true);
});

test('line splitter: CRLF, lone CR, a UTF-8 character split across reads, a partial prompt then its rest', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push(new TextEncoder().encode('one\r\ntwo\rthr')).map((p) => p.text), ['one', 'two']);
  const euro = new TextEncoder().encode('€');
  assert.deepEqual(s.push(euro.subarray(0, 1)), []);
  assert.deepEqual(s.flushPartial(), { text: 'thr', complete: false, continued: false });
  assert.deepEqual(s.push(new Uint8Array([...euro.subarray(1), 0x0a])), [{ text: '€', complete: true, continued: true }]);
  assert.equal(s.flushPartial(), undefined);
});
