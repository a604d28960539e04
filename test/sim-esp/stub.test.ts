import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { Bench, ESP32_SPI, hexBytes, request, slip, spiCommand, u32, xorChecksum } from './harness.js';

const md5 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('md5').update(b).digest());
const STUB_TEXT = new Uint8Array(0x2000).map((_, i) => i & 0xff);
const STUB_AT = 0x40080000;

async function stubBench(options: Parameters<typeof Bench.open>[0] = {}, realtime = false): Promise<Bench> {
  const b = await Bench.open({ chip: 'esp32', ...options }, realtime);
  await b.sync();
  const end = await b.runBlob(STUB_AT, STUB_TEXT, STUB_AT + 0x100);
  assert.equal(end.op, 0x06);
  assert.equal(hexBytes((await b.frame())!), '4f 48 41 49', 'OHAI');
  return b;
}

function dataFrame(op: number, seq: number, payload: ArrayLike<number>): Uint8Array {
  const p = Array.from(payload);
  return request(op, [...u32(p.length, seq, 0, 0), ...p], xorChecksum(p));
}

describe('ESP flasher stub personality', () => {
  it('greets with OHAI after MEM_END jumps into the uploaded blob, then answers SYNC with value 0', async () => {
    const b = await stubBench();
    assert.equal(b.device.control('status'), 'state=download mode=stub baud=115200');
    const replies = await b.sync();
    for (const r of replies) assert.equal(hexBytes(r.raw), '01 08 02 00 00 00 00 00 00 00');
    await b.close();
  });

  it('attaches the SPI flash itself, as both stub generations do, so no SPI_ATTACH is needed', async () => {
    const b = await stubBench();
    assert.equal(await spiCommand(b, ESP32_SPI, 0x9f, 24), 0x1640c8);
    await b.close();
  });

  it('says on the console that RAM code it cannot run was not run, when no host talks to it (load-ram)', async () => {
    const b = await stubBench();
    const text = await b.text(900);
    assert.match(text, /does not execute code/);
    assert.match(text, /A real chip would now run it from its entry point 0x40080100/);
    await b.close();
    const host = await stubBench();
    await host.sync();
    assert.doesNotMatch(await host.text(900), /anyflash simulator/, 'a stub host hears only SLIP');
    await host.close();
  });

  it('crashes into a reboot when MEM_END jumps outside anything uploaded', async () => {
    const b = await Bench.open({ chip: 'esp32' });
    await b.runBlob(STUB_AT, STUB_TEXT, 0x40100000);
    assert.equal(await b.frame(50), null, 'no OHAI');
    assert.equal(b.device.state, 'firmware');
    await b.close();
  });

  it('acknowledges FLASH_DATA before writing and makes the next command wait for the write', async () => {
    const b = await stubBench({ timings: { sectorEraseMs: 150, block64EraseMs: 150 } }, true);
    const block = new Uint8Array(0x1000).fill(0x5a);
    b.device.flash.program(0x20000, new Uint8Array(16)); // dirty, so the stub must erase
    await b.command(0x02, u32(block.length, 1, 0x4000, 0x20000, 0));
    const t0 = performance.now();
    await b.send(dataFrame(0x03, 0, block));
    const ack = await b.reply();
    const ackMs = performance.now() - t0;
    assert.deepEqual([...ack.data], [0, 0]);
    assert.ok(ackMs < 100, `ACK came after ${ackMs} ms`);
    assert.notDeepEqual(b.device.flash.read(0x20000, 16), block.subarray(0, 16), 'not yet written at ACK time');
    await b.command(0x0a, u32(0x40001000));
    assert.ok(performance.now() - t0 >= 140, 'the next command waited for the erase');
    assert.deepEqual(b.device.flash.read(0x20000, block.length), block);
    await b.close();
  });

  it('writes a zlib stream with FLASH_DEFL_*, erasing lazily, and reports a raw 16-byte MD5', async () => {
    const b = await stubBench();
    b.device.flash.program(0x30000, new Uint8Array(0x30000)); // old contents everywhere
    const image = new Uint8Array(70000).map((_, i) => (i * 7) & 0xff);
    const z = deflateSync(image, { level: 9 });
    const blocks = Math.ceil(z.length / 0x4000);
    assert.deepEqual([...(await b.command(0x10, u32(image.length, blocks, 0x4000, 0x30000, 0))).data], [0, 0]);
    for (let seq = 0; seq < blocks; seq++) {
      const r = await (async () => {
        await b.send(dataFrame(0x11, seq, z.subarray(seq * 0x4000, (seq + 1) * 0x4000)));
        return b.reply();
      })();
      assert.deepEqual([...r.data], [0, 0]);
    }
    assert.deepEqual([...(await b.command(0x12, u32(1))).data], [0, 0]);
    assert.deepEqual(b.device.flash.read(0x30000, image.length), image);
    assert.ok(b.device.flash.read(0x30000 + 0x12000, 16).every((x) => x === 0), 'erased only what was written');
    const m = await b.command(0x13, u32(0x30000, image.length, 0, 0));
    assert.deepEqual(m.data.subarray(0, 16), md5(image));
    assert.deepEqual([...m.data.subarray(16)], [0, 0]);
    await b.close();
  });

  it('skips erasing blank sectors until the first dirty one, like esp-flasher-stub', async () => {
    const b = await stubBench();
    b.device.flash.program(0x52000, new Uint8Array(16)); // third sector of the region is dirty
    const image = new Uint8Array(0x4000).fill(0x77);
    await b.command(0x02, u32(image.length, 1, 0x4000, 0x50000, 0));
    const before = b.device.flash.stats.erasedBytes;
    await b.send(dataFrame(0x03, 0, image));
    await b.reply();
    await b.command(0x04, u32(1));
    assert.equal(b.device.flash.stats.erasedBytes - before, 0x2000, 'two blank sectors skipped, then erased from the dirty one on');
    assert.deepEqual(b.device.flash.read(0x50000, image.length), image);
    await b.close();
  });

  it('reports a broken zlib stream in the reply that follows the block', async () => {
    const b = await stubBench();
    await b.command(0x10, u32(0x1000, 1, 0x4000, 0x0, 0));
    const garbage = new Uint8Array(64).fill(0x33);
    await b.send(dataFrame(0x11, 0, garbage));
    assert.deepEqual([...(await b.reply()).data], [0, 0], 'ACK before inflating');
    assert.deepEqual([...(await b.command(0x12, u32(1))).data], [0xc7, 0x00], 'inflate error carried into the next reply');
    await b.close();
  });

  it('streams READ_FLASH within the in-flight window and ends with the MD5 frame', async () => {
    const b = await stubBench();
    const content = new Uint8Array(0x5000).map((_, i) => (i * 31) & 0xff);
    b.device.flash.erase(0x40000, 0x10000);
    b.device.flash.program(0x40000, content);
    assert.deepEqual([...(await b.command(0xd2, u32(0x40000, content.length, 0x1000, 2))).data], [0, 0]);
    const first = await b.frame();
    const second = await b.frame();
    assert.equal(await b.frame(50), null, 'window of 2 packets is full');
    const got = [first!, second!];
    let acked = 0;
    while (acked < content.length) {
      acked += 0x1000;
      await b.send(slip(u32(acked)));
      if (got.length * 0x1000 < content.length) got.push((await b.frame())!);
    }
    const all = new Uint8Array(got.reduce((n, f) => n + f.length, 0));
    let o = 0;
    for (const f of got) {
      all.set(f, o);
      o += f.length;
    }
    assert.deepEqual(all, content);
    assert.deepEqual(await b.frame(), md5(content));
    await b.close();
  });

  it('erases a region, erases everything, and takes several WRITE_REG groups', async () => {
    const b = await stubBench();
    b.device.flash.program(0x1000, new Uint8Array(0x3000));
    assert.deepEqual([...(await b.command(0xd1, u32(0x2000, 0x1000))).data], [0, 0]);
    assert.ok(b.device.flash.read(0x2000, 0x1000).every((x) => x === 0xff));
    assert.ok(b.device.flash.read(0x1000, 0x1000).every((x) => x === 0));
    assert.deepEqual([...(await b.command(0xd1, u32(0x2001, 0x1000))).data], [0xc0, 0], 'unaligned region rejected');
    await b.command(0x09, [...u32(0x3ff00010, 0x11, 0xffffffff, 0), ...u32(0x3ff00014, 0x22, 0xffffffff, 0)]);
    assert.equal((await b.command(0x0a, u32(0x3ff00014))).value, 0x22);
    assert.deepEqual([...(await b.command(0xd0)).data], [0, 0]);
    assert.ok(b.device.flash.read(0x1000, 0x3000).every((x) => x === 0xff));
    await b.close();
  });

  it('rejects opcodes it lacks with C3 and leaves for the firmware on RUN_USER_CODE without a reply', async () => {
    const b = await stubBench();
    assert.deepEqual([...(await b.command(0x0e, u32(0, 64))).data], [0xc3, 0]);
    await b.send(request(0xd3));
    assert.equal(await b.frame(50), null);
    assert.equal(b.device.state, 'firmware');
    await b.close();
  });
});
