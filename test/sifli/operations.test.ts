import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sifliFamily } from '../../src/families/sifli/index.js';
import { sifliCrc32 } from '../../src/families/sifli/crc.js';
import type { FlashDevice } from '../../src/families/types.js';
import type { SimOptions } from '../../src/sim/options.js';
import { isAnyflashError } from '../../src/core/errors.js';
import { toHex } from '../../src/core/bytes.js';
import { writeRegions } from '../../src/engine/write.js';
import { dummyStub, pattern, simBench, type Bench } from './helpers.js';

async function connected(options: Partial<SimOptions> = {}, baud?: number): Promise<{ bench: Bench; dev: FlashDevice }> {
  const bench = await simBench(options);
  const dev = await sifliFamily.connect({
    transport: bench.transport,
    events: (e) => bench.events.push(e),
    extra: { stub: dummyStub() },
    baud,
  });
  return { bench, dev };
}

const flashAt = (b: Bench, offset: number, n: number): Uint8Array => b.device.flash.data.subarray(offset, offset + n);

test('connect loads the stub and info reports chip, memory, flash id and size as the stub prints them', async () => {
  const { bench, dev } = await connected();
  try {
    const info = await dev.info();
    assert.equal(info.chip, 'sf32lb52');
    assert.equal(info.mode, 'nor');
    assert.equal(info.flashId, 0x182085);
    assert.equal(info.flashSize, 0x1000000);
    assert.equal(dev.sectorSize, 0x1000);
    assert.ok(bench.events.some((e) => e.type === 'finish' && e.op === 'stub'));
    assert.match(bench.device.control('status'), /phase=stub/);
  } finally {
    await bench.close();
  }
});

test('writeFlash streams 128 KiB blocks on RX_WAIT and the flash holds the data; offsets and absolute addresses agree', async () => {
  const { bench, dev } = await connected();
  try {
    const data = pattern(0x50000, 3);
    await dev.writeFlash(0x12020000, data);
    assert.deepEqual(flashAt(bench, 0x20000, data.length), data);
    const small = pattern(0x1000, 9);
    await dev.writeFlash(0x80000, small);
    assert.deepEqual(flashAt(bench, 0x80000, 0x1000), small);
    // Payload plus one command line per write: nothing else of size crossed the wire.
    assert.ok(bench.link.counters.toDevice < 0x51000 + 0x1000 + 0x2000 + 8000);
  } finally {
    await bench.close();
  }
});

test('readFlash returns the flash bytes across several burn_read chunks', async () => {
  const initial = pattern(0x100000, 5);
  const { bench, dev } = await connected({ flashInitial: initial });
  try {
    const got = await dev.readFlash(0x12010000, 0x90000);
    assert.deepEqual(got, initial.subarray(0x10000, 0xa0000));
  } finally {
    await bench.close();
  }
});

test('readFlash rejects data that does not match the CRC line (a byte lost on the line)', async () => {
  const { bench, dev } = await connected({ flashInitial: pattern(0x20000, 5) });
  try {
    let flipped = false;
    bench.link.faults.toHost = (bytes) => {
      if (!flipped && bytes.length === 0x1000) {
        flipped = true;
        const copy = bytes.slice();
        copy[100]! ^= 0x01;
        return copy;
      }
      return bytes;
    };
    await assert.rejects(dev.readFlash(0, 0x2000), (e) => isAnyflashError(e, 'garbled-reply') && e.advice.length > 0);
  } finally {
    await bench.close();
  }
});

test('flashDigest is the device CRC (init 0, no xorout) of exactly the range, without reading it over the wire', async () => {
  const initial = pattern(0x400000, 11);
  const { bench, dev } = await connected({ flashInitial: initial });
  try {
    const before = bench.link.counters.toHost;
    const d = await dev.flashDigest(0x12000000, 0x400000);
    assert.equal(toHex(d), sifliCrc32(initial).toString(16).padStart(8, '0'));
    assert.deepEqual(d, dev.digest.compute(initial));
    assert.ok(bench.link.counters.toHost - before < 1000);
    const blank = await dev.flashDigest(0x800000, 0x1000);
    assert.deepEqual(blank, dev.digest.compute(new Uint8Array(0x1000).fill(0xff)));
  } finally {
    await bench.close();
  }
});

