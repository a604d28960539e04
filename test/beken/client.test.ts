import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleep } from '../../src/core/time.js';
import { writeRegions } from '../../src/engine/write.js';
import { openSimPort } from '../../src/sim/port.js';
import { bekenFamily } from '../../src/families/beken/index.js';
import type { BekenFlashDevice } from '../../src/families/beken/device.js';
import { connect, pattern, rig } from './helpers.js';

const MiB = 0x100000;

for (const chip of ['bk7231n', 'bk7231t', 'bk7238']) {
  describe(`${chip}: every operation end to end through the simulator`, () => {
    it('connects, identifies, writes, reads, digests, erases and resets', async () => {
      const r = await rig(chip);
      const dev = await connect(r);
      assert.equal(dev.chip, chip);
      assert.equal(dev.flashSize, 2 * MiB);
      const info = await dev.info();
      const full = chip !== 'bk7231t';
      assert.equal(info.mode, full ? 'FULL' : 'BASIC_TUYA');
      assert.equal(info.baud, 921600);
      assert.equal(r.sim.baud, 921600);
      assert.match(String(info.extra.bootloader), full ? /BK7231N 1\.0\.1|BK7238/ : /BK7231S\/T 1\.0\.6/);
      if (full) assert.equal(info.extra.efuseKey, '510fb093 a3cbeadc 5993a17e c7adeb03');
      else assert.equal(info.extra.bootVersion, 'BK7231S_1.0.6');
      if (chip !== 'bk7238') assert.equal(info.mac, 'c8:47:8c:12:34:56');

      // 64 KiB block + 3 sectors, one of them blank.
      const data = pattern(0x13000, 7);
      data.fill(0xff, 0x11000, 0x12000);
      const before = r.sim.flash.stats.programmedBytes;
      await dev.writeFlash(0x40000, data);
      assert.deepEqual(r.sim.flash.data.subarray(0x40000, 0x53000), data);
      assert.equal(r.sim.flash.stats.programmedBytes - before, data.length - 0x1000, 'the blank sector is erased, not written');

      assert.deepEqual(await dev.readFlash(0x40000, data.length), data);
      assert.deepEqual(await dev.readFlash(0x40010, 0x20), data.subarray(0x10, 0x30), 'unaligned read');
      assert.deepEqual(await dev.flashDigest(0x40000, data.length), dev.digest.compute(data));
      assert.deepEqual(await dev.flashDigest(0x40000, 0x1000), dev.digest.compute(data.subarray(0, 0x1000)));

      await dev.eraseFlash(0x41000, 0x2000);
      assert.ok(r.sim.flash.data.subarray(0x41000, 0x43000).every((b) => b === 0xff));
      assert.deepEqual(await dev.flashDigest(0x40000, data.length), dev.digest.compute(r.sim.flash.data.subarray(0x40000, 0x53000)), 'digest after erase is fresh');

      const boots = r.sim.stats.boots;
      await dev.reset('soft');
      await sleep(20);
      assert.equal(r.sim.stats.boots, boots + 1, 'Reboot restarted the chip');
    });

    it('writes through the engine, then re-writes only the one changed sector', async () => {
      const r = await rig(chip);
      const dev = await connect(r);
      const app = pattern(0x40000, 11);
      const first = await writeRegions(dev, [{ address: 0x11000, data: app, name: 'app.bin' }]);
      assert.equal(first.writtenBytes, app.length);
      assert.deepEqual(r.sim.flash.data.subarray(0x11000, 0x51000), app);
      app[0x23456] ^= 0xff;
      const programmed = r.sim.flash.stats.programmedBytes;
      const hashed = r.sim.stats.crcBytes;
      const second = await writeRegions(dev, [{ address: 0x11000, data: app, name: 'app.bin' }]);
      assert.equal(second.writtenBytes, 0x1000);
      // The app's CRCs are known from the first write's verify: the chip hashes only left halves
      // while narrowing the changed block (right halves follow from known CRCs), then the new sector.
      assert.ok(r.sim.stats.crcBytes - hashed <= 0x10000, `chip hashed ${r.sim.stats.crcBytes - hashed} bytes`);
      assert.equal(r.sim.flash.stats.programmedBytes - programmed, 0x1000);
      assert.deepEqual(r.sim.flash.data.subarray(0x11000, 0x51000), app);
    });
  });
}

