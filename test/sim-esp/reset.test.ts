import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Bench, u32 } from './harness.js';

/** esptool's ClassicReset: DTR=0, RTS=1, 100 ms, DTR=1, RTS=0, 50 ms, DTR=0. */
async function classicReset(b: Bench): Promise<void> {
  await b.transport.setSignals({ dtr: false });
  await b.transport.setSignals({ rts: true });
  await sleep(100);
  await b.transport.setSignals({ dtr: true });
  await b.transport.setSignals({ rts: false });
  await sleep(50);
  await b.transport.setSignals({ dtr: false });
}

/** `--after hard-reset`: a plain RTS pulse (DTR released, as esptool leaves it after connecting). */
async function rtsPulse(b: Bench): Promise<void> {
  await b.transport.setSignals({ dtr: false, rts: false });
  await b.transport.setSignals({ rts: true });
  await sleep(20);
  await b.transport.setSignals({ rts: false });
}

/** A minimal ESP image header at the bootloader offset, so the ROM finds something to boot. */
function withImage(offset: number): Uint8Array {
  const flash = new Uint8Array(offset + 16).fill(0xff);
  flash.set([0xe9, 0x03, 0x02, 0x20, ...u32(0x40080640)], offset);
  return flash;
}

/** esptool's `--after watchdog-reset`: unlock, stage-0 timeout 2000 slow-clock ticks, arm with a system reset, lock. */
async function watchdogReset(b: Bench, wdt: { config0: number; config1: number; wprotect: number }): Promise<void> {
  await b.command(0x09, u32(wdt.wprotect, 0x50d83aa1, 0xffffffff, 0));
  await b.command(0x09, u32(wdt.config1, 2000, 0xffffffff, 0));
  await b.command(0x09, u32(wdt.config0, ((1 << 31) | (5 << 28) | (1 << 8) | 2) >>> 0, 0xffffffff, 0));
}

describe('ESP DevKit auto-reset circuit and boot logs', () => {
  it('reboots on --after watchdog-reset (C3, S3): the ROM logs the RTC watchdog reset and boots the flash', async () => {
    const regs = {
      esp32c3: { config0: 0x60008090, config1: 0x60008094, wprotect: 0x600080a8 },
      esp32s3: { config0: 0x60008098, config1: 0x6000809c, wprotect: 0x600080b0 },
    };
    for (const [chip, wdt] of Object.entries(regs)) {
      const b = await Bench.open({ chip });
      await b.sync();
      await watchdogReset(b, wdt);
      const log = await b.waitText(/invalid header/);
      assert.match(log, /rst:0x10 \(RTCWDT_RTC_RST\),boot:0x[0-9a-f]+ \(SPI_FAST_FLASH_BOOT\)\r\ninvalid header: 0xffffffff/, chip);
      assert.equal(b.device.state, 'firmware', `${chip}: the stub/ROM session is gone`);
      await b.close();
    }
  });

  it('ignores watchdog writes while the registers are write-protected', async () => {
    const b = await Bench.open({ chip: 'esp32c3' });
    await b.command(0x09, u32(0x60008090, 0x80000000 | (5 << 28), 0xffffffff, 0));
    assert.equal(await b.text(50), '');
    assert.equal(b.device.state, 'download');
    await b.close();
  });

  it('enters download mode on the Classic sequence and prints the ROM log', async () => {
    const b = await Bench.open({ chip: 'esp32', boot: 'firmware', flashInitial: withImage(0x1000) });
    await classicReset(b);
    const log = await b.waitText(/waiting for download/);
    assert.match(log, /rst:0x1 \(POWERON_RESET\),boot:0x3 \(DOWNLOAD_BOOT\(UART0\/UART1\/SDIO_REI_REO_V2\)\)\r\nwaiting for download/);
    assert.equal(b.device.control('status'), 'state=download mode=rom baud=115200');
    assert.equal((await b.sync()).length, 8);
    await b.close();
  });

  it('enters download mode on UnixTight, which sets both lines at once', async () => {
    const b = await Bench.open({ chip: 'esp32s3', boot: 'firmware' });
    for (const [dtr, rts, ms] of [[false, false, 0], [true, true, 0], [false, true, 100], [true, false, 50], [false, false, 0]] as const) {
      await b.transport.setSignals({ dtr, rts });
      if (ms) await sleep(ms);
    }
    assert.match(await b.waitText(/waiting for download/), /rst:0x1 \(POWERON\),boot:0x0 \(DOWNLOAD\(USB\/UART0\)\)\r\nwaiting for download/);
    await b.close();
  });

  it('boots the firmware on a plain RTS pulse: ROM log with boot:0x13, then the app log', async () => {
    const b = await Bench.open({ chip: 'esp32', flashInitial: withImage(0x1000) });
    await rtsPulse(b);
    const log = await b.waitText(/app: hello/);
    assert.match(log, /boot:0x13 \(SPI_FAST_FLASH_BOOT\)/);
    assert.match(log, /entry 0x40080640/);
    assert.match(log, /I \(\d+\) app: hello/);
    assert.doesNotMatch(log, /waiting for download/);
    assert.equal(b.device.state, 'firmware');
    await b.close();
  });

  it('finds no image in blank flash and says so', async () => {
    const b = await Bench.open({ chip: 'esp32s3' });
    await rtsPulse(b);
    const log = await b.waitText(/invalid header/);
    assert.match(log, /boot:0x8 \(SPI_FAST_FLASH_BOOT\)\r\ninvalid header: 0xffffffff/);
    await b.close();
  });

  it('ignores DTR/RTS without the auto-reset circuit; BOOT held over a power cycle enters download mode', async () => {
    const b = await Bench.open({ chip: 'esp32c3', boot: 'firmware', autoReset: false });
    await classicReset(b);
    await sleep(20);
    assert.equal(b.device.state, 'firmware');
    b.device.control('hold-boot');
    assert.equal(b.device.control('power-cycle'), 'state=download mode=rom baud=115200');
    assert.match(await b.waitText(/waiting for download/), /boot:0x5 \(DOWNLOAD\(USB\/UART0\/1\)\)/);
    b.device.control('release-boot');
    assert.equal(b.device.control('press-reset'), 'state=firmware mode=app baud=115200');
    assert.match(b.device.control('jump'), /^error: unknown command/);
    await b.close();
  });

  it('comes back as firmware after a brownout unless IO0 is held low', async () => {
    const b = await Bench.open({ chip: 'esp32', flashInitial: withImage(0x1000) });
    await b.sync();
    b.device.brownout();
    assert.equal(b.device.state, 'firmware');
    assert.match(await b.waitText(/BROWN_OUT/), /rst:0xf \(RTCWDT_BROWN_OUT_RESET\),boot:0x13/);
    b.device.control('hold-boot');
    b.device.brownout();
    assert.equal(b.device.state, 'download');
    await b.close();
  });

  it('prints the ESP8266 ROM log at 74880 baud, which a 115200 host cannot read', async () => {
    const b = await Bench.open({ chip: 'esp8266', boot: 'firmware' });
    await classicReset(b);
    const garbled = await b.text(100);
    assert.ok(garbled.length > 20);
    assert.doesNotMatch(garbled, /ets Jan/);
    await b.transport.setBaud(74880);
    b.device.control('press-reset');
    assert.match(await b.waitText(/boot mode:\(3,6\)/), /ets Jan {2}8 2013,rst cause:2, boot mode:\(3,6\)/);
    await b.close();
  });
});
