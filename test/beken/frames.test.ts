import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../src/core/bytes.js';
import * as cmd from '../../src/families/beken/commands.js';
import { bekenCrc, bekenCrcOfSuffix, combineBekenCrc, forgeCrcTail, crc32Update, zlibCrc } from '../../src/families/beken/crc.js';
import { longResponse, shortResponse, unknownCommandResponse } from '../../src/families/beken/frames.js';
import { FrameReader } from '../../src/families/beken/reader.js';
import { pattern } from './helpers.js';

const hex = (b: Uint8Array) => toHex(b, ' ');

describe('Beken request frames match the reference byte for byte', () => {
  const cases: Array<[string, Uint8Array, string]> = [
    ['LinkCheck', cmd.linkCheck().bytes, '01 e0 fc 01 00'],
    ['ReadReg 0x800000', cmd.readReg(0x800000).bytes, '01 e0 fc 05 03 00 00 80 00'],
    ['Reboot', cmd.reboot().bytes, '01 e0 fc 02 0e a5'],
    ['SetBaudRate 921600, 20 ms', cmd.setBaudRate(921600, 20).bytes, '01 e0 fc 06 0f 00 10 0e 00 14'],
    ['FlashRead4K 0x11000', cmd.flashRead4K(0x11000).bytes, '01 e0 fc ff f4 05 00 09 00 10 01 00'],
    ['FlashReadSR 05', cmd.flashReadSR(0x05).bytes, '01 e0 fc ff f4 02 00 0c 05'],
    ['FlashErase 4K 0x11000', cmd.flashErase(0x20, 0x11000).bytes, '01 e0 fc ff f4 06 00 0f 20 00 10 01 00'],
    ['FlashGetMID', cmd.flashGetMID().bytes, '01 e0 fc ff f4 05 00 0e 9f 00 00 00'],
    ['CheckCRC 0..0x100', cmd.checkCrc(0, 0x100).bytes, '01 e0 fc 09 10 00 00 00 00 00 01 00 00'],
    ['WriteSR 16-bit', cmd.flashWriteSR([0x00, 0x00]).bytes, '01 e0 fc ff f4 04 00 0d 01 00 00'],
    ['StayRom', cmd.stayRom().bytes, '01 e0 fc 02 aa 55'],
    ['RESET', cmd.resetSean().bytes, '01 e0 fc 05 70 53 45 41 4e'],
    ['WriteReg', cmd.writeReg(0x800074, 0x301).bytes, '01 e0 fc 09 01 74 00 80 00 01 03 00 00'],
    ['FlashWrite 2 bytes', cmd.flashWrite(0x11000, Uint8Array.of(0xaa, 0x55)).bytes, '01 e0 fc ff f4 07 00 06 00 10 01 00 aa 55'],
    ['FlashErase4K', cmd.flashErase4K(0x12000).bytes, '01 e0 fc ff f4 05 00 0b 00 20 01 00'],
    ['FlashEraseAll', cmd.flashEraseAll().bytes, '01 e0 fc ff f4 02 00 0a 04'],
    ['FlashErase 64K', cmd.flashErase(0xd8, 0x200000).bytes, '01 e0 fc ff f4 06 00 0f d8 00 00 20 00'],
    ['ReadBootVersion', cmd.readBootVersion().bytes, '01 e0 fc 01 11'],
  ];
  for (const [name, bytes, want] of cases) it(name, () => assert.equal(hex(bytes), want));

  it('FlashWrite4K carries LEN16 0x1005 and 4108 bytes in all', () => {
    const f = cmd.flashWrite4K(0x11000, new Uint8Array(4096)).bytes;
    assert.equal(f.length, 4108);
    assert.equal(hex(f.subarray(0, 12)), '01 e0 fc ff f4 05 10 07 00 10 01 00');
  });
});

describe('Beken reply frames', () => {
  it('LinkCheck reply, Write4K reply, unknown-command replies', () => {
    assert.equal(hex(shortResponse(0x01, Uint8Array.of(0))), '04 0e 05 01 e0 fc 01 00');
    assert.equal(hex(longResponse(0x07, 0, fromHex('00100100'))), '04 0e ff 01 e0 fc f4 06 00 07 00 00 10 01 00');
    assert.equal(hex(unknownCommandResponse('short', 0x11)), '04 0e 05 01 e0 fc 11 07');
    assert.equal(hex(unknownCommandResponse('long', 0x0c)), '04 0e ff 01 e0 fc f4 02 00 0c 07');
  });
});

describe('FrameReader resynchronises on stray bytes', () => {
  it('skips boot text and a leftover LinkCheck reply before the SetBaudRate reply', () => {
    const r = new FrameReader();
    const text = new TextEncoder().encode('jump to pc addr\r\n\x04\x0e garbage');
    r.push(text);
    r.push(shortResponse(0x01, Uint8Array.of(0)));
    const baud = shortResponse(0x0f, fromHex('00100e0014'));
    r.push(baud.subarray(0, 5));
    assert.equal(r.next('short', 0x0f), null, 'incomplete frame waits for more bytes');
    r.push(baud.subarray(5));
    const f = r.next('short', 0x0f);
    assert.ok(f);
    assert.equal(hex(f.payload), '00 10 0e 00 14');
    assert.equal(r.skippedFrames, 1);
    assert.ok(r.stray.length >= text.length - 2);
  });

  it('does not take a short frame for a long one', () => {
    const r = new FrameReader();
    r.push(shortResponse(0x07, Uint8Array.of(0)));
    r.push(longResponse(0x07, 0, fromHex('00200000')));
    const f = r.next('long', 0x07);
    assert.ok(f);
    assert.equal(hex(f.payload), '00 00 20 00 00');
  });
});

describe('Beken CRC', () => {
  it('is zlib CRC-32 without the final XOR; an erased 4 KiB gives 0x0EAB98F5', () => {
    assert.equal(zlibCrc(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(bekenCrc(new Uint8Array(4096).fill(0xff)), 0x0eab98f5);
  });

  it('combines the CRCs of adjacent ranges', () => {
    const a = pattern(65536, 3);
    const b = pattern(4096 * 3 + 17, 4);
    const all = new Uint8Array(a.length + b.length);
    all.set(a);
    all.set(b, a.length);
    assert.equal(combineBekenCrc(bekenCrc(a), bekenCrc(b), b.length), bekenCrc(all));
    assert.equal(bekenCrcOfSuffix(bekenCrc(all), bekenCrc(a), b.length), bekenCrc(b));
  });

  it('forges a 4-byte tail that gives any target register', () => {
    const prefix = pattern(253, 9);
    const tail = forgeCrcTail(crc32Update(0xffffffff, prefix), 0x1ebe6e45);
    const all = new Uint8Array(257);
    all.set(prefix);
    all.set(tail, 253);
    assert.equal(bekenCrc(all), 0x1ebe6e45);
  });
});
