import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAnyflashError } from '../../src/core/errors.js';
import type { SerialPortInfo } from '../../src/diagnose/ports.js';
import { userConfigPath } from '../../src/cli/config/files.js';
import { parseConfig } from '../../src/cli/config/parse.js';
import { matchUsb, pickUsbPort } from '../../src/cli/config/usb-match.js';

const port = (path: string, facts: Partial<SerialPortInfo> = {}): SerialPortInfo => ({ path, bus: 'usb', heldBy: [], ...facts });

/** What is plugged in: two identical CP2102 boards, an ESP32-S3's own USB, an ESP-Prog (JTAG + UART), a motherboard UART. */
const PORTS: SerialPortInfo[] = [
  port('/dev/ttyUSB0', { vid: 0x10c4, pid: 0xea60, serialNumber: '0001' }),
  port('/dev/ttyUSB1', { vid: 0x10c4, pid: 0xea60, serialNumber: '0002' }),
  port('/dev/ttyACM0', { vid: 0x303a, pid: 0x1001, serialNumber: 'F4:12:FA:00:11:22' }),
  port('/dev/ttyUSB2', { vid: 0x0403, pid: 0x6010, role: 'jtag', interfaceNumber: 0 }),
  port('/dev/ttyUSB3', { vid: 0x0403, pid: 0x6010, role: 'uart', interfaceNumber: 1 }),
  { path: '/dev/ttyS0', bus: 'other', heldBy: [] },
];
const origin = { file: '/p/anyflash.toml', line: 4 };

function expectError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isAnyflashError(e), String(e));
    assert.equal(e.code, code);
    assert.match(`${e.message} | ${e.advice.join(' | ')}`, pattern);
    return true;
  });
}

describe('[usb] finds the board whatever its tty name', () => {
  it('matches by VID:PID, by serial number, or both', () => {
    assert.deepEqual(matchUsb(PORTS, { vid: 0x303a, pid: 0x1001 }).map((p) => p.path), ['/dev/ttyACM0']);
    assert.deepEqual(matchUsb(PORTS, { serial: '0002' }).map((p) => p.path), ['/dev/ttyUSB1']);
    assert.deepEqual(matchUsb(PORTS, { vid: 0x10c4, pid: 0xea60, serial: '0001' }).map((p) => p.path), ['/dev/ttyUSB0']);
    assert.deepEqual(matchUsb(PORTS, { vid: 0x10c4 }).map((p) => p.path), ['/dev/ttyUSB0', '/dev/ttyUSB1']);
    assert.deepEqual(matchUsb(PORTS, { vid: 0x10c4, pid: 0xea60, serial: '0003' }), []);
  });

  it("picks a dual-channel adapter's UART, not its JTAG channel", () => {
    assert.equal(pickUsbPort(PORTS, { vid: 0x0403, pid: 0x6010 }, origin).path, '/dev/ttyUSB3');
  });

  it('asks for a serial number when two identical boards match', () => {
    expectError(() => pickUsbPort(PORTS, { vid: 0x10c4, pid: 0xea60 }, origin), 'no-port', /2 serial ports are USB 10c4:ea60 \(\[usb\] at \/p\/anyflash\.toml:4\): \/dev\/ttyUSB0, \/dev\/ttyUSB1\..*serial = "0001"/);
  });

  it('says what is connected when nothing matches', () => {
    expectError(() => pickUsbPort(PORTS, { vid: 0x1a86, pid: 0x7523 }, origin), 'no-port', /No serial port is USB 1a86:7523 .*connected now are 10c4:ea60 serial 0001 \(\/dev\/ttyUSB0\)/);
    expectError(() => pickUsbPort([], { serial: 'X' }, origin), 'no-port', /No serial port is USB serial X.*Plug that board in/);
  });
});

describe('anyflash.toml parsing', () => {
  it('reads hex ids as `anyflash list` prints them, or as TOML integers', () => {
    const a = parseConfig('[usb]\nvid = "303a"\npid = "0x1001"\nserial = "F4"\n', '/p/a.toml', 'project');
    assert.deepEqual(a.usb, { value: { vid: 0x303a, pid: 0x1001, serial: 'F4' }, file: '/p/a.toml', line: 1 });
    const b = parseConfig('usb = { vid = 0x10c4, pid = 0xea60 }\n', '/p/a.toml', 'user');
    assert.deepEqual(b.usb?.value, { vid: 0x10c4, pid: 0xea60 });
  });

  it('points at the line of a bad key inside a section', () => {
    const text = ['port = "COM3"', '', '[profile.app]', '# the app', 'files = { 0x10000 = "app.bin" }', 'flash-sise = "4MB"'].join('\n');
    expectError(() => parseConfig(text, '/p/anyflash.toml', 'project'), 'bad-input', /^\/p\/anyflash\.toml:6: unknown setting "flash-sise" in profile app\. \| A profile takes files, description, flash_mode/);
  });

  it('gives the line and column of a TOML syntax error', () => {
    expectError(() => parseConfig('chip = "esp32"\n[usb\nvid = "303a"\n', '/p/anyflash.toml', 'project'), 'bad-input', /^\/p\/anyflash\.toml:2:\d+: not valid TOML/);
  });

  it('refuses unknown chips, bad ids, empty profiles and bad addresses at their lines', () => {
    expectError(() => parseConfig('\nchip = "esp33"\n', '/f', 'project'), 'bad-input', /^\/f:2: unknown chip "esp33"\. \| Known chips: .*esp32/);
    expectError(() => parseConfig('[usb]\nvid = "xyz"\n', '/f', 'project'), 'bad-input', /^\/f:2: vid must be a 4-digit hex USB id, not "xyz"/);
    expectError(() => parseConfig('[profile.app]\ndescription = "x"\n', '/f', 'project'), 'bad-input', /^\/f:1: profile app has no files/);
    expectError(() => parseConfig('[profile.app]\nfiles = { 0x1g000 = "a.bin" }\n', '/f', 'project'), 'bad-input', /^\/f:2: address 0x1g000: "0x1g000" is not a number/);
    expectError(() => parseConfig('[profile.app]\nfiles = ["0x1000"]\n', '/f', 'project'), 'bad-input', /^\/f:2: Address 0x1000 has no file after it\./);
  });

  it('takes relative profile files from the folder of the file', () => {
    const c = parseConfig('[profile.app]\nfiles = ["0x1000", "b/boot.bin", "/abs/app.bin@0x10000", "fw.uf2"]\nflash_size = "4MB"\n', '/proj/anyflash.toml', 'project');
    const app = c.profiles.get('app')!;
    assert.deepEqual(app.files, [
      { address: 0x1000, file: '/proj/b/boot.bin' },
      { address: 0x10000, file: '/abs/app.bin' },
      { file: '/proj/fw.uf2' },
    ]);
    assert.deepEqual(app.flash, { flashSize: '4MB' });
  });
});

describe('the user config file', () => {
  it('lives under ANYFLASH_HOME when set, else the platform config folder', () => {
    assert.equal(userConfigPath({ ANYFLASH_HOME: '/h' }, 'linux', '/home/u'), '/h/anyflash.toml');
    assert.equal(userConfigPath({}, 'linux', '/home/u'), '/home/u/.config/anyflash/anyflash.toml');
    assert.equal(userConfigPath({ XDG_CONFIG_HOME: '/x' }, 'darwin', '/Users/u'), '/x/anyflash/anyflash.toml');
    assert.match(userConfigPath({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u'), /AppData.Roaming.anyflash.anyflash\.toml$/);
  });
});
