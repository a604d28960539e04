import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ErrorCode } from '../../src/core/errors.js';
import { explain } from '../../src/diagnose/explain.js';

const LOGS = join(import.meta.dirname, 'logs');

interface Expect {
  tool: string;
  version?: string;
  wrapper?: string;
  step?: string;
  /** The top cause; `null` for a run that must come out clean. */
  top: ErrorCode | null;
  /** Further causes that must be among the ranked ones. */
  also?: ErrorCode[];
  /** Causes that must not appear at all. */
  never?: ErrorCode[];
  success?: boolean;
  recognised?: boolean;
  suggestion?: string;
  /** A note that must be present (substring). */
  note?: string;
}

/** Every log in the corpus with what a person reading it should be told. */
const EXPECTED: Record<string, Expect> = {
  'esptool/no-serial-data.log': {
    tool: 'esptool', version: '4.7.0', step: 'connect', top: 'no-response',
    suggestion: 'anyflash write --port COM3 --chip esp32 --baud 460800 0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 app.bin',
  },
  'esptool/wrong-boot-mode.log': {
    tool: 'esptool', version: '4.5.1', step: 'connect', top: 'wrong-boot-mode',
    suggestion: 'anyflash write --port /dev/ttyUSB1 --chip esp32 --baud 921600 0x10000 build/blink.bin',
  },
  'esptool/invalid-head.log': { tool: 'esptool', version: '5.1.0', step: 'connect', top: 'firmware-owns-uart', also: ['baud-mismatch'] },
  'esptool/packet-header-midwrite.log': { tool: 'esptool', step: 'write', top: 'timeout', also: ['brownout-suspected'] },
  'esptool/md5-mismatch.log': { tool: 'esptool', version: '2.8', step: 'verify', top: 'verify-mismatch' },
  'esptool/target-ram.log': { tool: 'esptool', version: '4.8.1', step: 'stub', top: 'stub-failed', also: ['garbled-reply'] },
  'esptool/packet-content-stopped.log': { tool: 'esptool', step: 'write', top: 'garbled-reply' },
  'esptool/device-not-exist.log': { tool: 'esptool', step: 'write', top: 'port-vanished', also: ['brownout-suspected'] },
  'esptool/access-denied.log': {
    tool: 'esptool', step: 'open-port', top: 'port-busy',
    suggestion: 'anyflash write --port COM5 --chip esp32s3 0x0 "C:\\Projects\\weather station\\build\\merged.bin"',
  },
  'esptool/port-not-found-linux.log': { tool: 'esptool', step: 'open-port', top: 'port-not-found' },
  'esptool/resource-busy.log': { tool: 'esptool', step: 'open-port', top: 'port-busy' },
  'esptool/permission-denied-linux.log': { tool: 'esptool', step: 'open-port', top: 'port-permission' },
  'esptool/brownout.log': { tool: 'esptool', top: 'brownout-suspected' },
  'esptool/guru.log': { tool: 'esptool', top: 'firmware-owns-uart', also: ['wrong-boot-mode'] },
  'esptool/secure-download.log': { tool: 'esptool', top: 'secure-download-mode' },
  'esptool/success.log': { tool: 'esptool', version: '4.7.0', step: 'done', top: null, success: true },
  'esptool/ansi-crlf-vanish.log': { tool: 'esptool', version: '5.1.0', step: 'write', top: 'port-vanished', also: ['brownout-suspected'] },
  'esptool/stub-timeout.log': { tool: 'esptool', step: 'stub', top: 'stub-failed', also: ['timeout'] },
  'esptool/write-timeout.log': { tool: 'esptool', step: 'write', top: 'port-write-timeout' },
  'esptool/stays-in-download.log': { tool: 'esptool', step: 'done', top: 'usb-jtag-stuck', success: true },
  'esptool/flash-id-ffffff.log': { tool: 'esptool', top: 'flash-not-found', success: true },
  'espflash/connection-failed.log': { tool: 'espflash', step: 'connect', top: 'no-response', suggestion: 'anyflash doctor --port /dev/ttyACM0' },
  'espflash/connection-failed-v1.log': { tool: 'espflash', step: 'connect', top: 'no-response' },
  'espflash/permission.log': { tool: 'espflash', step: 'open-port', top: 'port-permission', suggestion: 'anyflash info --port /dev/ttyUSB0' },
  'espflash/success.log': {
    tool: 'espflash', step: 'done', top: null, success: true,
    suggestion: 'anyflash write --port /dev/ttyUSB0 --chip esp32 --baud 921600 target/xtensa-esp32-none-elf/release/blinky',
  },
  'esptool-js/failed-connect.log': { tool: 'esptool-js', step: 'connect', top: 'no-response' },
  'esptool-js/web-tools-init.log': { tool: 'esptool-js', step: 'connect', top: 'no-response', also: ['wrong-boot-mode'] },
  'esptool-js/device-lost.log': { tool: 'esptool-js', step: 'write', top: 'port-vanished' },
  'esptool-js/success.log': { tool: 'esptool-js', top: null, success: true },
  'bk7231tools/link-no-reply.log': {
    tool: 'bk7231tools', step: 'connect', top: 'no-response', also: ['boot-window-missed'],
    suggestion: 'anyflash write --port /dev/ttyUSB0 --baud 921600 OpenBK7231N_UA_1.17.551.bin@0x11000',
  },
  'bk7231tools/varying-addresses.log': { tool: 'bk7231tools', step: 'write', top: 'brownout-suspected', also: ['timeout'], never: ['flash-fault'] },
  'bk7231tools/same-address.log': { tool: 'bk7231tools', top: 'flash-fault', also: ['flash-protected'], never: ['brownout-suspected'] },
  'bk7231tools/flash-id-zero.log': { tool: 'bk7231tools', top: 'flash-not-found', note: 'Unknown bootloader CRC' },
  'bk7231tools/protected.log': { tool: 'bk7231tools', top: 'flash-protected', suggestion: 'anyflash write --port COM6 --chip bk7231n backup_full.bin@0x0' },
  'ltchiptool/issue58-style.log': { tool: 'ltchiptool', step: 'write', top: 'port-vanished', also: ['brownout-suspected', 'timeout'] },
  'ltchiptool/link-timeout.log': { tool: 'ltchiptool', step: 'connect', top: 'no-response', also: ['boot-window-missed'] },
  'ltchiptool/unknown-crc-success.log': { tool: 'ltchiptool', step: 'done', top: null, success: true, note: 'only a warning' },
  'bk7231gui/baud-fail.log': { tool: 'bk7231gui', step: 'connect', top: 'baud-mismatch' },
  'bk7231gui/getting-bus.log': { tool: 'bk7231gui', step: 'connect', top: 'no-response', also: ['boot-window-missed'] },
  'bk7231gui/write-sector-failed.log': { tool: 'bk7231gui', step: 'write', top: 'timeout', also: ['brownout-suspected'] },
  'bk7231gui/unauthorized.log': { tool: 'bk7231gui', top: 'port-vanished' },
  'bk7231gui/mid-zero.log': { tool: 'bk7231gui', top: 'flash-not-found' },
  'sftool/connect-panic.log': {
    tool: 'sftool', step: 'connect', top: 'firmware-owns-uart', also: ['no-response', 'boot-window-missed'],
    suggestion: 'anyflash write --port COM9 --chip sf32lb52 --baud 1000000 C:\\Users\\Me\\Desktop\\nuttx.bin@0x12020000',
  },
  'sftool/stub-timeout.log': { tool: 'sftool', step: 'stub', top: 'timeout', also: ['brownout-suspected'], never: ['stub-failed'] },
  'sftool/port-busy.log': { tool: 'sftool', step: 'open-port', top: 'port-busy' },
  'sftool/success.log': { tool: 'sftool', step: 'done', top: null, success: true },
  'idf/flash-no-serial.log': {
    tool: 'esptool', version: '4.7.0', wrapper: 'idf.py', step: 'connect', top: 'no-response',
    suggestion: 'anyflash write --port /dev/ttyUSB0 --chip esp32 --baud 460800 --flash-mode dio --flash-freq 40m --flash-size 2MB 0x1000 /home/dev/esp/hello_world/build/bootloader/bootloader.bin 0x10000 /home/dev/esp/hello_world/build/hello_world.bin 0x8000 /home/dev/esp/hello_world/build/partition_table/partition-table.bin',
  },
  'idf/no-ports.log': { tool: 'esptool', wrapper: 'idf.py', step: 'open-port', top: 'no-port' },
  'platformio/upload-no-serial.log': { tool: 'esptool', version: '4.5.1', wrapper: 'platformio', step: 'connect', top: 'no-response', suggestion: 'anyflash doctor --port COM7 --chip esp32' },
  'platformio/arduino-wrong-boot.log': { tool: 'esptool', wrapper: 'arduino', step: 'connect', top: 'wrong-boot-mode' },
  'west/esp32-wrong-boot.log': {
    tool: 'esptool', wrapper: 'west', step: 'connect', top: 'wrong-boot-mode',
    suggestion: 'anyflash write --port /dev/ttyUSB0 --chip esp32 --baud 921600 --flash-mode dio --flash-freq 40m 0x1000 /home/z/app/build/zephyr/zephyr.bin',
  },
  'west/sftool-runner.log': {
    tool: 'sftool', wrapper: 'west', step: 'connect', top: 'firmware-owns-uart',
    suggestion: 'anyflash write --port /dev/ttyUSB0 --chip sf32lb52 /home/z/app/build/zephyr/zephyr.hex',
  },
  'generic/mixed-fail-then-success.log': { tool: 'esptool', top: null, success: true },
  'generic/mixed-success-then-fail.log': {
    tool: 'bk7231tools', step: 'connect', top: 'no-response', also: ['boot-window-missed'], never: ['brownout-suspected', 'timeout'],
    suggestion: 'anyflash write --port /dev/ttyUSB0 --chip bk7231n new_fw.bin@0x11000',
  },
  'generic/truncated.log': { tool: 'esptool', step: 'write', top: 'timeout' },
  'generic/cannot-get-bus.log': { tool: 'unknown', step: 'connect', top: 'no-response', also: ['boot-window-missed'], recognised: false },
  'generic/unknown-tool.log': { tool: 'unknown', top: null, recognised: false, success: false },
  'generic/unknown-tool-busy.log': { tool: 'unknown', top: 'port-busy', recognised: false },
};