describe('Beken skip-unchanged on a rebuilt app', () => {
  it('stops narrowing blocks that differ all over: the chip hashes little beyond the compare and verify passes', async () => {
    const r = await rig('bk7231n');
    const dev = await connect(r);
    const old = pattern(0x40000, 21);
    await writeRegions(dev, [{ address: 0x10000, data: old, name: 'old.bin' }]);
    const rebuilt = pattern(0x40000, 22);
    const hashed = r.sim.stats.crcBytes;
    const summary = await writeRegions(dev, [{ address: 0x10000, data: rebuilt, name: 'new.bin' }]);
    assert.equal(summary.writtenBytes, rebuilt.length);
    assert.deepEqual(r.sim.flash.data.subarray(0x10000, 0x50000), rebuilt);
    // The old app's CRCs are known from its verify, so the compare pass is free and the verify pass
    // hashes 256 KiB. Narrowing the two blocks it tries by halves down to their sectors hashed
    // 224 KiB more (0.56 s of chip time) to find nothing to skip; two levels hash 128 KiB.
    const extra = r.sim.stats.crcBytes - hashed - rebuilt.length;
    assert.ok(extra <= 0x20000, `chip hashed ${extra} bytes beyond the verify pass`);
  });
});

describe('Beken read of mostly erased flash', () => {
  it('reads erased 64 KiB blocks as 0xFF on the strength of their CRC, without moving their bytes', async () => {
    const r = await rig('bk7231n');
    const dev = await connect(r);
    const data = pattern(0x10000, 5);
    await dev.writeFlash(0x80000, data);
    await dev.eraseFlash(0x90000, 0x30000);
    const before = r.link.counters.toHost;
    const read = await dev.readFlash(0x80000, 0x40000);
    assert.deepEqual(read.subarray(0, 0x10000), data);
    assert.ok(read.subarray(0x10000).every((b) => b === 0xff));
    const sent = r.link.counters.toHost - before;
    // One block of data (16 FlashRead4K replies of 4111 bytes) and four short CRC replies.
    assert.ok(sent < 17 * 4111, `the chip sent ${sent} bytes`);
  });
});

describe('Beken erase-all', () => {
  it('erases the whole flash on BK7231N (chip erase)', async () => {
    const r = await rig('bk7231n');
    const dev = await connect(r);
    await dev.eraseAll();
    assert.ok(r.sim.flash.data.every((b) => b === 0xff));
  });

  it('keeps the flash bootloader on BK7231T', async () => {
    const r = await rig('bk7231t');
    const loader = r.sim.flash.data.slice(0, 0x11000);
    const dev = await connect(r);
    await dev.eraseAll();
    assert.deepEqual(r.sim.flash.data.subarray(0, 0x11000), loader);
    assert.ok(r.sim.flash.data.subarray(0x11000).every((b) => b === 0xff));
  });
});

describe('Beken bootloader guard', () => {
  it('refuses a write below 0x11000 on BK7231T before anything is sent', async () => {
    const r = await rig('bk7231t');
    const dev = await connect(r);
    const frames = r.sim.stats.frames;
    const image = r.sim.flash.data.slice();
    await assert.rejects(dev.writeFlash(0, new Uint8Array(0x12000)), (e: any) => {
      assert.equal(e.code, 'bootloader-guard');
      assert.match(e.message, /0x0–0x11000/);
      assert.ok(e.advice.some((a: string) => /--bootloader/.test(a)));
      assert.ok(e.advice.some((a: string) => /0x11000/.test(a)));
      return true;
    });
    await assert.rejects(dev.eraseFlash(0x10000, 0x1000), { code: 'bootloader-guard' });
    assert.equal(r.sim.stats.frames, frames);
    assert.deepEqual(r.sim.flash.data, image);
  });

  it('writes the bootloader region on BK7231T with extra.bootloader, through the address wrap', async () => {
    const r = await rig('bk7231t');
    const dev = await connect(r, { extra: { bootloader: true } });
    const loader = pattern(0x11000, 5);
    await writeRegions(dev, [{ address: 0, data: loader, name: 'bootloader.bin' }]);
    assert.deepEqual(r.sim.flash.data.subarray(0, 0x11000), loader);
  });

  it('an erased BK7231T bootloader bricks the simulated chip (why the guard exists)', async () => {
    const r = await rig('bk7231t');
    const dev = await connect(r, { extra: { bootloader: true } });
    await dev.eraseFlash(0, 0x1000);
    await dev.reset('hard');
    assert.match(r.sim.control('status'), /bricked/);
    await assert.rejects(connect(r, { connectAttempts: 1 }), { code: 'no-response' });
  });

  it('allows the bootloader region on BK7231N after unprotecting', async () => {
    const r = await rig('bk7231n');
    const dev = await connect(r);
    const loader = pattern(0x11000, 6);
    await dev.writeFlash(0, loader);
    assert.deepEqual(r.sim.flash.data.subarray(0, 0x11000), loader);
  });
});

