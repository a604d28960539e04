import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine, renderCommand } from '../../src/diagnose/suggest.js';

function suggest(line: string, workDir?: string): string | undefined {
  const inv = parseCommandLine(line, workDir);
  return inv && renderCommand(inv);
}

test('esptool write_flash becomes anyflash write with the same port, chip and files', () => {
  assert.equal(
    suggest('esptool.py --chip esp32 -p COM3 write_flash 0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 app.bin'),
    'anyflash write --port COM3 --chip esp32 0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 app.bin',
  );
});

test('esptool v5 dashes, --opt=value, python -m and non-default reset modes carry over', () => {
  assert.equal(
    suggest('python -m esptool --chip=esp32-c3 --port=/dev/ttyACM0 --baud 921600 --before=no_reset --after no-reset --no-stub write-flash -z --flash-mode dio 0x0 merged.bin'),
    'anyflash write --port /dev/ttyACM0 --chip esp32c3 --baud 921600 --before no-reset --after no-reset --no-stub --flash-mode dio 0x0 merged.bin',
  );
  assert.equal(
    suggest('esptool.py -p COM4 --before default_reset --after hard_reset write_flash --flash_mode keep --flash_size detect 0x10000 app.bin'),
    'anyflash write --port COM4 0x10000 app.bin',
    'default reset modes and "as built" flash parameters are not repeated',
  );
});

test('esptool read, erase and id commands map to anyflash read, erase and info', () => {
  assert.equal(suggest('esptool.py -p /dev/ttyUSB0 read_flash 0 0x400000 dump.bin'), 'anyflash read --port /dev/ttyUSB0 0 0x400000 dump.bin');
  assert.equal(suggest('esptool.py -p /dev/ttyUSB0 erase_region 0x9000 0x6000'), 'anyflash erase --port /dev/ttyUSB0 0x9000 0x6000');
  assert.equal(suggest('esptool -p COM3 erase-flash'), 'anyflash erase --port COM3');
  assert.equal(suggest('esptool.py --chip auto -p COM3 flash_id'), 'anyflash info --port COM3');
  assert.equal(suggest('esptool.py version'), undefined);
});

test('files with spaces are quoted; relative files are placed under the working directory', () => {
  assert.equal(
    suggest('esptool.exe -p COM5 write_flash 0x0 "C:\\My Files\\fw.bin"'),
    'anyflash write --port COM5 0x0 "C:\\My Files\\fw.bin"',
  );
  assert.equal(
    suggest('esptool.py -p /dev/ttyUSB0 write_flash 0x10000 app.bin 0x8000 /abs/pt.bin', '/home/me/proj/build'),
    'anyflash write --port /dev/ttyUSB0 0x10000 /home/me/proj/build/app.bin 0x8000 /abs/pt.bin',
  );
});

test('espflash, bk7231tools, ltchiptool and sftool command lines', () => {
  assert.equal(
    suggest('espflash write-bin --port COM7 0x10000 app.bin'),
    'anyflash write --port COM7 0x10000 app.bin',
  );
  assert.equal(
    suggest('cargo espflash flash --release --port /dev/ttyUSB0 target/xtensa-esp32-none-elf/release/app'),
    'anyflash write --port /dev/ttyUSB0 target/xtensa-esp32-none-elf/release/app',
  );
  assert.equal(
    suggest('bk7231tools write_flash -d /dev/ttyUSB0 -b 921600 -s 0x11000 -S 0 fw_UA.bin'),
    'anyflash write --port /dev/ttyUSB0 --baud 921600 fw_UA.bin@0x11000',
  );
  assert.equal(
    suggest('bk7231tools write_flash -d /dev/ttyUSB0 -s 0x11000 -S 0x11000 -l 0x121000 full_QIO.bin'),
    undefined,
    'a skip into the file cannot be said with anyflash write: no suggestion rather than a wrong one',
  );
  assert.equal(
    suggest('bk7231tools read_flash -d COM3 -s 0 -l 0x200000 dump.bin'),
    'anyflash read --port COM3 0x0 0x200000 dump.bin',
  );
  assert.equal(
    suggest('ltchiptool -vvv flash write -d COM3 -b 460800 kickstart-bk7231n.uf2'),
    'anyflash write --port COM3 --baud 460800 kickstart-bk7231n.uf2',
  );
  assert.equal(
    suggest('sftool -c SF32LB52 -m nor -p /dev/ttyUSB0 write_flash ftab.bin@0x12000000 app.bin@0x12020000'),
    'anyflash write --port /dev/ttyUSB0 --chip sf32lb52 ftab.bin@0x12000000 app.bin@0x12020000',
  );
  assert.equal(
    suggest('sftool -p COM9 read_flash dump.bin@0x12000000:0x100000'),
    'anyflash read --port COM9 --chip sf32lb52 0x12000000 0x100000 dump.bin',
  );
  assert.equal(suggest('sftool -p COM9 erase_region 0x12000000:0x10000'), 'anyflash erase --port COM9 --chip sf32lb52 0x12000000 0x10000');
});

test('lines that only mention a tool are not command lines', () => {
  assert.equal(suggest('esptool.py v4.7.0'), undefined);
  assert.equal(suggest('File "/usr/lib/python3/site-packages/esptool/loader.py", line 12'), undefined);
  assert.equal(suggest('-- west flash: using runner sftool'), undefined);
});