function corpus(): string[] {
  return readdirSync(LOGS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(LOGS, d.name)).filter((f) => f.endsWith('.log')).map((f) => `${d.name}/${f}`));
}

test('every log in the corpus has an expectation, and every expectation a log', () => {
  assert.deepEqual(corpus().sort(), Object.keys(EXPECTED).sort());
});

for (const [file, want] of Object.entries(EXPECTED)) {
  test(`explain ${file}`, () => {
    const r = explain(readFileSync(join(LOGS, file), 'utf8'));
    const codes = r.causes.map((c) => c.code);
    assert.equal(r.tool, want.tool, 'tool');
    if (want.version) assert.equal(r.version, want.version, 'version');
    if (want.wrapper) assert.equal(r.wrapper, want.wrapper, 'wrapper');
    if (want.step) assert.equal(r.step, want.step, 'step');
    assert.equal(r.recognised, want.recognised ?? true, 'recognised');
    assert.equal(r.success, want.success ?? false, 'success');
    if (want.top === null) assert.deepEqual(codes, [], 'no cause invented');
    else assert.equal(codes[0], want.top, `top cause (got ${codes.join(', ')})`);
    for (const c of want.also ?? []) assert.ok(codes.includes(c), `${c} among ${codes.join(', ')}`);
    for (const c of want.never ?? []) assert.ok(!codes.includes(c), `${c} must not be among ${codes.join(', ')}`);
    if (want.suggestion) assert.equal(r.suggestion, want.suggestion);
    if (want.note) assert.ok(r.notes.some((n) => n.includes(want.note!)), `note "${want.note}" in ${JSON.stringify(r.notes)}`);
    for (const c of r.causes) {
      assert.ok(c.confidence > 0 && c.confidence <= 1, 'confidence in (0, 1]');
      assert.ok(c.evidence.length > 0, `${c.code} carries evidence`);
      assert.ok(c.advice.length > 0, `${c.code} carries advice`);
    }
    for (let i = 1; i < r.causes.length; i++) assert.ok(r.causes[i - 1]!.confidence >= r.causes[i]!.confidence, 'ranked');
  });
}

