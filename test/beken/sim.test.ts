import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes, toHex } from '../../src/core/bytes.js';
import { sleep } from '../../src/core/time.js';
import * as cmd from '../../src/families/beken/commands.js';
import { longRequest, shortRequest } from '../../src/families/beken/frames.js';
import { bekenCrc } from '../../src/families/beken/crc.js';
import { linkedSession, rawExchange, rig } from './helpers.js';

const hex = (b: Uint8Array) => toHex(b, ' ');

describe('Beken simulator: wire behaviour', () => {
  it('answers LinkCheck only inside the boot window, then logs the firmware boot', async () => {
    const r = await rig('bk7231n', { extra: { windowMs: 150 } });
    await r.transport.setSignals({ dtr: false, rts: false });
    assert.equal(hex(await rawExchange(r, cmd.linkCheck().bytes)), '04 0e 05 01 e0 fc 01 00');
    // Reset again and stay silent past the window: the app starts and prints its log.
    await r.transport.setSignals({ rts: true });
    await r.transport.setSignals({ rts: false });
    await sleep(250);
    const log = await r.transport.read({ deadline: performance.now() + 20 });
    assert.match(String.fromCharCode(...log), /jump to pc addr/);
    assert.equal((await rawExchange(r, cmd.linkCheck().bytes, 100)).length, 0, 'the app does not answer LinkCheck');
  });

  it('holds the chip in reset while RTS is asserted (drivers assert it on open)', async () => {
    const r = await rig('bk7231n');
    assert.equal((await rawExchange(r, cmd.linkCheck().bytes)).length, 0);
    assert.equal(r.sim.currentState, 'reset');
  });

  it('answers unknown commands with status 7 in the request form', async () => {
    const r = await linkedSession('bk7231t');
    assert.equal(hex(await rawExchange(r, cmd.readReg(0x800000).bytes)), '04 0e 05 01 e0 fc 03 07');
    assert.equal(hex(await rawExchange(r, cmd.flashGetMID().bytes)), '04 0e ff 01 e0 fc f4 02 00 0e 07');
    const n = await linkedSession('bk7231n');
    assert.equal(hex(await rawExchange(n, cmd.readBootVersion().bytes)), '04 0e 05 01 e0 fc 11 07');
  });

  it('discards a request pipelined behind another (stop-and-wait is mandatory)', async () => {
    const r = await linkedSession('bk7231n');
    const both = concatBytes([cmd.readReg(0x800000).bytes, cmd.linkCheck().bytes]);
    const reply = await rawExchange(r, both);
    assert.equal(hex(reply), '04 0e 0c 01 e0 fc 03 00 00 80 00 1c 23 07 00');
    assert.ok(r.sim.stats.discardedBytes >= 5);
  });

  it('replies to SetBaudRate at the new baud after the requested delay', async () => {
    const r = await linkedSession('bk7231n');
    await r.transport.write(cmd.setBaudRate(921600, 20).bytes);
    await sleep(10);
    await r.transport.setBaud(921600);
    const got = await r.session.await('short', 0x0f, 500, 'SetBaudRate');
    assert.equal(hex(got), '00 10 0e 00 14');
    assert.equal(r.sim.baud, 921600);
    // Staying at 115200 on the host side sees only garbage.
    const s = await linkedSession('bk7231n');
    await s.transport.write(cmd.setBaudRate(921600, 5).bytes);
    const garbage = await rawExchange(s, new Uint8Array(0), 100);
    assert.notEqual(hex(garbage), '04 0e 0a 01 e0 fc 0f 00 10 0e 00 05');
  });

  it('CheckCRC: end inclusive on FULL, exclusive on BASIC, raw register without XOR', async () => {
    const n = await linkedSession('bk7231n');
    assert.equal(await n.session.checkCrc(0x11000, 0x11fff, 100), bekenCrc(n.sim.flash.data.subarray(0x11000, 0x12000)));
    const t = await linkedSession('bk7231t');
    assert.equal(await t.session.checkCrc(0x11000, 0x12000, 100), bekenCrc(t.sim.flash.data.subarray(0x11000, 0x12000)));
  });

  it('the synthetic bootloaders carry the CRCs of real ones (257 bytes on FULL, 256 on BASIC)', async () => {
    const n = await linkedSession('bk7231n');
    assert.equal(((await n.session.checkCrc(0, 0x100, 100)) ^ 0xffffffff) >>> 0, 0xe14191ba);
    const t = await linkedSession('bk7231t');
    assert.equal(((await t.session.checkCrc(0, 0x100, 100)) ^ 0xffffffff) >>> 0, 0xe5cbc953);
  });

  it('BASIC refuses addresses below 0x11000 (status 6) but the flash wrap reaches them', async () => {
    const t = await linkedSession('bk7231t');
    const refused = await rawExchange(t, cmd.flashRead4K(0).bytes);
    assert.equal(hex(refused), '04 0e ff 01 e0 fc f4 07 00 09 06 00 00 00 00 00');
    const wrapped = await t.session.flashRead4K(0x200000);
    assert.deepEqual(wrapped, t.sim.flash.data.subarray(0, 4096));
  });

  it('BASIC re-protects the flash after CheckCRC until a LinkCheck', async () => {
    const t = await linkedSession('bk7231t');
    await t.session.checkCrc(0x20000, 0x21000, 100);
    await t.session.flashErase(0x20, 0x20000, 500);
    assert.notEqual(bekenCrc(t.sim.flash.data.subarray(0x20000, 0x21000)), 0x0eab98f5, 'erase after CRC has no effect');
    assert.ok(await t.session.linkCheck(100));
    await t.session.flashErase(0x20, 0x20000, 500);
    assert.equal(bekenCrc(t.sim.flash.data.subarray(0x20000, 0x21000)), 0x0eab98f5);
  });

  it('status-register protection blocks erase on FULL until the BP bits are cleared', async () => {
    const n = await linkedSession('bk7231n');
    assert.equal(await n.session.flashReadSR(0x05), 0x2c);
    await n.session.flashErase(0xd8, 0x20000, 500);
    assert.notEqual(n.sim.flash.data[0x20000], 0xff);
    await n.session.flashWriteSR([0, 0]);
    assert.equal(await n.session.flashReadSR(0x05), 0);
    await n.session.flashErase(0xd8, 0x20000, 500);
    assert.ok(n.sim.flash.data.subarray(0x20000, 0x30000).every((b) => b === 0xff));
  });

  it('FlashGetMID returns status, 00, MID, TYPE, CAP', async () => {
    const n = await linkedSession('bk7231n');
    assert.equal(hex(await rawExchange(n, cmd.flashGetMID().bytes)), '04 0e ff 01 e0 fc f4 06 00 0e 00 00 c8 40 15');
  });

  it('a BASIC loader leaves download mode after a silence', async () => {
    const t = await linkedSession('bk7231t', { extra: { idleMs: 40 } });
    assert.ok(await t.session.linkCheck(100));
    await sleep(80);
    assert.equal(t.sim.currentState, 'firmware');
    assert.equal(await t.session.linkCheck(50), false);
  });

  it('garbles everything above extra.maxBaud', async () => {
    const r = await linkedSession('bk7231n', { extra: { maxBaud: 1000000 } });
    await r.transport.write(cmd.setBaudRate(1500000, 20).bytes);
    await sleep(10);
    await r.transport.setBaud(1500000);
    await assert.rejects(r.session.await('short', 0x0f, 200, 'SetBaudRate'), { code: 'timeout' });
  });

  it('FULL extras: StayRom, Reboot with a wrong argument, Erase4K, length and alignment checks, oversize frames', async () => {
    const n = await linkedSession('bk7231n');
    assert.equal(hex(await rawExchange(n, cmd.stayRom().bytes)), '04 0e 05 01 e0 fc aa 55');
    assert.equal(hex(await rawExchange(n, shortRequest(0x0e, Uint8Array.of(0x00)))), '04 0e 05 01 e0 fc 0e a5');
    assert.equal(hex(await rawExchange(n, cmd.flashErase4K(0x12000).bytes)), '04 0e ff 01 e0 fc f4 06 00 0b 00 00 20 01 00');
    const misaligned = cmd.flashWrite4K(0x12010, new Uint8Array(4096)).bytes;
    assert.equal(hex(await rawExchange(n, misaligned)), '04 0e ff 01 e0 fc f4 06 00 07 06 10 20 01 00');
    assert.equal(hex(await rawExchange(n, longRequest(0x07, new Uint8Array(8)))), '04 0e ff 01 e0 fc f4 06 00 07 04 00 00 00 00');
    assert.equal((await rawExchange(n, longRequest(0x09, new Uint8Array(4200)), 100)).length, 0, 'LEN16 ≥ 4200 is dropped');
    assert.deepEqual(await n.session.flashRead4K(0x200000 + 0x1000), n.sim.flash.data.subarray(0x1000, 0x2000), 'address wrap');
  });
});
