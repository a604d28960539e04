import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyConnect } from '../../src/diagnose/connect.js';
import { describeCapture } from '../../src/diagnose/listen.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const quiet = (baud: number) => describeCapture(baud, new Uint8Array(0));

test('silence everywhere → no-response, advice names BOOT/RESET and TX/RX wiring', () => {
  const d = classifyConnect({ family: 'esp', echo: 'none', received: [{ baud: 115200, bytes: new Uint8Array(0) }], listen: [quiet(115200), quiet(74880)] });
  assert.equal(d.code, 'no-response');
  assert.ok(d.advice.some((a) => /hold BOOT/.test(a)));
  assert.ok(d.advice.some((a) => /TX to chip RX/.test(a)));
});

test('silence with failed DTR/RTS says the auto-reset never happened', () => {
  const d = classifyConnect({ modemLineErrors: ['TIOCMSET: Inappropriate ioctl for device'] });
  assert.equal(d.code, 'no-response');
  assert.match(d.advice[0]!, /DTR\/RTS could not be set.*by hand/);
  assert.ok(d.evidence.includes('DTR/RTS: TIOCMSET: Inappropriate ioctl for device'));
});

test('our bytes come back → echo-loopback, advice says TX and RX must not be connected', () => {
  const d = classifyConnect({ echo: 'loopback', received: [{ baud: 115200, bytes: enc('\xc0\x00\x08') }] });
  assert.equal(d.code, 'echo-loopback');
  assert.ok(d.advice.some((a) => /TX and RX must not be connected/.test(a)));
});

