import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { runMonitor } from '../../src/cli/monitor/session.js';

function console_(): { keys: PassThrough; out: string[]; said: string[]; io: Parameters<typeof runMonitor>[1] } {
  const keys = new PassThrough();
  const out: string[] = [];
  const said: string[] = [];
  return { keys, out, said, io: { keys, write: (t) => out.push(t), say: (t) => said.push(t) } };
}

test('a port that vanishes (native USB re-enumerating) is waited for and monitored again', async () => {
  const c = console_();
  // The simulated USB port disappears 0.8 s after it is first opened, for 1 s.
  await runMonitor({ port: 'sim:esp32c3?boot=firmware&fault=vanish=800ms:1', baud: 115200, reset: true, seconds: 3, events: () => {} }, c.io);
  const lost = c.said.findIndex((s) => /^--- port lost \(.*disappeared.*\); waiting for it to come back…$/.test(s));
  const back = c.said.indexOf('--- port back; monitoring again');
  assert.ok(lost >= 0 && back > lost, c.said.join('\n'));
  // The (empty-flash) firmware's complaint is seen before and after the port came back.
  const text = c.out.join('');
  assert.ok(text.split('invalid header: 0xffffffff').length > 4, text);
});

test('Ctrl-T x quits as in idf.py', async () => {
  const c = console_();
  const started = performance.now();
  // Quit once the chip's boot text has arrived (Ctrl-T, then x).
  const write = c.io.write;
  c.io.write = (t) => {
    write(t);
    if (c.out.join('').includes('ESP-ROM:esp32s3')) c.keys.write(Buffer.from([0x14, 0x78]));
  };
  await runMonitor({ port: 'sim:esp32s3?boot=firmware', baud: 115200, reset: true, seconds: 20, events: () => {} }, c.io);
  assert.ok(performance.now() - started < 10_000, 'quit long before --seconds');
  assert.match(c.out.join(''), /ESP-ROM:esp32s3/);
});
