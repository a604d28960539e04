import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlipDecoder, SlipReader, slipEncode } from '../../src/families/esp/slip.js';
import { ByteQueue } from '../../src/transport/byte-queue.js';
import type { Transport } from '../../src/transport/types.js';
import { isAnyflashError } from '../../src/core/errors.js';
import { deadlineIn } from '../../src/core/time.js';

test('SLIP encoder escapes DB before C0 and wraps in END bytes', () => {
  assert.deepEqual(
    Array.from(slipEncode(Uint8Array.of(0x01, 0xc0, 0xdb, 0x02))),
    [0xc0, 0x01, 0xdb, 0xdc, 0xdb, 0xdd, 0x02, 0xc0],
  );
});

test('SLIP decoder splits frames across chunk boundaries, including an escape split in two', () => {
  const d = new SlipDecoder();
  d.push(Uint8Array.of(0xc0, 0x01, 0xdb));
  assert.equal(d.frames.length, 0);
  d.push(Uint8Array.of(0xdc, 0x02, 0xc0, 0xc0, 0x03, 0xc0));
  assert.deepEqual(d.frames.map((f) => Array.from(f)), [[0x01, 0xc0, 0x02], [0x03]]);
});

test('SLIP decoder keeps bytes outside frames as garbage evidence', () => {
  const d = new SlipDecoder();
  d.push(new TextEncoder().encode('rst:0x1 boot:0x13'));
  d.push(Uint8Array.of(0xc0, 0x05, 0xc0));
  assert.equal(new TextDecoder().decode(d.takeGarbage()), 'rst:0x1 boot:0x13');
  assert.equal(d.frames.length, 1);
});

test('SLIP decoder reports an invalid escape and drops that frame', () => {
  const d = new SlipDecoder();
  d.push(Uint8Array.of(0xc0, 0x01, 0xdb, 0x41, 0x02, 0xc0, 0xc0, 0x07, 0xc0));
  assert.equal(d.escapeError, 'Invalid SLIP escape (0xdb, 0x41).');
  assert.deepEqual(d.frames.map((f) => Array.from(f)), [[0x07]]);
});

function queueTransport(): { t: Transport; q: ByteQueue } {
  const q = new ByteQueue();
  const t = {
    kind: 'sim', url: 'q', facts: {}, canSignal: false, canSetBaud: false, baud: 115200, events: () => {},
    open: async () => {}, close: async () => {}, write: async () => {}, flushInput: async () => q.clear(), drain: async () => {},
    setSignals: async () => {}, setBaud: async () => {},
    read: (o: { deadline: number; signal?: AbortSignal }) => q.read(o.deadline, o.signal),
  } as Transport;
  return { t, q };
}

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string; evidence: string[] }> {
  try {
    await p;
  } catch (e) {
    assert.ok(isAnyflashError(e));
    return e;
  }
  assert.fail('expected an error');
}

test('reader: nothing at all → no-response "No serial data received."', async () => {
  const { t } = queueTransport();
  const e = await errorOf(new SlipReader(t).readFrame(deadlineIn(20)));
  assert.equal(e.code, 'no-response');
  assert.equal(e.message, 'No serial data received.');
});

test('reader: app text instead of a frame → invalid head of packet, with the bytes as evidence', async () => {
  const { t, q } = queueTransport();
  q.push(new TextEncoder().encode('Hello from app\r\n'));
  const e = await errorOf(new SlipReader(t).readFrame(deadlineIn(20)));
  assert.equal(e.code, 'garbled-reply');
  assert.match(e.message, /^Invalid head of packet \(0x48\)/);
  assert.match(e.evidence.join(' '), /Hello from app/);
});

test('reader: a crash dump is named in the invalid-head message', async () => {
  const { t, q } = queueTransport();
  q.push(new TextEncoder().encode("Guru Meditation Error: Core  0 panic'ed (LoadProhibited)\r\n"));
  const e = await errorOf(new SlipReader(t).readFrame(deadlineIn(20)));
  assert.match(e.message, /Guru Meditation Error detected/);
});

test('reader: frame cut off → "Packet content transfer stopped (received N bytes)"', async () => {
  const { t, q } = queueTransport();
  q.push(Uint8Array.of(0xc0, 1, 2, 3));
  const e = await errorOf(new SlipReader(t).readFrame(deadlineIn(20)));
  assert.equal(e.code, 'timeout');
  assert.equal(e.message, 'Packet content transfer stopped (received 3 bytes).');
});

test('reader: silence after good frames → serial data stream stopped', async () => {
  const { t, q } = queueTransport();
  const r = new SlipReader(t);
  q.push(Uint8Array.of(0xc0, 9, 0xc0));
  assert.deepEqual(Array.from(await r.readFrame(deadlineIn(20))), [9]);
  const e = await errorOf(r.readFrame(deadlineIn(20)));
  assert.equal(e.code, 'timeout');
  assert.match(e.message, /^Serial data stream stopped/);
});

test('reader: a frame after noise is still returned', async () => {
  const { t, q } = queueTransport();
  q.push(Uint8Array.of(0x00, 0x11, 0xc0, 0x42, 0xc0));
  assert.deepEqual(Array.from(await new SlipReader(t).readFrame(deadlineIn(20))), [0x42]);
});
