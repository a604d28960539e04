/**
 * Message inventory of flashers other than esptool: one failure message per family, as the tool
 * prints it, with the tool explain must recognise and the cause it must rank first. The messages
 * come from the tools' sources (cited per block); prefixes are the lines each tool prints first.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explain } from '../../src/diagnose/explain.js';
import type { ErrorCode } from '../../src/core/errors.js';

const PREFIX = {
  espflash: "[2025-01-01T10:00:00Z INFO ] Serial port: '/dev/ttyUSB0'\n[2025-01-01T10:00:00Z INFO ] Connecting...\nError:   × ",
  bk7231tools: 'bk7231tools v2.0.0\n',
  ltchiptool: "I: Connecting to 'BK7231N' on /dev/ttyUSB0 @ 115200\nltchiptool v4.11.0\n",
  bk7231gui: 'Flasher mode: BK7231N\nGoing to open port: COM3.\nSerial port open!\n',
  sftool: 'sftool 0.1.14\nConnecting to chip...\n',
} as const;

type Row = readonly [message: string, tool: keyof typeof PREFIX, cause: ErrorCode];

const ROWS: readonly Row[] = [
  // esp-rs/espflash espflash/src/error.rs (1.x–4.x): Error, ConnectionError, RomErrorKind display strings.
  ['Wrong boot mode detected (0x13)! The chip needs to be in download mode.', 'espflash', 'wrong-boot-mode'],
  ['Download mode successfully detected, but getting no sync reply', 'espflash', 'no-sync-reply'],
  ['Invalid stub handshake response received', 'espflash', 'stub-failed'],
  ['Received packet too large for buffer', 'espflash', 'garbled-reply'],
  ['Received packet to large for buffer', 'espflash', 'garbled-reply'],
  ['Incorrect response from the sutb/ROM loader', 'espflash', 'garbled-reply'],
  ['Invalid response length, expected >= 4, got 0', 'espflash', 'garbled-reply'],
  ['Corrupt data, expected 1000 bytes but receved ffc bytes', 'espflash', 'garbled-reply'],
  ['MD5 digest mismatch: expected [1, 2], received: [3, 4]', 'espflash', 'garbled-reply'],
  ['Failed to read the available bytes on the serial port. Available bytes: 10, Read bytes: 0', 'espflash', 'port-error'],
  ["The serial port '/dev/ttyUSB1' could not be found", 'espflash', 'port-not-found'],
  ['No serial port was provided', 'espflash', 'no-port'],
  ['Failed to connect to on-device flash', 'espflash', 'flash-not-found'],
  ['Flash chip not supported, unrecognized flash ID: 0xff', 'espflash', 'flash-not-found'],
  ['Flash chip not supported, flash id: 0x0, flash sizes from 1 to 16MB are supported', 'espflash', 'flash-not-found'],
  ["Minimum supported revision is 3.0, connected device's revision is 1.0", 'espflash', 'wrong-chip-image'],
  ['The firmware was built for esp32c3, but the detected chip is esp32', 'espflash', 'wrong-chip-image'],
  ['Chip provided with `-c/--chip` (esp32) does not match the detected chip (esp32c3)', 'espflash', 'unknown-chip'],
  ['The esp32 does not support USB-JTAG', 'espflash', 'unsupported'],
  ["The specified flash frequency '80MHz' is not supported by the esp32c2", 'espflash', 'unsupported'],
  ['This command requires using the RAM stub', 'espflash', 'bad-input'],
  ['Failed to open file: app.bin: No such file or directory (os error 2)', 'espflash', 'file-not-found'],
  ["Supplied ELF image of 2000000B is too big, and doesn't fit configured app partition of 1048576B", 'espflash', 'bad-input'],
  ['Supplied ELF image can not be run from RAM, as it includes segments mapped to ROM addresses', 'espflash', 'bad-input'],
  ['Supplied ELF image is not valid', 'espflash', 'bad-input'],
  ['The provided bootloader binary is invalid', 'espflash', 'bad-input'],
  ["The flash size '3MB' is invalid", 'espflash', 'bad-input'],
  ['The partition table does not fit into the flash (4MB)', 'espflash', 'bad-input'],
  ['App partition not found', 'espflash', 'bad-input'],
  ['Bootloader failed to write to flash', 'espflash', 'flash-fault'],
  ['SPI unlock failed', 'espflash', 'flash-protected'],
  ['Received message has invalid CRC', 'espflash', 'garbled-reply'],
  ['Error when uncompressing the data', 'espflash', 'garbled-reply'],
  ['Not in flash mode', 'espflash', 'device-error'],
  ['Communication error while flashing device', 'espflash', 'timeout'],
  ['The bootloader returned an error', 'espflash', 'device-error'],
  // tuya-cloudcutter/bk7231tools bk7231tools/serial/{cmd_hl_flash,cmd_ll_flash,cmd_ll_chip}.py; libretiny-eu/ltchiptool soc/bk72xx/flash.py.
  ['ValueError: Start address not on 4K boundary; sector erase needed', 'bk7231tools', 'misaligned-address'],
  ['ValueError: Input data is larger than flash memory size', 'bk7231tools', 'file-too-large'],
  ['ValueError: Read length 0x300000 is larger than flash memory size (0x200000)', 'bk7231tools', 'bad-input'],
  ["ValueError: Couldn't detect flash chip size!", 'bk7231tools', 'flash-not-found'],
  ['ValueError: Invalid data length received: 100', 'bk7231tools', 'garbled-reply'],
  ['ValueError: Writing failed; wrote only 0 bytes', 'bk7231tools', 'flash-protected'],
  ['ValueError: Flash ID not known: 0b4014', 'bk7231tools', 'tool-outdated'],
  ['NotImplementedError: Only BK7231N has built-in ROM', 'ltchiptool', 'unsupported'],
  ['NotImplementedError: Memory type not readable via UART', 'ltchiptool', 'unsupported'],
  ['ValueError: Offset and length must be 4-byte aligned', 'ltchiptool', 'misaligned-address'],
  ['ValueError: Start and end must differ! (end is exclusive)', 'ltchiptool', 'bad-input'],
  // openshwprojects/BK7231GUIFlashTool BK7231Flasher/Flashers/{BK7231Flasher,BaseFlasher}.cs addLog lines.
  ['Open serial failed!', 'bk7231gui', 'port-busy'],
  ['Port setup failed with System.IO.IOException', 'bk7231gui', 'port-busy'],
  ['Failed to toggle CEN - is CH341 connected and ok?', 'bk7231gui', 'port-error'],
  ['No filename given!', 'bk7231gui', 'bad-input'],
  ['ERROR: protected bootloader overwriting attempt detected, interrupting.', 'bk7231gui', 'bootloader-guard'],
  ['ERROR: Out of range write/erase attempt detected, this could break bootloader', 'bk7231gui', 'bootloader-guard'],
  ['Maybe you have wrong chip type set?', 'bk7231gui', 'unknown-chip'],
  ['Failed to read device MID!', 'bk7231gui', 'garbled-reply'],
  ['Still no reply - maybe you need to pull BOOT pin down or do full power off/on before next attempt', 'bk7231gui', 'no-response'],
  ['Erase verify error? Flash was not full of 0xFF!', 'bk7231gui', 'flash-protected'],
  ['Unprotect (WriteSR) failed because ReadFlashSR failed!', 'bk7231gui', 'flash-protected'],
  ['Full chip erase failed', 'bk7231gui', 'timeout'],
  ['Write sector failed!', 'bk7231gui', 'timeout'],
  ['Reading failed.', 'bk7231gui', 'timeout'],
  ['Bad CRC!', 'bk7231gui', 'verify-mismatch'],
  ['Failed! Loaded data was different than the written one?!', 'bk7231gui', 'verify-mismatch'],
  ['Data is entirely filled with 0xff, something must went wrong!', 'bk7231gui', 'flash-not-found'],
  // OpenSiFli/sftool sftool-lib/src/error.rs and its Error::protocol/timeout/invalid_input calls.
  ['Embedded stub file not found: ram_patch_52X.bin', 'sftool', 'stub-missing'],
  ['Failed to download stub', 'sftool', 'stub-failed'],
  ['unsupported chip: SF32LB99', 'sftool', 'unsupported'],
  ['Invalid format: app.bin. Expected: filename@address:size', 'sftool', 'bad-input'],
  ['ELF files do not support @address format', 'sftool', 'bad-input'],
  ['Intel HEX parse error: invalid record', 'sftool', 'bad-input'],
  ['Port must be specified either via --port or in config file', 'sftool', 'no-port'],
  ['Failed to get available ports list: Unknown error', 'sftool', 'port-error'],
  ["Received Fail response: 'FAIL'", 'sftool', 'device-error'],
  ['Received unknown response code: 0x7F', 'sftool', 'garbled-reply'],
  ['CRC mismatch: expected 0x12345678, got 0x00000000', 'sftool', 'verify-mismatch'],
  ['Failed to enter debug mode', 'sftool', 'no-response'],
  ['timeout while receiving UART frame', 'sftool', 'timeout'],
  ['Re-download check failed: invalid response', 'sftool', 'timeout'],
];

test('each failure message of espflash, bk7231tools, ltchiptool, BK7231GUIFlashTool and sftool gets its tool and cause', () => {
  const wrong: string[] = [];
  for (const [message, tool, cause] of ROWS) {
    const r = explain(`${PREFIX[tool]}${message}\n`);
    if (r.tool !== tool || r.causes[0]?.code !== cause) wrong.push(`${message} -> ${r.tool}/${r.causes[0]?.code ?? 'none'} (want ${tool}/${cause})`);
  }
  assert.deepEqual(wrong, []);
});

test('a wrapper line names the step; the message after it does not override it', () => {
  // sftool prints the step, then the low-level reason, on one line.
  const stub = explain(`${PREFIX.sftool}Download stub failed: timeout while receiving UART frame\n`);
  assert.equal(stub.causes[0]?.code, 'stub-failed');
  const erase = explain(`${PREFIX.sftool}Erase failed: timeout while waiting for OK\n`);
  assert.equal(erase.step, 'erase');
  // espflash's miette report: the outer "Error while connecting" wraps the specific cause.
  const esp = explain(`${PREFIX.espflash}Error while connecting to device\n  ╰─▶ Wrong boot mode detected (0x13)! The chip needs to be in download mode.\n`);
  assert.equal(esp.causes[0]?.code, 'wrong-boot-mode');
});
