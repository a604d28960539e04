/**
 * The classes of issue 15, one test each: what `explain` must say for kinds of logs, not for one
 * log. Logs here are short stand-ins built from the tools' message texts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toJson } from '../../src/cli/commands/explain.js';
import { classifyConnect } from '../../src/diagnose/connect.js';
import { explain } from '../../src/diagnose/explain.js';

const top = (log: string) => explain(log).causes[0];
const firstAdvice = (log: string) => explain(log).causes[0]?.advice[0] ?? '';

test('class 1: esptool "This chip is X, not Y" (with or without the comma) is the chip choice; the wrong --chip is not carried over', () => {
  for (const line of ['A fatal error occurred: This chip is ESP32-S3 not ESP32. Wrong --chip argument?', 'A fatal error occurred: This chip is ESP32-C3, not ESP32. Wrong --chip argument?']) {
    const r = explain(line);
    assert.equal(r.causes[0]?.code, 'unknown-chip', line);
    assert.match(r.causes[0]!.advice[0]!, /board .*IDE|--chip/);
  }
  const r = explain('esptool.py --chip esp32 -p COM3 write_flash 0x0 fw.bin\nesptool.py v4.7.0\nA fatal error occurred: This chip is ESP32-S3 not ESP32. Wrong --chip argument?');
  assert.equal(r.chip, 'esp32s3');
  assert.equal(r.suggestion, 'anyflash write --port COM3 --chip esp32s3 0x0 fw.bin');
  assert.equal(top('A fatal error occurred: Unexpected chip id in image. Expected 9 but value was 0. Is this image for a different chip model?')?.code, 'wrong-chip-image');
  assert.equal(top('A fatal error occurred: Unexpected CHIP magic value 0x00f01d83. Failed to connect to ESP8266. Wrong --chip argument?')?.code, 'unknown-chip');
});

test('class 1: "Unable to verify flash chip connection" is the flash, unless the baud just changed', () => {
  const alone = explain('esptool.py v4.8.1\nStub running...\nA fatal error occurred: Unable to verify flash chip connection (Invalid head of packet (0xE0): Possible serial noise or corruption.).');
  assert.ok(alone.causes.some((c) => c.code === 'flash-not-found'), alone.causes.map((c) => c.code).join());
  const afterBaud = explain('esptool.py v4.8.1\nStub running...\nChanging baud rate to 921600\nChanged.\n\nA fatal error occurred: Unable to verify flash chip connection (No serial data received.).');
  assert.equal(afterBaud.causes[0]?.code, 'baud-mismatch');
});

test('class 1: BK7231 GUI "Getting bus failed" to the end leads with the RX/TX wiring; "Failed to set baud rate" blames the baud', () => {
  const knocks = Array.from({ length: 100 }, (_, i) => `Getting bus failed, will try again - ${i}/100!`).join('\n');
  const r = explain(`Flasher mode: BK7231N\nGoing to open port: COM5.\nSerial port open!\nGetting bus... (now, please do reboot by CEN or by power off/on)\n${knocks}\nFailed to get bus!\n`);
  assert.equal(r.tool, 'bk7231gui');
  assert.equal(r.causes[0]?.code, 'no-response');
  assert.match(r.causes[0]!.advice[0]!, /wiring.*RX1.*TX1.*swap/);
  assert.doesNotMatch(r.causes[0]!.advice.join('\n'), /BOOT \(GPIO|--before/);
});

test('class 1: a Beken flasher timing out on a chip its versions added late is named, and a bare link timeout says it cannot tell', () => {
  const known = explain("I: Connecting to 'BK7238' on /dev/ttyUSB0 @ 115200\nltchiptool v4.11.0\nTimeoutError: Timed out attempting to link with chip");
  assert.equal(known.causes[0]?.code, 'chip-unsupported-by-tool');
  assert.match(known.causes[0]!.advice[0]!, /update the tool/i);
  const bare = explain('bk7231tools chip_info -d /dev/ttyUSB0\nTimeoutError: Timed out attempting to link with chip');
  assert.match(bare.undecided?.text ?? '', /cannot tell .*CEN.* from .*chip-unsupported-by-tool/);
});

test('class 2: a port that failed to open outranks "no reply", unless the tool opened it later and talked', () => {
  const open = explain("esptool.py v4.7.0\nSerial port COM4\nConnecting......\nA fatal error occurred: Could not open COM4, the port doesn't exist\n");
  assert.equal(open.causes[0]?.code, 'port-not-found');
  const permission = explain("Connecting....\nA fatal error occurred: Failed to connect to ESP32: No serial data received.\nserial.serialutil.SerialException: [Errno 13] could not open port /dev/ttyUSB0: [Errno 13] Permission denied: '/dev/ttyUSB0'");
  assert.equal(permission.causes[0]?.code, 'port-permission');
  const transient = explain("Using 'COM17' as serial port.\nUnexpected error: could not open port 'COM17': PermissionError(13, 'Access is denied.', None, 5)\nConnecting........\nUnexpected error: ESP Chip Auto-Detection failed: Failed to connect to Espressif device: No serial data received.");
  assert.equal(transient.causes[0]?.code, 'no-response');
});

test('class 2: the manual boot entry names the strapping pin of the chip in the log, or the family\'s own way', () => {
  const noReply = (chip: string) => firstAdvice(`esptool.py v4.7.0\nesptool.py --chip ${chip} -p /dev/ttyUSB0 write_flash 0x0 fw.bin\nConnecting........_____\nA fatal error occurred: Failed to connect to ${chip.toUpperCase()}: No serial data received.`);
  assert.match(noReply('esp32'), /GPIO0 on the ESP32\b/);
  assert.match(noReply('esp32s3'), /GPIO0 on the ESP32-S3/);
  assert.match(noReply('esp32c3'), /GPIO9 on the ESP32-C3/);
  assert.match(noReply('esp32c6'), /GPIO9 on the ESP32-C6/);
  assert.match(noReply('esp32h2'), /GPIO9 on the ESP32-H2/);
  assert.match(noReply('esp32c5'), /GPIO28 on the ESP32-C5/);
  assert.match(noReply('esp32p4'), /GPIO35 on the ESP32-P4/);
  const beken = firstAdvice('bk7231tools write_flash -d COM3 -s 0x11000 fw.bin\nTimeoutError: Timed out attempting to link with chip');
  assert.match(beken, /no BOOT pin.*CEN/);
  const sifli = firstAdvice('sftool -c SF32LB52 -p COM9 write_flash fw.bin@0x12020000\n[0x00] Failed to connect to the chip, retrying...\nError: Failed to connect to the chip');
  assert.match(sifli, /SiFli.*power-cycle.*boot window/);
});

test('class 2: browser flashers get browser advice — BOOT while clicking Connect, a data cable, the other USB port — never a command-line option', () => {
  for (const log of [
    'esptool.js\nSerial port WebSerial VendorID 0x10c4 ProductID 0xea60\nConnecting...Error: Failed to connect with the device',
    'Failed to initialize. Try resetting your device or holding the BOOT button while clicking INSTALL.',
  ]) {
    const r = explain(log);
    assert.equal(r.web, true, log);
    assert.equal(r.causes[0]?.code, 'no-response');
    const all = r.causes.flatMap((c) => c.advice).join('\n');
    assert.doesNotMatch(all, /--before|--baud|anyflash doctor/, log);
    assert.match(r.causes[0]!.advice[0]!, /BOOT.*click Connect.*data cable.*other USB port/);
  }
  const busy = explain("Error: Failed to execute 'open' on 'SerialPort': The port is already open.");
  assert.equal(busy.causes[0]?.code, 'port-busy');
  assert.match(busy.causes[0]!.advice[0]!, /Close other browser tabs.*reload the page/);
});

test('class 3: the ROM boot banner says which strapping state the chip saw', () => {
  const flash = explain('esptool.py v4.7.0\nesptool.py --chip esp32c3 -p /dev/ttyUSB0 write_flash 0x0 fw.bin\nConnecting....\nESP-ROM:esp32c3-api1-20210207\nrst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\nA fatal error occurred: Failed to connect to ESP32-C3: No serial data received.');
  assert.equal(flash.causes[0]?.code, 'wrong-boot-mode');
  assert.match(flash.causes[0]!.evidence.join('\n'), /GPIO9 high at reset and booted from flash/);
  const download = explain('Connecting....\nrst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\nwaiting for download\nA fatal error occurred: Failed to connect to ESP32: No serial data received.');
  assert.equal(download.causes[0]?.code, 'no-sync-reply');
});

test('class 3: a failure right after "Changing baud rate" is the baud, and the suggestion does not repeat it', () => {
  const r = explain('esptool.py -p /dev/ttyUSB0 -b 921600 write_flash 0x10000 app.bin\nesptool.py v4.7.0\nStub running...\nChanging baud rate to 921600\nChanged.\nConfiguring flash size...\n\nA fatal error occurred: Timed out waiting for packet header');
  assert.equal(r.causes[0]?.code, 'baud-mismatch');
  assert.match(r.causes[0]!.advice[0]!, /lower baud/i);
  assert.equal(r.suggestion, 'anyflash write --port /dev/ttyUSB0 --baud 115200 0x10000 app.bin');
  assert.doesNotMatch(r.suggestion!, /921600/);
  // After data moved at that baud, the baud is not the clue.
  const later = explain('esptool.py v4.7.0\nChanging baud rate to 921600\nChanged.\nCompressed 900000 bytes to 600000...\nWriting at 0x00010000... (2 %)\nWriting at 0x00020000... (5 %)\n\nA fatal error occurred: Timed out waiting for packet header');
  assert.notEqual(later.causes[0]?.code, 'baud-mismatch');
});

test('class 3: a very compressible image timing out near 100 % is esptool\'s compressed-write timeout; anyflash is not affected', () => {
  const r = explain('esptool.py v3.0\nCompressed 131072 bytes to 305...\nWrote 131072 bytes (305 compressed) at 0x000db000 in 0.0 seconds\n\nA fatal error occurred: Timed out waiting for packet header');
  assert.equal(r.causes[0]?.code, 'compressed-write-timeout');
  assert.match(r.causes[0]!.advice[0]!, /--no-compress/);
  assert.ok(r.causes[0]!.advice.some((a) => /anyflash is not affected/.test(a)));
  const dense = explain('esptool.py v3.0\nCompressed 900000 bytes to 600000...\nWriting at 0x000f0000... (100 %)\n\nA fatal error occurred: Timed out waiting for packet header');
  assert.notEqual(dense.causes[0]?.code, 'compressed-write-timeout');
});

test('class 3/4: varying addresses after a good start rank power first even when the port re-enumerates later; the same address every time points to the flash', () => {
  const good = Array.from({ length: 8 }, (_, i) => `Erasing and writing at 0x${(0x11000 + i * 0x1000).toString(16)} (${i}%)`).join('\n');
  const varying = explain(`bk7231tools write_flash -d COM3 -s 0x11000 fw.bin\n${good}\nWriting 4k failure @ 0x19000 (No response received), retrying (attempt 0)\nErasing and writing at 0x1a000 (9%)\nWriting 4k failure @ 0x1e000 (No response received), retrying (attempt 0)\nErasing and writing at 0x1f000 (12%)\nWriting 4k failure @ 0x24000 (No response received), retrying (attempt 0)\nserial.serialutil.SerialException: ClearCommError failed (PermissionError(13, 'A device which does not exist was specified.', None, 433))`);
  assert.equal(varying.causes[0]?.code, 'brownout-suspected');
  assert.ok(varying.causes.some((c) => c.code === 'port-vanished'));
  assert.ok(varying.distinguish?.some((d) => d.startsWith('brownout-suspected:')), 'says what tells the causes apart');
  const same = explain(`bk7231tools write_flash -d COM3 -s 0x11000 fw.bin\n${good}\nWriting 4k failure @ 0x19000 (No response received), retrying (attempt 0)\n${good}\nWriting 4k failure @ 0x19000 (No response received), retrying (attempt 0)`);
  assert.equal(same.causes[0]?.code, 'flash-fault');
});

test('class 5: a bare "A fatal error occurred" is esptool (Python), not a browser flasher', () => {
  for (const log of ['A fatal error occurred: Failed to connect to ESP32: No serial data received.', 'Connecting........_____....\nA fatal error occurred: Failed to connect to ESP32: No serial data received.']) {
    const r = explain(log);
    assert.equal(r.tool, 'esptool', log);
    assert.notEqual(r.web, true);
    assert.match(r.causes[0]!.advice[0]!, /--before no-reset/);
  }
});

test('class 6: the suggested command carries the user\'s intent', () => {
  const esp8285 = explain('esptool.py --port COM4 write_flash -fs 1MB -fm dout 0x0 sonoff.bin\nesptool.py v2.2.1\nChip is ESP8285\nA fatal error occurred: MD5 of file does not match data in flash!');
  assert.equal(esp8285.suggestion, 'anyflash write --port COM4 --chip esp8266 --flash-mode dout --flash-size 1MB 0x0 sonoff.bin');
  assert.equal(explain('$ espflash board-info --port /dev/ttyUSB0\nError: espflash::connection_failed').suggestion, 'anyflash info --port /dev/ttyUSB0');
  assert.equal(explain('.\\espflash.exe --board-info COM8\nError: espflash::connection_failed').suggestion, 'anyflash info --port COM8');
  assert.equal(
    explain('sftool -c SF32LB52 -p COM9 write_flash --verify --erase-all app.bin@0x12020000\n[0x00] Failed to connect to the chip, retrying...').suggestion,
    'anyflash erase --port COM9 --chip sf32lb52 && anyflash write --port COM9 --chip sf32lb52 app.bin@0x12020000',
  );
  assert.equal(
    explain('cargo espflash flash --release --port /dev/ttyACM0 target/riscv32imc-unknown-none-elf/release/blinky\nError: espflash::connection_failed').suggestion,
    'anyflash write --port /dev/ttyACM0 target/riscv32imc-unknown-none-elf/release/blinky',
    'an ELF without an address goes to the ELF path of write',
  );
});

test('class 7: doctor and explain give the same chip-specific first step', () => {
  const doctor = classifyConnect({ family: 'esp', chip: 'esp32c3' });
  const fromLog = explain('esptool.py --chip esp32c3 -p /dev/ttyUSB0 write_flash 0x0 fw.bin\nA fatal error occurred: Failed to connect to ESP32-C3: No serial data received.');
  assert.equal(doctor.code, 'no-response');
  assert.equal(doctor.advice[0], fromLog.causes[0]!.advice[0]);
  assert.match(doctor.advice[0]!, /GPIO9/);
  const beken = classifyConnect({ family: 'beken' });
  assert.match(beken.advice[0]!, /no BOOT pin.*CEN/);
});

test('explain --json carries the family and chip it inferred, and what it cannot decide', () => {
  const j = toJson(explain('esptool.py v4.7.0\nChip is ESP32-C3 (QFN32) (revision v0.4)\nA fatal error occurred: Failed to connect to ESP32-C3: No serial data received.'));
  assert.equal(j.family, 'esp');
  assert.equal(j.chip, 'esp32c3');
  const beken = toJson(explain('bk7231tools write_flash -d COM3 fw.bin\nTimeoutError: Timed out attempting to link with chip'));
  assert.equal(beken.family, 'beken');
  const silent = toJson(explain('A fatal error occurred: Failed to connect to ESP32: No serial data received.'));
  assert.match((silent.undecided as { text: string }).text, /^The log cannot tell .* from .*; check /);
});