test('eraseFlash erases exactly the range; eraseAll erases everything', async () => {
  const { bench, dev } = await connected({ flashInitial: new Uint8Array(0x40000) });
  try {
    await dev.eraseFlash(0x12010000, 0x2000);
    assert.ok(flashAt(bench, 0x10000, 0x2000).every((x) => x === 0xff));
    assert.equal(flashAt(bench, 0xffff, 1)[0], 0);
    assert.equal(flashAt(bench, 0x12000, 1)[0], 0);
    await dev.eraseAll();
    assert.ok(bench.device.flash.data.every((x) => x === 0xff));
  } finally {
    await bench.close();
  }
});

test('addresses beyond the flash are refused before anything is sent', async () => {
  const { bench, dev } = await connected();
  try {
    const before = bench.link.counters.toDevice;
    await assert.rejects(dev.writeFlash(0x12ff0000, new Uint8Array(0x20000)), (e) => isAnyflashError(e, 'file-too-large'));
    assert.equal(bench.link.counters.toDevice, before);
  } finally {
    await bench.close();
  }
});

test('reset sends burn_reset and the chip restarts in its ROM', async () => {
  const { bench, dev } = await connected();
  try {
    await dev.reset('hard');
    await new Promise((r) => setTimeout(r, 50));
    assert.match(bench.device.control('status'), /phase=rom/);
  } finally {
    await bench.close();
  }
});

test('the engine skips unchanged data via digests and rewrites only a changed sector', async () => {
  const image = pattern(0x100000, 21);
  const { bench, dev } = await connected();
  try {
    // Offsets into the flash: the engine checks regions against [0, flashSize).
    await writeRegions(dev, [{ address: 0, data: image, name: 'app.bin' }]);
    assert.deepEqual(flashAt(bench, 0, image.length), image);
    const changed = image.slice();
    changed[0x54321] ^= 0xff;
    const sent = bench.link.counters.toDevice;
    const summary = await writeRegions(dev, [{ address: 0, data: changed, name: 'app.bin' }]);
    assert.equal(summary.writtenBytes, 0x1000);
    assert.deepEqual(flashAt(bench, 0, changed.length), changed);
    assert.ok(bench.link.counters.toDevice - sent < 0x1000 + 4000);
  } finally {
    await bench.close();
  }
});

test('burn_speed moves the link to 3 Mbaud', async () => {
  const { bench, dev } = await connected({}, 3_000_000);
  try {
    assert.equal(bench.device.baud, 3_000_000);
    assert.equal(dev.transport.baud, 3_000_000);
    const data = pattern(0x20000, 2);
    await dev.writeFlash(0, data);
    assert.deepEqual(flashAt(bench, 0, data.length), data);
  } finally {
    await bench.close();
  }
});

test('a rate the line cannot carry steps down to one that works', async () => {
  const { bench, dev } = await connected({ extra: { maxBaud: 2_000_000 } }, 6_000_000);
  try {
    assert.equal(bench.device.baud, 2_000_000);
    assert.equal(dev.transport.baud, 2_000_000);
    assert.ok(bench.events.some((e) => e.type === 'retry' && e.op === 'baud'));
    const data = pattern(0x1000, 2);
    await dev.writeFlash(0, data);
    assert.deepEqual(flashAt(bench, 0, data.length), data);
  } finally {
    await bench.close();
  }
});

test('a block the stub fails mid-stream is redone with burn_erase + burn_write and the flash ends right', async () => {
  const initial = new Uint8Array(0x100000);
  const { bench, dev } = await connected({ flashInitial: initial, extra: { failBlock: 3 } });
  try {
    const data = pattern(0xa0000, 8);
    await dev.writeFlash(0, data);
    assert.deepEqual(flashAt(bench, 0, data.length), data);
    const retry = bench.events.find((e) => e.type === 'retry' && e.op === 'write');
    assert.ok(retry && retry.type === 'retry' && retry.address === 0x12000000 + 2 * 0x20000);
  } finally {
    await bench.close();
  }
});

