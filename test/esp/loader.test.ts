import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EspLoader } from '../../src/families/esp/loader.js';
import { SlipDecoder, slipEncode } from '../../src/families/esp/slip.js';
import { ByteQueue } from '../../src/transport/byte-queue.js';
import type { Transport } from '../../src/transport/types.js';
import { isAnyflashError } from '../../src/core/errors.js';
import { packU32le, concatBytes } from '../../src/core/bytes.js';

/** A transport whose far end is a function from request frames to timed reply frames. */
function scripted(respond: (op: number, data: Uint8Array) => Array<{ afterMs: number; frame: Uint8Array }>): Transport {
  const q = new ByteQueue();
  const decoder = new SlipDecoder();
  return {
    kind: 'serial', url: 'x', facts: {}, canSignal: true, canSetBaud: true, baud: 115200, events: () => {},
    open: async () => {}, close: async () => {}, drain: async () => {}, setSignals: async () => {}, setBaud: async () => {},
    flushInput: async () => q.clear(),
    read: (o) => q.read(o.deadline, o.signal),
    write: async (bytes) => {
      decoder.push(bytes);
      for (let f = decoder.frames.shift(); f; f = decoder.frames.shift()) {
        for (const r of respond(f[1]!, f.subarray(8))) setTimeout(() => q.push(slipEncode(r.frame)), r.afterMs);
      }
    },
  };
}

const reply = (op: number, value: number, status: number[]) =>
  concatBytes([Uint8Array.of(1, op, status.length, 0), packU32le([value]), Uint8Array.from(status)]);

test('late copies of an "unsupported" reject do not poison the next command', async () => {
  const t = scripted((op) => {
    if (op === 0x14) {
      const reject = reply(0x00, 0x20120707, [1, 5, 0, 0]);
      return [{ afterMs: 0, frame: reject }, ...Array.from({ length: 7 }, (_, i) => ({ afterMs: 60 + i * 5, frame: reject }))];
    }
    if (op === 0x0a) return [{ afterMs: 120, frame: reply(0x0a, 0x00f01d83, [0, 0, 0, 0]) }];
    return [];
  });
  const loader = new EspLoader(t);
  loader.statusLen = 4;
  await assert.rejects(loader.getSecurityInfo(), (e: unknown) => isAnyflashError(e, 'unsupported'));
  assert.equal(await loader.readReg(0x40001000), 0x00f01d83);
});

test('replies with another opcode are skipped until the matching one (extra SYNC replies)', async () => {
  const t = scripted((op) =>
    op === 0x0a
      ? [
          { afterMs: 0, frame: reply(0x08, 0x20120707, [0, 0]) },
          { afterMs: 1, frame: reply(0x08, 0x20120707, [0, 0]) },
          { afterMs: 2, frame: reply(0x0a, 0x1234, [0, 0]) },
        ]
      : [],
  );
  const loader = new EspLoader(t);
  loader.statusLen = 2;
  assert.equal(await loader.readReg(0x3ff00050), 0x1234);
});

test('ROM failure status becomes device-error naming the ROM code; status length is learnt from the first reply', async () => {
  const t = scripted((op) => (op === 0x0d ? [{ afterMs: 0, frame: reply(0x0d, 0, [1, 0x08, 0, 0]) }] : []));
  const loader = new EspLoader(t);
  await assert.rejects(loader.spiAttach(), (e: unknown) => {
    assert.ok(isAnyflashError(e, 'device-error'));
    assert.match(e.message, /flash write error .*\(result was 0108\)/);
    assert.ok(e.advice.length > 0);
    return true;
  });
  assert.equal(loader.statusLen, 4);
});

test('stub failure status is decoded from the stub table', async () => {
  const t = scripted((op) => (op === 0xd1 ? [{ afterMs: 0, frame: reply(0xd1, 0, [0xc4, 0]) }] : []));
  const loader = new EspLoader(t);
  loader.stub = true;
  loader.statusLen = 2;
  await assert.rejects(loader.eraseRegion(0, 0x1000, 1000), /SPI operation failed \(result was c400\)/);
});

test('WRITE_REG sends several 16-byte groups in one command', async () => {
  let seen: Uint8Array | undefined;
  const t = scripted((op, data) => {
    if (op === 0x09) seen = data.slice();
    return [{ afterMs: 0, frame: reply(op, 0, [0, 0]) }];
  });
  const loader = new EspLoader(t);
  loader.statusLen = 2;
  await loader.writeReg([{ addr: 1, value: 2 }, { addr: 3, value: 4, mask: 0xff, delayUs: 5 }]);
  assert.deepEqual(seen, packU32le([1, 2, 0xffffffff, 0, 3, 4, 0xff, 5]));
});

test('a READ_REG reply damaged on the wire is asked for again, and the clean answer is used', async () => {
  let asked = 0;
  const t = scripted((op) => {
    if (op !== 0x0a) return [];
    asked++;
    const good = reply(0x0a, 0xc0ffee, [0, 0, 0, 0]);
    // First answer: a bit flipped in the length field, so the frame no longer matches its own header.
    const damaged = good.slice();
    damaged[2] = damaged[2]! ^ 0x10;
    return [{ afterMs: 0, frame: asked === 1 ? damaged : good }];
  });
  const loader = new EspLoader(t);
  loader.statusLen = 4;
  const started = performance.now();
  assert.equal(await loader.readReg(0x3ff00050), 0xc0ffee);
  assert.equal(asked, 2);
  assert.ok(performance.now() - started < 500, 'no reply deadline was waited out');
});

test('a stub answer under another opcode fails the data block at once as garbled, without waiting', async () => {
  const t = scripted((op) => (op === 0x03 ? [{ afterMs: 0, frame: reply(0x02, 0, [0, 0]) }] : []));
  const loader = new EspLoader(t);
  loader.stub = true;
  loader.statusLen = 2;
  const started = performance.now();
  await assert.rejects(loader.flashData(new Uint8Array(256), 0, 3000), (e: unknown) => isAnyflashError(e, 'garbled-reply'));
  assert.ok(performance.now() - started < 500);
});