describe('Beken flash protection', () => {
  it('clears the SR block-protect bits before the first erase and reads them back', async () => {
    const r = await rig('bk7231n');
    const dev = await connect(r);
    assert.match(r.sim.control('status'), /protected/);
    await dev.writeFlash(0x100000, pattern(0x1000, 2));
    assert.doesNotMatch(r.sim.control('status'), /protected/);
    assert.deepEqual(r.sim.flash.data.subarray(0x100000, 0x101000), pattern(0x1000, 2));
    assert.ok(r.events.some((e) => e.type === 'note' && /protection cleared/.test(e.message)));
  });

  it('with reprotect the status register is restored before the reset', async () => {
    const r = await rig('bk7231n');
    const dev = await connect(r, { extra: { reprotect: true } });
    await dev.writeFlash(0x100000, pattern(0x1000, 2));
    assert.doesNotMatch(r.sim.control('status'), /protected/);
    await dev.reset('none');
    assert.match(r.sim.control('status'), /SR 0x002c \(protected\)/);
    assert.deepEqual(r.sim.flash.data.subarray(0x100000, 0x101000), pattern(0x1000, 2));
  });

  it('with keepProtection a protected flash keeps its contents (the engine verify then fails)', async () => {
    const r = await rig('bk7231n');
    const dev = await connect(r, { extra: { keepProtection: true } });
    const before = r.sim.flash.data.slice(0x20000, 0x21000);
    await assert.rejects(writeRegions(dev, [{ address: 0x20000, data: pattern(0x1000, 3), name: 'x.bin' }], { verifyRetries: 0 }), {
      code: 'verify-mismatch',
    });
    assert.deepEqual(r.sim.flash.data.subarray(0x20000, 0x21000), before);
  });

  it('reports flash-protected when the status register does not take the value', async () => {
    const r = await rig('bk7231n', { extra: { srStuck: true } });
    const dev = await connect(r);
    await assert.rejects(dev.writeFlash(0x20000, pattern(0x1000, 3)), (e: any) => {
      assert.equal(e.code, 'flash-protected');
      assert.ok(e.evidence.some((x: string) => /c84015/.test(x)));
      assert.ok(e.advice.length > 0);
      return true;
    });
  });
});

describe('Beken detection', () => {
  it('unknown bootloader on a FULL chip: a warning, then FULL from the 257-byte CRC', async () => {
    const r = await rig('bk7231n', { extra: { bootloader: 'unknown' } });
    const dev = await connect(r);
    const warn = r.events.find((e) => e.type === 'note' && e.code === 'unknown-bootloader');
    assert.ok(warn && warn.type === 'note' && warn.level === 'warn');
    const info = await dev.info();
    assert.equal(info.mode, 'FULL');
    assert.equal(info.chip, 'bk7231n');
    assert.equal(info.extra.bootloader, 'unknown');
  });

  it('unknown bootloader on a BASIC chip: BASIC from the 256-byte CRC, size from the address wrap', async () => {
    const r = await rig('bk7231t', { extra: { bootloader: 'unknown' } });
    const dev = await connect(r);
    const info = await dev.info();
    assert.equal(info.mode, 'BASIC_BEKEN');
    assert.equal(info.flashSize, 2 * MiB);
    assert.equal(info.extra.flashSizeSource, 'wrap');
    // Unknown flash bootloaders are guarded too.
    await assert.rejects(dev.writeFlash(0, new Uint8Array(0x1000)), { code: 'bootloader-guard' });
    await dev.writeFlash(0x11000, pattern(0x1000, 4));
    assert.deepEqual(r.sim.flash.data.subarray(0x11000, 0x12000), pattern(0x1000, 4));
  });

  it('rejects a JEDEC id of 000000 as flash-not-found', async () => {
    const r = await rig('bk7231n', { extra: { jedecId: 0 } });
    await assert.rejects(connect(r), { code: 'flash-not-found' });
  });

  it('refuses a --chip that does not match', async () => {
    const r = await rig('bk7231n');
    await assert.rejects(connect(r, { chip: 'bk7231t' }), (e: any) => e.code === 'unknown-device' && /BK7231N/.test(e.message));
  });
});