test('ESP boot:0x13 without "waiting for download" → wrong-boot-mode with the BOOT/RESET sequence', () => {
  const log = 'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n';
  const d = classifyConnect({ family: 'esp', bootLog: [log] });
  assert.equal(d.code, 'wrong-boot-mode');
  assert.match(d.summary, /boot:0x13/);
  assert.match(d.advice[0]!, /BOOT \(GPIO0 on ESP32.*--before no-reset/);
  assert.ok(d.advice.some((a) => /hold BOOT .*tap RESET \(EN\)/.test(a)));
  assert.ok(d.evidence.some((e) => e.includes('SPI_FAST_FLASH_BOOT')));
});

test('"waiting for download" but no sync → no-sync-reply (host TX path)', () => {
  const log = 'rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n';
  const d = classifyConnect({ family: 'esp', received: [{ baud: 115200, bytes: enc(log) }] });
  assert.equal(d.code, 'no-sync-reply');
  assert.ok(d.advice.some((a) => /adapter TX to chip RX/.test(a)));
});

test('application log at the connect baud → firmware-owns-uart', () => {
  const d = classifyConnect({ family: 'esp', listen: [describeCapture(115200, enc('I (312) wifi: connected to ap\r\nI (400) app: hello\r\n'))] });
  assert.equal(d.code, 'firmware-owns-uart');
  assert.ok(d.advice.some((a) => /hold BOOT .*low, tap RESET/.test(a)));
});

test('ESP8266 boot log readable only at 74880 → wrong-boot-mode (it booted from flash)', () => {
  const d = classifyConnect({
    family: 'esp',
    listen: [quiet(115200), describeCapture(74880, enc('\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n'))],
  });
  assert.equal(d.code, 'wrong-boot-mode');
  assert.ok(d.evidence.some((e) => e.includes('at 74880 baud')));
});

test('SiFli 1 Mbaud console heard while knocking at 115200 → baud-mismatch', () => {
  const d = classifyConnect({
    family: 'beken',
    received: [{ baud: 115200, bytes: new Uint8Array(0) }],
    listen: [quiet(115200), describeCapture(1000000, enc('[I/app] tick 42\r\n[I/app] tick 43\r\n'))],
  });
  assert.equal(d.code, 'baud-mismatch');
  assert.match(d.summary, /only at 1000000 baud/);
  assert.ok(d.advice.some((a) => /console at 1000000 baud/.test(a)));
});

test('SiFli firmware console at the 1 Mbaud connect rate → firmware-owns-uart', () => {
  const d = classifyConnect({ family: 'sifli', listen: [describeCapture(1000000, enc('\r\n \\ | /\r\n- RT -     Thread Operating System\r\nmsh >'))] });
  assert.equal(d.code, 'firmware-owns-uart');
  assert.match(d.summary, /RT-Thread console/);
});

test('Beken firmware log → firmware-owns-uart, advice names the download UART pins', () => {
  const d = classifyConnect({ family: 'beken', bootLog: ['\r\nV:BK7231N_1.0.1\r\njump to pc addr: 0x00010000\r\n'] });
  assert.equal(d.code, 'firmware-owns-uart');
  assert.ok(d.advice.some((a) => /P11\/P10/.test(a)));
});

test('ESP-Prog channel A (FT2232 interface 0) → jtag-channel, advice names channel B port', () => {
  const d = classifyConnect({
    port: { path: '/dev/ttyUSB0', vid: 0x0403, pid: 0x6010, interfaceNumber: 0, role: 'jtag', bridge: 'FT2232 channel A (JTAG)', siblings: ['/dev/ttyUSB1'] },
  });
  assert.equal(d.code, 'jtag-channel');
  assert.equal(d.advice[0], 'Use /dev/ttyUSB1 instead: --port /dev/ttyUSB1');
  assert.ok(d.advice.some((a) => /interface 1/.test(a)));
});

test('silent Espressif USB-Serial/JTAG → usb-jtag-stuck, advice: power-cycle or watchdog reset', () => {
  const d = classifyConnect({ port: { path: '/dev/ttyACM0', vid: 0x303a, pid: 0x1001, role: 'usb-serial-jtag', bridge: 'USB-Serial/JTAG' } });
  assert.equal(d.code, 'usb-jtag-stuck');
  assert.ok(d.advice.some((a) => /Power-cycle/.test(a)));
  assert.ok(d.advice.some((a) => /watchdog-reset/.test(a)));
});

test('a family\'s specific verdict (secure download mode) wins over text heuristics', () => {
  const d = classifyConnect({
    attempts: [
      { family: 'beken', code: 'no-response', message: 'no link' },
      { family: 'esp', code: 'secure-download-mode', message: 'ESP32-S3 is in Secure Download Mode.', evidence: ['GET_SECURITY_INFO flags 0x400'] },
    ],
    listen: [describeCapture(115200, enc('I (1) app: hi there\r\n'))],
  });
  assert.equal(d.code, 'secure-download-mode');
  assert.equal(d.family, 'esp');
  assert.ok(d.advice.some((a) => /--no-stub/.test(a)));
  assert.equal(d.evidence[0], 'GET_SECURITY_INFO flags 0x400');
});

test('brownout text → brownout-suspected, advice names the supply', () => {
  const d = classifyConnect({ bootLog: ['\r\nBrownout detector was triggered\r\n\r\nets Jun  8 2016'] });
  assert.equal(d.code, 'brownout-suspected');
  assert.ok(d.advice.some((a) => /300–500 mA/.test(a)));
});

test('unreadable bytes at every baud → garbled-reply', () => {
  const junk = new Uint8Array(64).map((_, i) => (i * 37 + 128) & 0xff);
  const d = classifyConnect({ received: [{ baud: 115200, bytes: junk }], listen: [describeCapture(115200, junk)] });
  assert.equal(d.code, 'garbled-reply');
  assert.ok(d.advice.some((a) => /Lower the baud/.test(a)));
});

test('a silent Beken gets the Beken way into the bootloader first', () => {
  const d = classifyConnect({ family: 'beken' });
  assert.equal(d.code, 'no-response');
  assert.match(d.advice[0]!, /Beken chips have no BOOT pin: .*CEN to GND/);
});

test('text names the family even without --chip: SiFli ROM banner but no handshake → no-sync-reply (sifli)', () => {
  const d = classifyConnect({ bootLog: ['SFBL\r\n'] });
  assert.equal(d.code, 'no-sync-reply');
  assert.equal(d.family, 'sifli');
});

test('noise reported as boot log at a wrong baud is not taken for text', () => {
  const d = classifyConnect({ bootLog: ['\x9c\x0cN\x9cv\xfaeY\x1c\xe4Z\xeb>\x0f\x80\xb9F\xa3mb'], received: [{ baud: 115200, bytes: new Uint8Array([0x9c, 0x0c, 0x4e, 0x9c, 0x76, 0xfa, 0x65, 0x59, 0x1c, 0xe4]) }] });
  assert.equal(d.code, 'garbled-reply');
});
