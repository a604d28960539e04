import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { AnyflashError } from '../../src/core/errors.js';
import { SimClock } from '../../src/sim/clock.js';
import { createEspSim, ESP_SIM_CHIPS } from '../../src/sim/esp/index.js';
import { Bench, C3_SPI, ESP32_SPI, attach, hexBytes, request, spiCommand, u32, xorChecksum } from './harness.js';

const md5hex = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

describe('ESP ROM loader', () => {
  it('answers SYNC with eight identical replies, byte for byte', async () => {
    const b = await Bench.open({ chip: 'esp32' });
    const replies = await b.sync();
    assert.equal(replies.length, 8);
    for (const r of replies) assert.equal(hexBytes(r.raw), '01 08 04 00 07 07 12 20 00 00 00 00');
    assert.equal(await b.frame(50), null, 'no ninth reply');
    await b.close();
  });

  it('uses a 2-byte status on the ESP8266 ROM', async () => {
    const b = await Bench.open({ chip: 'esp8266' });
    const replies = await b.sync();
    assert.equal(hexBytes(replies[7]!.raw), '01 08 02 00 07 07 12 20 00 00');
    await b.close();
  });

  it('rejects GET_SECURITY_INFO on the ESP32 the way esptool recognises as unsupported', async () => {
    const b = await Bench.open({ chip: 'esp32' });
    await b.send(request(0x14));
    for (let i = 0; i < 8; i++) {
      const r = await b.reply();
      assert.notEqual(r.op, 0x14, 'a non-matching opcode makes esptool raise UnsupportedCommandError');
      assert.deepEqual([...r.data], [0x01, 0x05, 0x00, 0x00]);
    }
    await b.close();
  });

  it('returns 20 bytes with the chip id on the ESP32-S3 and 12 bytes on the S2', async () => {
    const s3 = await Bench.open({ chip: 'esp32s3' });
    const r = await s3.command(0x14);
    assert.equal(r.data.length, 24);
    assert.equal(new DataView(r.data.buffer, r.data.byteOffset).getUint32(12, true), 9);
    assert.deepEqual([...r.data.subarray(20)], [0, 0, 0, 0]);
    await s3.close();
    const s2 = await Bench.open({ chip: 'esp32s2' });
    assert.equal((await s2.command(0x14)).data.length, 16);
    await s2.close();
  });

  it('holds the EUI-64 filler ff:fe in the high half of the second MAC word on the C6 and H2', async () => {
    for (const [chip, eui64] of [['esp32c6', '40:4c:ca:ff:fe:01:02:03'], ['esp32h2', '74:4d:60:ff:fe:01:02:03']] as const) {
      const b = await Bench.open({ chip });
      const mac0 = (await b.command(0x0a, u32(0x600b0844))).value;
      const mac1 = (await b.command(0x0a, u32(0x600b0848))).value;
      // esptool's read_mac: base MAC from both words, the extension from mac1's high half, EUI-64 = oui + ext + nic.
      const base = [(mac1 >>> 8) & 0xff, mac1 & 0xff, mac0 >>> 24, (mac0 >>> 16) & 0xff, (mac0 >>> 8) & 0xff, mac0 & 0xff];
      const ext = [mac1 >>> 24, (mac1 >>> 16) & 0xff];
      const eui = [...base.slice(0, 3), ...ext, ...base.slice(3)];
      assert.equal(eui.map((x) => x.toString(16).padStart(2, '0')).join(':'), eui64, chip);
      await b.close();
    }
  });

  it('reads the magic word, eFuse MAC and a UART divider that matches the line rate', async () => {
    const b = await Bench.open({ chip: 'esp32' });
    assert.equal((await b.command(0x0a, u32(0x40001000))).value, 0x00f01d83);
    const w1 = (await b.command(0x0a, u32(0x3ff5a004))).value;
    const w2 = (await b.command(0x0a, u32(0x3ff5a008))).value;
    const mac = [(w2 >> 8) & 0xff, w2 & 0xff, w1 >>> 24, (w1 >> 16) & 0xff, (w1 >> 8) & 0xff, w1 & 0xff];
    assert.equal(mac.map((x) => x.toString(16).padStart(2, '0')).join(':'), '24:0a:c4:12:34:56');
    const div = (await b.command(0x0a, u32(0x3ff40014))).value;
    assert.equal(Math.round((115200 * div) / 1e6), 40, 'esptool derives a 40 MHz crystal');
    assert.equal((await b.command(0x0a, u32(0x12345678))).value, 0, 'unknown addresses read 0');
    await b.close();
    for (const [chip, magic] of [['esp8266', 0xfff0c101], ['esp32c3', 0x1b31506f], ['esp32s3', 9]] as const) {
      const c = await Bench.open({ chip });
      assert.equal((await c.command(0x0a, u32(0x40001000))).value, magic, chip);
      await c.close();
    }
  });

  it('runs RDID and SFDP through the SPI user-command registers', async () => {
    const b = await Bench.open({ chip: 'esp32' });
    await attach(b);
    assert.equal(await spiCommand(b, ESP32_SPI, 0x9f, 24), 0x1640c8);
    assert.equal(await spiCommand(b, ESP32_SPI, 0x5a, 32, 0), 0x50444653, 'SFDP signature');
    assert.equal(await spiCommand(b, ESP32_SPI, 0x05, 8), 0, 'RDSR: not busy, not protected');
    await b.close();
    const c3 = await Bench.open({ chip: 'esp32c3', flashSize: 16 * 0x100000 });
    await attach(c3);
    assert.equal(await spiCommand(c3, C3_SPI, 0x9f, 24), 0x1840c8, 'size code follows the configured flash');
    assert.equal(await spiCommand(c3, C3_SPI, 0x5a, 32, 0), 0x50444653);
    await c3.close();
  });

  it('runs RDID on the ESP8266, whose bit lengths live in USR1', async () => {
    const b = await Bench.open({ chip: 'esp8266' });
    await b.command(0x02, u32(0, 0, 0x400, 0)); // the ESP8266 ROM attaches the flash on FLASH_BEGIN
    const base = 0x60000200;
    const write = (reg: number, value: number) => b.command(0x09, u32(reg, value, 0xffffffff, 0));
    await write(base + 0x20, 23 << 8);
    await write(base + 0x1c, ((1 << 31) | (1 << 28)) >>> 0);
    await write(base + 0x24, ((7 << 28) | 0x9f) >>> 0);
    await write(base + 0x40, 0);
    await write(base, 1 << 18);
    assert.equal((await b.command(0x0a, u32(base + 0x40))).value, 0x1640e0);
    await b.close();
  });

  it('erases at FLASH_BEGIN, writes blocks, and reports MD5 as 32 ASCII hex digits', async () => {
    const b = await Bench.open({ chip: 'esp32' });
    await attach(b);
    b.device.flash.program(0x10900, new Uint8Array(16)); // stale bits in the sector, past the image
    const image = new Uint8Array(0x800).map((_, i) => (i * 13 + 5) & 0xff);
    assert.deepEqual([...(await b.command(0x02, u32(image.length, 2, 0x400, 0x10000))).data], [0, 0, 0, 0]);
    assert.ok(b.device.flash.read(0x10900, 16).every((x) => x === 0xff), 'the region was erased at BEGIN');
    for (let seq = 0; seq < 2; seq++) {
      const block = [...image.subarray(seq * 0x400, (seq + 1) * 0x400)];
      const r = await b.command(0x03, [...u32(block.length, seq, 0, 0), ...block], xorChecksum(block));
      assert.deepEqual([...r.data], [0, 0, 0, 0]);
    }
    assert.deepEqual(b.device.flash.read(0x10000, image.length), image);
    const r = await b.command(0x13, u32(0x10000, image.length, 0, 0));
    assert.equal(new TextDecoder().decode(r.data.subarray(0, 32)), md5hex(image));
    assert.deepEqual([...r.data.subarray(32)], [0, 0, 0, 0]);
    await b.close();
  });

  it('reports a bad FLASH_DATA checksum as 01 07', async () => {
    const b = await Bench.open({ chip: 'esp32' });
    await b.command(0x02, u32(0x400, 1, 0x400, 0));
    const block = new Array<number>(0x400).fill(0x42);
    const r = await b.command(0x03, [...u32(block.length, 0, 0, 0), ...block], xorChecksum(block) ^ 1);
    assert.deepEqual([...r.data], [0x01, 0x07, 0, 0]);
    await b.close();
  });

  it('inflates FLASH_DEFL_DATA in ROM and reads 64-byte blocks with READ_FLASH_SLOW', async () => {
    const b = await Bench.open({ chip: 'esp32c3' });
    await attach(b);
    const image = new Uint8Array(5000).map((_, i) => (i % 7) * 3);
    const z = [...deflateSync(image)];
    await b.command(0x10, u32(image.length, 1, 0x400, 0x8000, 0));
    const r = await b.command(0x11, [...u32(z.length, 0, 0, 0), ...z], xorChecksum(z));
    assert.deepEqual([...r.data], [0, 0, 0, 0]);
    assert.deepEqual(b.device.flash.read(0x8000, image.length), image);
    const slow = await b.command(0x0e, u32(0x8000 + 10, 20));
    assert.equal(slow.data.length, 64 + 4);
    assert.deepEqual(slow.data.subarray(0, 20), image.subarray(10, 30));
    await b.close();
  });

  it('answers CHANGE_BAUDRATE at the old rate, then listens at the new one', async () => {
    const b = await Bench.open({ chip: 'esp32' });
    const r = await b.command(0x0f, u32(460800, 0));
    assert.deepEqual([...r.data], [0, 0, 0, 0]);
    assert.equal(b.device.baud, 460800);
    await b.send(request(0x0a, u32(0x40001000)));
    assert.equal(await b.frame(100), null, 'at the old host rate the chip hears garbage');
    await b.transport.setBaud(460800);
    assert.equal((await b.command(0x0a, u32(0x40001000))).value, 0x00f01d83);
    await b.close();
  });

  it('reaches no flash before SPI_ATTACH, as a real ROM: RDID FF FF FF, SFDP FF, writes and erases go nowhere', async () => {
    for (const chip of ['esp32', 'esp32c3'] as const) {
      const spi = chip === 'esp32' ? ESP32_SPI : C3_SPI;
      const b = await Bench.open({ chip });
      const before = b.device.flash.read(0, 0x1000);
      assert.equal(await spiCommand(b, spi, 0x9f, 24), 0xffffff, `${chip}: flash id before attach`);
      assert.equal(await spiCommand(b, spi, 0x5a, 32, 0), 0xffffffff, `${chip}: SFDP before attach`);
      const block = new Array<number>(0x400).fill(0x42);
      await b.command(0x02, u32(0x400, 1, 0x400, 0));
      await b.command(0x03, [...u32(block.length, 0, 0, 0), ...block], xorChecksum(block));
      assert.deepEqual(b.device.flash.read(0, 0x1000), before, `${chip}: the write did not reach the flash`);
      const md5 = await b.command(0x13, u32(0, 0x400, 0, 0));
      assert.equal(new TextDecoder().decode(md5.data.subarray(0, 32)), md5hex(new Uint8Array(0x400).fill(0xff)));
      await attach(b);
      assert.equal(await spiCommand(b, spi, 0x9f, 24), 0x1640c8, `${chip}: flash id after attach`);
      assert.equal(await spiCommand(b, spi, 0x5a, 32, 0), 0x50444653, `${chip}: SFDP after attach`);
      await b.close();
    }
  });

  it('has the flash attached from boot on the ESP32-S2, whose ROM attaches it itself', async () => {
    const b = await Bench.open({ chip: 'esp32s2' });
    assert.equal(await spiCommand(b, { ...C3_SPI, base: 0x3f402000 }, 0x9f, 24), 0x1640c8);
    await b.close();
  });

  it('forgets the attach on reset', async () => {
    const b = await Bench.open({ chip: 'esp32c3' });
    await attach(b);
    b.device.control('hold-boot');
    b.device.control('press-reset');
    await b.text(30);
    await b.sync();
    assert.equal(await spiCommand(b, C3_SPI, 0x9f, 24), 0xffffff);
    await b.close();
  });

  it('reads FF FF FF and no SFDP from a flash chip that does not answer', async () => {
    const b = await Bench.open({ chip: 'esp32', extra: { jedecId: 0xffffff } });
    await attach(b);
    assert.equal(await spiCommand(b, ESP32_SPI, 0x9f, 24), 0xffffff);
    assert.equal(await spiCommand(b, ESP32_SPI, 0x5a, 32, 0), 0xffffffff);
    await b.close();
  });

  it('accepts only the Secure Download Mode command set and says so in the security info', async () => {
    const b = await Bench.open({ chip: 'esp32s3', extra: { secureDownloadMode: true } });
    const info = await b.command(0x14);
    assert.equal(info.data[0]! & 0x04, 0x04, 'SECURE_DOWNLOAD_ENABLE');
    await b.send(request(0x0a, u32(0x40001000)));
    assert.deepEqual([...(await b.reply()).data], [0x01, 0x05, 0, 0], 'READ_REG refused');
    await b.text(30);
    await b.send(request(0x05, u32(0x100, 1, 0x100, 0x3fc90000)));
    assert.notEqual((await b.reply()).op, 0x05, 'MEM_BEGIN refused: no stub in SDM');
    await b.text(30);
    assert.deepEqual([...(await b.command(0x02, u32(0x1000, 4, 0x400, 0x10000, 0))).data], [0, 0, 0, 0]);
    await b.close();
  });

  it('reproduces the ESP8266 ROM erase-size bug that esptool compensates for', async () => {
    const b = await Bench.open({ chip: 'esp8266' });
    b.device.flash.program(0, new Uint8Array(0x40000));
    // 12 sectors at 0x10000: esptool's get_erase_size sends 6, the ROM erases 6 + 6.
    await b.command(0x02, u32(6 * 0x1000, 48, 0x400, 0x10000));
    assert.ok(b.device.flash.read(0x10000, 12 * 0x1000).every((x) => x === 0xff));
    assert.ok(b.device.flash.read(0x1c000, 0x1000).every((x) => x === 0), 'nothing past the 12 sectors');
    // Sent unadjusted, the same request erases twice as much.
    await b.command(0x02, u32(12 * 0x1000, 48, 0x400, 0x20000));
    assert.ok(b.device.flash.read(0x20000, 24 * 0x1000).every((x) => x === 0xff));
    await b.close();
  });

  it('models the ESP32-C2 ROM that assumes a 40 MHz crystal on a 26 MHz board', async () => {
    const b = await Bench.open({ chip: 'esp32c2' });
    const div = (await b.command(0x0a, u32(0x60000014))).value;
    assert.equal(Math.round((115200 * div) / 1e6), 26, 'esptool reads a 26 MHz crystal');
    await b.command(0x0f, u32(Math.floor((460800 * 40) / 26), 0));
    assert.equal(b.device.baud, 460800, "esptool's scaled request lands on the wanted rate");
    await b.close();
  });

  it('has no FLASH_DEFL, MD5 or SPI_ATTACH on the ESP8266 ROM', async () => {
    const b = await Bench.open({ chip: 'esp8266' });
    for (const op of [0x10, 0x13, 0x0d]) {
      await b.send(request(op, u32(0, 0, 0, 0)));
      const r = await b.reply();
      assert.deepEqual([...r.data], [0x01, 0x05], `op ${op.toString(16)}`);
      await b.text(30);
    }
    await b.close();
  });

  it('rejects an unknown chip name with advice', () => {
    assert.throws(
      () => createEspSim({ chip: 'esp99', clock: new SimClock(false) }),
      (e: unknown) => e instanceof AnyflashError && e.code === 'unknown-chip' && e.advice[0]!.includes('esp32'),
    );
    assert.ok(ESP_SIM_CHIPS.includes('esp32') && ESP_SIM_CHIPS.includes('esp8266'));
  });
});