test('the evidence quotes the line that decided it', () => {
  const r = explain(readFileSync(join(LOGS, 'esptool/wrong-boot-mode.log'), 'utf8'));
  assert.match(r.causes[0]!.evidence[0]!, /Wrong boot mode detected \(0x13\)/);
  assert.match(r.causes[0]!.advice[0]!, /BOOT \(GPIO0 on the ESP32\).*capacitor .*from EN to GND/);
});

test('ANSI colours and CRLF do not hide lines or leak into evidence', () => {
  const r = explain(readFileSync(join(LOGS, 'esptool/ansi-crlf-vanish.log'), 'utf8'));
  for (const c of r.causes) for (const e of c.evidence) assert.doesNotMatch(e, /\x1b|\r/);
  assert.equal(r.facts.chip, 'esp32s3');
  assert.equal(r.facts.port, 'COM9');
});

test('varying failure addresses name the addresses and tell power from flash', () => {
  const r = explain(readFileSync(join(LOGS, 'bk7231tools/varying-addresses.log'), 'utf8'));
  assert.match(r.causes[0]!.evidence.join('\n'), /0x16000, 0x1C000, 0x1F000/);
  assert.ok(r.distinguish?.some((d) => d.startsWith('brownout-suspected')), 'says how to tell the close causes apart');
});