describe('Beken linking and baud', () => {
  it('steps the baud down when the chip cannot follow (2000000 → 1500000 → 921600)', async () => {
    const r = await rig('bk7231n', { extra: { maxBaud: 1000000 } });
    const dev = await connect(r, { baud: 2000000 });
    const info = await dev.info();
    assert.equal(info.baud, 921600);
    assert.equal(r.sim.baud, 921600);
    const retries = r.events.filter((e) => e.type === 'retry' && e.op === 'baud');
    assert.equal(retries.length, 2);
    await dev.writeFlash(0x20000, pattern(0x1000, 8));
    assert.deepEqual(await dev.readFlash(0x20000, 0x1000), pattern(0x1000, 8));
  });

  it('steps down when read CRCs keep failing at a baud', async () => {
    const r = await rig('bk7231n');
    // A marginal link: long replies get a flipped bit above 460800 baud.
    r.link.faults.toHost = (b) => {
      if (r.sim.baud <= 460800 || b.length < 4000) return b;
      const c = b.slice();
      c[200]! ^= 0x10;
      return c;
    };
    const dev = await connect(r);
    const data = await dev.readFlash(0x11000, 0x2000);
    assert.deepEqual(data, r.sim.flash.data.subarray(0x11000, 0x13000));
    assert.equal(r.sim.baud, 460800);
    assert.ok(r.events.some((e) => e.type === 'retry' && e.op === 'read'));
  });

  it('waits for a power-cycle when DTR/RTS are not wired', async () => {
    const r = await rig('bk7231n', { autoReset: false });
    const waited: string[] = [];
    const dev = await connect(r, {
      connectAttempts: 1,
      wait: true,
      waitMs: 5000,
      events: (e) => {
        if (e.type === 'wait-for-user') {
          waited.push(e.message);
          setTimeout(() => r.sim.control('power-cycle'), 30);
        }
      },
    });
    assert.equal(waited.length, 1);
    assert.match(waited[0]!, /power-cycle/i);
    assert.equal((await dev.info()).strategy, 'power-cycle');
  });

  it('without a reset wire, finds a chip still linked at the working baud from an earlier session', async () => {
    const r = await rig('bk7231n', { autoReset: false, boot: 'download' });
    await connect(r);
    assert.equal(r.sim.baud, 921600);
    const second = await connect(r);
    const info = await second.info();
    assert.equal(info.strategy, 'already-linked');
    assert.equal(info.baud, 921600);
    assert.deepEqual(await second.readFlash(0x11000, 0x1000), r.sim.flash.data.subarray(0x11000, 0x12000));
  });

  it('without a reset wire, asks a running OpenBeken firmware to reboot into the boot window', async () => {
    const r = await rig('bk7231n', { autoReset: false, extra: { firmware: 'openbeken', windowMs: 0 } });
    r.sim.control('power-cycle');
    assert.match(r.sim.control('status'), /firmware/);
    (r.sim.settings as { windowMs: number }).windowMs = 400;
    const dev = await connect(r, { connectAttempts: 2, before: 'no-reset' });
    assert.equal((await dev.info()).strategy, 'firmware-reboot');
  });

  it('without a reset wire and without --wait it fails with advice', async () => {
    const r = await rig('bk7231n', { autoReset: false });
    await assert.rejects(connect(r, { connectAttempts: 1 }), (e: any) => {
      assert.equal(e.code, 'no-response');
      assert.equal(e.family, 'beken');
      assert.ok(e.advice.some((a: string) => /--wait/.test(a)));
      return true;
    });
  });

  it('names a missed boot window when only the firmware log is seen', async () => {
    const r = await rig('bk7231n', { extra: { windowMs: 0 } });
    await assert.rejects(connect(r, { connectAttempts: 1 }), { code: 'boot-window-missed' });
  });

  it('re-links when a BK7231T left download mode after a silence', async () => {
    const r = await rig('bk7231t', { extra: { idleMs: 300 } });
    const dev = (await connect(r)) as BekenFlashDevice;
    await sleep(450);
    assert.equal(r.sim.currentState, 'firmware');
    assert.deepEqual(await dev.readFlash(0x11000, 0x1000), r.sim.flash.data.subarray(0x11000, 0x12000));
    assert.ok(r.events.some((e) => e.type === 'recover'));
    assert.equal(r.sim.baud, 921600, 'working baud restored after the re-link');
  });
});

describe('Beken detection on a noisy line', () => {
  // No checksum protects a Beken reply: a flipped bit must not name the wrong chip or flash, and a
  // request lost on the way must not end the connect (an unknown bootloader takes the longer path).
  for (const seed of [1, 2, 3, 4]) {
    it(`corrupt=2e-3, seed ${seed}: BK7231N with 2 MiB flash, unknown bootloader, eFuse key`, async () => {
      const sim = openSimPort(`sim:bk7231n?fault=corrupt=2e-3&seed=${seed}`);
      sim.device.flash.data.set(pattern(0x12000, seed));
      await sim.transport.open();
      try {
        const dev = await bekenFamily.connect({ transport: sim.transport, baud: 115200, events: () => {} });
        const info = await dev.info();
        assert.equal(info.chip, 'bk7231n');
        assert.equal(info.flashSize, 0x200000);
        assert.equal(info.flashId, 0xc84015);
        assert.equal(info.extra.efuseKey, '510fb093 a3cbeadc 5993a17e c7adeb03');
      } finally {
        await sim.transport.close();
        sim.device.dispose();
      }
    });
  }
});
