import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitShellWords, expandArgfiles } from '../../src/cli/compat/argfile.js';
import { translate } from '../../src/cli/compat/translate.js';

/** What anyflash runs for a command line in another tool's grammar (no device involved). */
const NATIVE = ['write', 'write-flash', 'write_flash', 'read', 'read-flash', 'erase', 'erase-flash', 'erase-region', 'verify', 'info', 'image', 'monitor', 'reset', 'list', 'partitions', 'partition-table'];
const steps = (line: string): string[][] => translate(splitShellWords(line), undefined, NATIVE).steps.map((s) => ('argv' in s ? s.argv : [s.label]));

describe('command lines of other tools become anyflash commands', () => {
  const cases: Array<[string, string[][]]> = [
    // esptool: globals before or after the command, v4 and v5 spellings.
    ['--chip esp32 -p /dev/ttyUSB0 -b 921600 write-flash -z 0x1000 bootloader.bin', [['write', '0x1000', 'bootloader.bin', '--port', '/dev/ttyUSB0', '--baud', '921600', '--chip', 'esp32']]],
    ['write_flash -p /dev/ttyUSB0 -b 921600 --after no_reset_stub 0x1000 b.bin', [['write', '0x1000', 'b.bin', '--port', '/dev/ttyUSB0', '--baud', '921600', '--after', 'no-reset-stub']]],
    ['--port=/dev/ttyUSB0 write_flash --flash_size=detect --flash_mode=qio 0 fw.bin', [['write', '0', 'fw.bin', '--flash-mode', 'qio', '--flash-size', 'detect', '--port', '/dev/ttyUSB0']]],
    // After the command, `-p` before an address is esptool's --no-progress.
    ['-p COM3 write_flash -p 0x0 fw.bin', [['write', '0x0', 'fw.bin', '--port', 'COM3']]],
    ['--chip auto --before usb_reset --after watchdog_reset --no-stub --trace --connect-attempts 3 chip_id', [['info', '--before', 'usb-reset', '--after', 'watchdog-reset', '--no-stub', '--connect-attempts', '3', '--verbose']]],
    ['-c esp32 write_flash -e -u --verify --diff-with old1.bin old2.bin --skip-flashed -fm dio -ff 80m -fs keep 0x10000 app.bin', [['write', '0x10000', 'app.bin', '--flash-mode', 'dio', '--flash-freq', '80m', '--flash-size', 'keep', '--erase-all', '--chip', 'esp32']]],
    ['--chip esp32s3 merge_bin -o merged.bin --flash_mode dio --flash_size 4MB 0x0 bl.bin 0x8000 pt.bin', [['image', 'merge', '0x0', 'bl.bin', '0x8000', 'pt.bin', '--chip', 'esp32s3', '--output', 'merged.bin', '--flash-mode', 'dio', '--flash-size', '4MB']]],
    ['--chip esp32 merge-bin --format uf2 -o out.uf2 0x0 a.bin', [['image', 'merge', '0x0', 'a.bin', '--chip', 'esp32', '--output', 'out.uf2', '--format', 'uf2']]],
    ['--chip esp32 elf2image --flash_mode dio --flash_freq 40m --flash_size detect -o app.bin app.elf', [['image', 'elf2image', 'app.elf', '--chip', 'esp32', '--output', 'app.bin', '--flash-mode', 'dio', '--flash-freq', '40m']]],
    ['--chip esp32 image_info app.bin', [['image', 'info', 'app.bin', '--chip', 'esp32']]],
    ['image-info app.bin', [['image', 'info', 'app.bin']]],
    ['merge-bin -o m.bin 0x0 a.bin', [['image', 'merge', '-o', 'm.bin', '0x0', 'a.bin']]],
    ['-p X read_flash 0 ALL dump.bin', [['read', '0', 'ALL', 'dump.bin', '--port', 'X']]],
    ['-p X erase_region 0x9000 0x6000', [['erase', '0x9000', '0x6000', '--port', 'X']]],
    ['-p X verify_flash --diff yes 0x40000 app.bin', [['verify', '0x40000', 'app.bin', '--port', 'X']]],
    ['-p X run', [['reset', '--port', 'X', '--after', 'hard-reset']]],
    ['python -m esptool --chip esp32 -p X read_mac', [['info', '--port', 'X', '--chip', 'esp32']]],
    // Arduino esp8266 upload.py: an empty "{upload.verbose}", erase_region then write_flash in one line.
    ['--chip esp8266 --port X --baud 115200 "" erase_region 0x3FB000 0x4000 --before default_reset --after hard_reset write_flash 0x0 fw.bin', [
      ['erase', '0x3FB000', '0x4000', '--port', 'X', '--baud', '115200', '--chip', 'esp8266', '--before', 'default-reset', '--after', 'hard-reset'],
      ['write', '0x0', 'fw.bin', '--port', 'X', '--baud', '115200', '--chip', 'esp8266', '--before', 'default-reset', '--after', 'hard-reset'],
    ]],
    // anyflash's own grammar, device options first, esptool reset spellings.
    ['-p X write 0x10000 app.bin --after no_reset', [['write', '0x10000', 'app.bin', '--after', 'no-reset', '-p', 'X']]],
    ['write --flash_mode dio 0x1000 b.bin -p X', [['write', '--flash-mode', 'dio', '0x1000', 'b.bin', '-p', 'X']]],
    // espflash
    ['espflash flash --baud=921600 --monitor /dev/ttyUSB0 app', [['write', 'app', '--monitor', '--port', '/dev/ttyUSB0', '--baud', '921600']]],
    ['espflash flash -p P -b no-reset -B 460800 -M -r 74880 app.elf', [['write', 'app.elf', '--monitor', '--monitor-baud', '74880', '--port', 'P', '--baud', '460800', '--before', 'no-reset']]],
    ['espflash monitor -p P -r 74880 --elf app.elf --no-reset', [['monitor', '--port', 'P', '--baud', '74880', '--elf', 'app.elf', '--no-reset']]],
    ['espflash flash -p P -b 921600 --no-verify --no-skip app.elf', [['write', 'app.elf', '--no-verify', '--no-skip', '--port', 'P', '--baud', '921600']]],
    ['espflash flash -c esp32 --bootloader bl.bin --partition-table test/fixtures/partitions/single-app.bin app.elf', [['write', 'app.elf', '0x1000', 'bl.bin', '0x8000', 'test/fixtures/partitions/single-app.bin', '--chip', 'esp32']]],
    ['board-info -p P', [['info', '--port', 'P']]],
    ['write-bin -p P 0x10000 app.bin', [['write', '0x10000', 'app.bin', '--port', 'P']]],
    ['espflash read-flash -p P -B 921600 0 0x1000 out.bin', [['read', '0', '0x1000', 'out.bin', '--port', 'P', '--baud', '921600']]],
    ['espflash erase-flash -p P', [['erase', '--port', 'P']]],
    ['save-image --chip esp32c3 app.elf app.bin', [['image', 'elf2image', 'app.elf', '--output', 'app.bin', '--chip', 'esp32c3']]],
    ['partition-table partitions.csv --to-binary -o pt.bin', [['partitions', 'partitions.csv', '--output', 'pt.bin', '--to-binary']]],
    // bk7231tools and ltchiptool
    ['bk7231tools read_flash -d /dev/ttyUSB0 dump.bin', [['read', '0x0', '0x200000', 'dump.bin', '--port', '/dev/ttyUSB0', '--chip', 'beken']]],
    ['read_flash -d COM5 -b 921600 -s 0x11000 -c 10 part.bin', [['read', '0x11000', '0xa000', 'part.bin', '--port', 'COM5', '--baud', '921600', '--chip', 'beken']]],
    ['write_flash -d COM5 -s 0 -S 0 -l 0x200000 --bootloader full.bin', [['write', 'full.bin', '--start', '0', '--skip-bytes', '0', '--length', '0x200000', '--port', 'COM5', '--chip', 'beken', '--bootloader']]],
    ['chip_info -d COM5', [['info', '--port', 'COM5', '--chip', 'beken']]],
    ['write_flash -s 0x11000 -S 0x11000 dump.bin', [['write', 'dump.bin', '--start', '0x11000', '--skip-bytes', '0x11000', '--chip', 'beken']]],
    ['ltchiptool flash write firmware.uf2 -b 115200', [['write', 'firmware.uf2', '--baud', '115200', '--chip', 'beken']]],
    ['ltchiptool flash read bk7231n dump.bin -d /dev/ttyUSB0', [['read', 'dump.bin', '--port', '/dev/ttyUSB0', '--chip', 'bk7231n']]],
    ['flash read -d /dev/ttyUSB0 -s 0x11000 -l 0x1000 beken-72xx app.bin', [['read', 'app.bin', '--start', '0x11000', '--length', '0x1000', '--port', '/dev/ttyUSB0', '--chip', 'beken']]],
    ['flash info bk72xx -d COM3', [['info', '--port', 'COM3', '--chip', 'beken']]],
    // idf.py's flashing actions, on the build it made
    ['idf.py -p /dev/ttyUSB0 -b 921600 flash monitor', [['flash-project', '.', '--monitor', '--port', '/dev/ttyUSB0', '--baud', '921600']]],
    ['idf.py -B build-s3 -p COM4 erase_flash flash', [['erase', '--port', 'COM4'], ['flash-project', 'build-s3', '--port', 'COM4']]],
    ['idf.py -p COM4 monitor', [['monitor', '--port', 'COM4', '--elf', '.']]],
    // sftool
    ['-c SF32LB52 -m nor_type1 -p COM7 -b 3000000 --before no_reset --after soft_reset write_flash --verify -e a.bin@0x12020000', [['write', 'a.bin@0x12020000', '--erase-all', '--port', 'COM7', '--baud', '3000000', '--chip', 'SF32LB52', '--before', 'no-reset', '--after', 'soft-reset', '--memory', 'nor']]],
    ['sftool --chip=SF32LB52 --port COM7 write_flash zephyr.hex', [['write', 'zephyr.hex', '--port', 'COM7', '--chip', 'SF32LB52']]],
    ['-c SF32LB52 -p P read_flash a.bin@0x12000000:0x1000 b.bin@0x12010000:0x2000', [['read', '0x12000000', '0x1000', 'a.bin', '--port', 'P', '--chip', 'SF32LB52'], ['read', '0x12010000', '0x2000', 'b.bin', '--port', 'P', '--chip', 'SF32LB52']]],
    ['-c SF32LB52 -p P read_flash 0x12000000 0x1000 old.bin', [['read', '0x12000000', '0x1000', 'old.bin', '--port', 'P', '--chip', 'SF32LB52']]],
    ['-c SF32LB52 -p P erase_flash 0x12000000', [['erase', '--port', 'P', '--chip', 'SF32LB52']]],
    ['-p P erase_region 0x12020000:0x1000 0x12030000:0x2000', [['erase', '0x12020000', '0x1000', '--port', 'P'], ['erase', '0x12030000', '0x2000', '--port', 'P']]],
  ];
  for (const [line, expected] of cases) {
    it(line, () => assert.deepEqual(steps(line), expected));
  }

  it('leaves the words after -- alone (explain runs another tool)', () => {
    assert.deepEqual(steps('explain -- idf.py -p /dev/ttyUSB0 --before no_reset flash'), [['explain', '--', 'idf.py', '-p', '/dev/ttyUSB0', '--before', 'no_reset', 'flash']]);
  });

  it('reads held-out grammar the tools accept: attached short values, megabit sizes, elf2image defaults, espflash 3.x checksum options', () => {
    // argparse/click/clap take a one-letter option's value attached.
    assert.deepEqual(steps('esptool.py -cesp32 -p/dev/ttyUSB0 -b115200 write_flash 0x1000 a.bin'), [['write', '0x1000', 'a.bin', '--port', '/dev/ttyUSB0', '--baud', '115200', '--chip', 'esp32']]);
    assert.deepEqual(steps('ltchiptool flash read -dCOM5 bk7231n dump.bin'), [['read', 'dump.bin', '--port', 'COM5', '--chip', 'bk7231n']]);
    // esptool v2/v3 took sizes in megabits (32m is 4MB, 32m-c1 the ESP8266 4MB-c1 layout).
    assert.deepEqual(steps('esptool.py -p X write_flash -fm dio -fs 32m 0x0 fw.bin'), [['write', '0x0', 'fw.bin', '--flash-mode', 'dio', '--flash-size', '4MB', '--port', 'X']]);
    assert.deepEqual(steps('esptool.py -p X write_flash --flash_size 32m-c1 0x0 fw.bin')[0]!.slice(3, 5), ['--flash-size', '4MB-c1']);
    // elf2image without --chip builds an ESP8266 image; --version=2 is esptool's, so the line is esptool's.
    assert.deepEqual(steps('elf2image --version=2 -o user1.bin espmodule'), [['image', 'elf2image', 'espmodule', '--chip', 'esp8266', '--output', 'user1.bin', '--image-version', '2']]);
    // espflash 1.x: no flash command, `[SERIAL] [IMAGE]`, --speed, --board-info, `board-info SERIAL`.
    assert.deepEqual(steps('espflash --monitor --speed 921600 /dev/ttyUSB0 target/app'), [['write', 'target/app', '--monitor', '--port', '/dev/ttyUSB0', '--baud', '921600']]);
    assert.deepEqual(steps('/dev/ttyUSB0 target/app'), [['write', 'target/app', '--port', '/dev/ttyUSB0']]);
    assert.deepEqual(steps('espflash --board-info /dev/ttyUSB0'), [['info', '--port', '/dev/ttyUSB0']]);
    assert.deepEqual(steps('espflash board-info /dev/ttyUSB0'), [['info', '--port', '/dev/ttyUSB0']]);
    // cargo-espflash builds first: refused with the build command and what to run after it.
    assert.throws(() => steps('espflash flash --release --monitor /dev/ttyUSB0'), (e: Error & { advice: string[] }) => /building the crate/.test(e.message) && /cargo build --release, then: anyflash write .* --monitor/.test(e.advice[0]!));
    // espflash 3.x: checksum-md5 --address A --length L.
    assert.deepEqual(steps('espflash checksum-md5 --address 0x1000 --length 0x100')[0]!.slice(0, 3), ['read', '0x1000', '0x100']);
  });

  it('passes every port of an esptool write_flash on (anyflash writes several devices at once)', () => {
    assert.deepEqual(steps('--port A --port B write_flash 0x1000 b.bin'), [['write', '0x1000', 'b.bin', '--port', 'A', '--port', 'B']]);
  });

  it('refuses two different ports for one device, in the spelling given', () => {
    assert.throws(() => steps('write_flash -d A -s 0x11000 -d B app.bin'), /-d was given 2 different ports \(A, B\)/);
    assert.throws(() => steps('-c SF32LB52 -p A -p B write_flash a.bin@0x12020000'), /-p was given 2 different ports/);
    assert.throws(() => steps('read -p A 0 0x1000 out.bin --port B'), /--port was given 2 different ports/);
  });

  it('expands @argfiles line by line with shell quoting, paths kept as written', () => {
    const files: Record<string, string> = { flash_args: '--flash_mode dio --flash_freq 40m --flash_size 2MB\n0x1000 "bootloader/boot loader.bin"\n0x10000 app.bin\n' };
    assert.deepEqual(expandArgfiles(['--chip', 'esp32', 'write_flash', '@flash_args'], (p) => files[p]!), [
      '--chip', 'esp32', 'write_flash', '--flash_mode', 'dio', '--flash_freq', '40m', '--flash_size', '2MB', '0x1000', 'bootloader/boot loader.bin', '0x10000', 'app.bin',
    ]);
  });
});