test('a log cut in the middle of a line still counts', () => {
  const full = readFileSync(join(LOGS, 'esptool/no-serial-data.log'), 'utf8');
  const cut = full.slice(0, full.indexOf('No serial data') + 'No serial'.length);
  assert.equal(explain(cut).causes[0]?.code, 'no-response');
});

test('the same esptool log with Windows prompt, CRLF and colours gives the same answer', () => {
  const plain = readFileSync(join(LOGS, 'esptool/no-serial-data.log'), 'utf8');
  const dressed = plain.split('\n').map((l) => (l.startsWith('A fatal') ? `\x1b[1;31m${l}\x1b[0m` : l)).join('\r\n');
  const a = explain(plain);
  const b = explain(dressed);
  assert.deepEqual(b.causes.map((c) => c.code), a.causes.map((c) => c.code));
  assert.equal(b.suggestion, a.suggestion);
});

test('tens of thousands of failure lines neither overflow nor blur the diagnosis', () => {
  const lines = Array.from({ length: 30000 }, (_, i) => `Writing 4k failure @ 0x${(0x11000 + (i % 40) * 0x1000).toString(16)} (No response received), retrying (attempt ${i % 4})`);
  const r = explain(`bk7231tools write_flash -d COM3 -s 0x11000 -S 0 fw.bin\n${lines.join('\n')}\nValueError: No response received\n`);
  assert.equal(r.causes[0]?.code, 'brownout-suspected');
  assert.ok(r.causes[0]!.evidence.length <= 5);
});

test('an empty paste is not recognised and invents nothing', () => {
  const r = explain('');
  assert.equal(r.recognised, false);
  assert.deepEqual(r.causes, []);
  assert.equal(r.success, false);
});

test('explaining is fast: the whole corpus in well under a second', () => {
  const texts = corpus().map((f) => readFileSync(join(LOGS, f), 'utf8'));
  const t0 = performance.now();
  for (const t of texts) explain(t);
  assert.ok(performance.now() - t0 < 1000);
});

test('tools are recognised by their banners, with their versions', () => {
  const cases: Array<[string, string, string | undefined, string?]> = [
    ['esptool.py v4.7.0', 'esptool', '4.7.0'],
    ['esptool v5.1.0', 'esptool', '5.1.0'],
    ["[2024-03-02T10:15:31Z INFO ] Serial port: '/dev/ttyACM0'", 'espflash', undefined],
    ['espflash 3.1.0', 'espflash', '3.1.0'],
    ['ltchiptool v4.13.0', 'ltchiptool', '4.13.0'],
    ['bk7231tools write_flash -d COM3 -s 0x11000 fw.bin', 'bk7231tools', undefined],
    ['Flasher mode: BK7231N', 'bk7231gui', undefined],
    ['sftool 0.2.5', 'sftool', '0.2.5'],
    ['esptool.js', 'esptool-js', undefined],
    ['ESP Web Tools', 'esptool-js', undefined],
    ['Executing action: flash\nesptool.py v4.7.0', 'esptool', '4.7.0', 'idf.py'],
    ['-- west flash: using runner esp32\nesptool.py v4.5.1', 'esptool', '4.5.1', 'west'],
    ['-- west flash: using runner esp32', 'west', undefined],
  ];
  for (const [text, tool, version, wrapper] of cases) {
    const r = explain(text);
    assert.equal(r.tool, tool, text);
    assert.equal(r.version, version, text);
    assert.equal(r.wrapper, wrapper, text);
    assert.equal(r.recognised, true, text);
  }
});