test('--before no-reset-no-sync reuses a stub left running, without knocking or reloading', async () => {
  const { bench } = await connected();
  try {
    const sent = bench.link.counters.toDevice;
    const dev = await sifliFamily.connect({ transport: bench.transport, before: 'no-reset-no-sync', events: () => {} });
    assert.ok(bench.link.counters.toDevice - sent < 200);
    const data = pattern(0x1000, 12);
    await dev.writeFlash(0x1000, data);
    assert.deepEqual(flashAt(bench, 0x1000, 0x1000), data);
  } finally {
    await bench.close();
  }
});

test('a stray late OK from an earlier command is not taken for the next reply (replies are read after the echo)', async () => {
  const initial = pattern(0x10000, 13);
  const { bench, dev } = await connected({ flashInitial: initial });
  try {
    bench.device.wire.send(new TextEncoder().encode('OK\r\nmsh >'));
    await new Promise((r) => setImmediate(r));
    const d = await dev.flashDigest(0, 0x10000);
    assert.deepEqual(d, dev.digest.compute(initial));
  } finally {
    await bench.close();
  }
});

/** A link hook that damages the first transfer holding `from` (text swapped for `to`), once. */
function damageOnce(from: string, to: string): { hook: (bytes: Uint8Array) => Uint8Array; count: () => number } {
  let done = 0;
  const hook = (bytes: Uint8Array): Uint8Array => {
    const text = new TextDecoder().decode(bytes);
    if (done > 0 || !text.includes(from)) return bytes;
    done++;
    return new TextEncoder().encode(text.replace(from, to));
  };
  return { hook, count: () => done };
}

test('a burn_verify line damaged on the wire (the stub: "command not found"; or its V: line lost) is asked again, not taken for a stub without CRCs', async () => {
  const initial = pattern(0x100000, 12);
  const { bench, dev } = await connected({ flashInitial: initial });
  const command = damageOnce('burn_verify', 'burn_verifz');
  const verifyLine = damageOnce('V:', 'W:');
  bench.link.faults.toDevice = command.hook;
  bench.link.faults.toHost = verifyLine.hook;
  try {
    const before = bench.link.counters.toHost;
    assert.deepEqual(await dev.flashDigest(0x12000000, 0x100000), dev.digest.compute(initial));
    assert.deepEqual(await dev.flashDigest(0x12000000, 0x80000), dev.digest.compute(initial.subarray(0, 0x80000)));
    assert.equal(command.count(), 1);
    assert.equal(verifyLine.count(), 1);
    assert.ok(bench.link.counters.toHost - before < 4000, 'digests, not reads');
    assert.ok(!bench.events.some((e) => e.type === 'note' && /prints no CRC/.test(e.message)));
  } finally {
    await bench.close();
  }
});

test('on a line that damages data, a burn_erase whose address was damaged on the wire never runs: it is wiped and typed again', async () => {
  const initial = pattern(0x100000, 6);
  const { bench, dev } = await connected({ flashInitial: initial });
  const stray = damageOnce('burn_erase 0x12080000', 'burn_erase 0x12090000');
  try {
    await dev.writeFlash(0x80000, pattern(0x1000, 1));
    bench.link.faults.toDevice = stray.hook;
    // A second write of an acknowledged sector is what the engine does after a bad verify.
    const data = pattern(0x1000, 2);
    await dev.writeFlash(0x80000, data);
    assert.equal(stray.count(), 1);
    assert.deepEqual(flashAt(bench, 0x80000, 0x1000), data);
    assert.deepEqual(flashAt(bench, 0x90000, 0x1000), initial.subarray(0x90000, 0x91000));
    assert.ok(bench.events.some((e) => e.type === 'note' && /sector by sector/.test(e.message)));
  } finally {
    await bench.close();
  }
});
