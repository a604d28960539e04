/**
 * Message inventory for esptool (v2–v5) and esptool-js / ESP Web Tools / esp-web-flasher: one row per
 * family of user-facing failure messages, worded as the tool prints it, with the tool `explain` must
 * name and the cause it must rank first. The comment on each row names the source file the wording
 * comes from (esptool: esptool/loader.py, esptool/cmds.py, esptool/__init__.py, esptool.py for v2;
 * esptool-js: src/esploader.ts, src/webserial.ts; ESP Web Tools: src/flash.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explain } from '../../src/diagnose/explain.js';

const PY = 'esptool.py v4.7.0\nSerial port /dev/ttyUSB0\nConnecting....\n';
const PY_CHIP = `${PY}Chip is ESP32-D0WD-V3 (revision v3.1)\n`;
const V5 = 'esptool v5.1.0\nConnected to ESP32 on /dev/ttyUSB0:\nChip type: ESP32-D0WD-V3 (revision v3.1)\n';
const JS = 'esptool.js\nSerial port WebSerial VendorID 0x10c4 ProductID 0xea60\nConnecting...\n';

const rows: [log: string, tool: string, cause: string][] = [
  // loader.py connect(): the SYNC loop's last error.
  [`${PY}A fatal error occurred: Failed to connect to ESP32: No serial data received.`, 'esptool', 'no-response'],
  ['esptool v5.0.0\nConnecting....\nA fatal error occurred: Failed to connect to Espressif device: No serial data received.', 'esptool', 'no-response'],
  [`${PY}A fatal error occurred: Failed to connect to ESP32: Wrong boot mode detected (0x13)! The chip needs to be in download mode.`, 'esptool', 'wrong-boot-mode'],
  [`${PY}A fatal error occurred: Failed to connect to ESP32: Download mode successfully detected, but getting no sync reply: The serial TX path seems to be down.`, 'esptool', 'no-sync-reply'],
  [`${PY}A fatal error occurred: Failed to connect to ESP32: Timed out waiting for packet header`, 'esptool', 'no-response'],
  // __init__.py: no --port, every port tried.
  [`${PY}A fatal error occurred: Could not connect to an Espressif device on any of the 2 available serial ports.`, 'esptool', 'no-response'],
  // loader.py read(): SLIP framing, replies that do not fit, the reader gone (v5).
  [`${V5}A fatal error occurred: Response doesn't match request.`, 'esptool', 'garbled-reply'],
  [`${V5}A fatal error occurred: Only got 0 byte status response.`, 'esptool', 'garbled-reply'],
  [`${V5}A fatal error occurred: No more data to read from the serial port. This can have many causes, for troubleshooting steps visit: https://docs.espressif.com/projects/esptool/en/latest/troubleshooting.html`, 'esptool', 'port-vanished'],
  [`${PY_CHIP}A fatal error occurred: Invalid SLIP escape (0xdb, 0x00)`, 'esptool', 'garbled-reply'],
  [`${PY_CHIP}A fatal error occurred: Packet content transfer stopped (received 8 bytes)`, 'esptool', 'garbled-reply'],
  // loader.py detect_chip() / check_chip_id().
  [`${PY}A fatal error occurred: This chip is ESP32-S3, not ESP32. Wrong --chip argument?`, 'esptool', 'unknown-chip'],
  [`${PY}A fatal error occurred: Unexpected CHIP magic value 0x12345678. Failed to autodetect chip type.`, 'esptool', 'unknown-device'],
  // cmds.py detect_chip() (v4+ reads a chip id; 23 is the ESP32-C5) and loader.py's warning under --chip.
  ['esptool v5.1.0\nConnecting....\nA fatal error occurred: Unexpected chip ID value 23. Failed to autodetect chip type.\nProbably it is unsupported by this version of esptool.', 'esptool', 'chip-unsupported-by-tool'],
  ['esptool.py v4.5\nConnecting....\nWARNING: This chip doesn\'t appear to be an ESP32-C5 (read chip ID 23). Probably it is unsupported by this version of esptool. Will attempt to continue anyway.\nA fatal error occurred: Timed out waiting for packet header', 'esptool', 'chip-unsupported-by-tool'],
  // loader.py run_stub().
  [`${PY_CHIP}Uploading stub...\nA fatal error occurred: Failed to start stub. Unexpected response: b''`, 'esptool', 'stub-failed'],
  [`${PY}Chip is ESP32-S3\nA fatal error occurred: Stub flasher JSON file for esp32s3 not found.`, 'esptool', 'stub-missing'],
  [`${V5}A fatal error occurred: Flasher stub data is missing for ESP32. \nThis means the esptool installation is incomplete or broken`, 'esptool', 'stub-missing'],
  // loader.py check_command(): "Failed to <op>" for FLASH_BEGIN / FLASH_END / erase.
  [`${PY_CHIP}A fatal error occurred: Failed to enter Flash download mode (result was 01060000: Operation timed out)`, 'esptool', 'flash-fault'],
  [`${PY_CHIP}A fatal error occurred: Failed to leave Flash download mode (result was 01060000)`, 'esptool', 'device-error'],
  [`${PY_CHIP}Erasing flash (this may take a while)...\nA fatal error occurred: Failed to erase flash (result was 01060000: Operation timed out)`, 'esptool', 'flash-fault'],
  [`${V5}A fatal error occurred: Failed to enter compressed flash mode (result was 01060000)`, 'esptool', 'flash-fault'],
  [`${V5}A fatal error occurred: Failed to calculate md5sum (result was 01060000: Operation timed out)`, 'esptool', 'timeout'],
  [`${PY_CHIP}A fatal error occurred: Failed to set SPI params (result was 01060000)`, 'esptool', 'device-error'],
  // loader.py: the flash chip does not answer the commands that measure it.
  [`${V5}A fatal error occurred: SPI command did not complete in time`, 'esptool', 'flash-not-found'],
  [`${V5}A fatal error occurred: Detecting flash size failed. Set an exact size value.`, 'esptool', 'flash-not-found'],
  // esptool v4 loader.py / __init__.py: the stub or the chip went quiet, pyserial too old to list ports.
  [`${PY_CHIP}Uploading stub...\nRunning stub...\nA fatal error occurred: Failed to start stub. There was no response.\nTry increasing timeouts, for more information see: https://docs.espressif.com/projects/esptool/en/latest/esptool/configuration-file.html`, 'esptool', 'stub-failed'],
  [`${PY_CHIP}Writing at 0x00010000... (5 %)\nTraceback (most recent call last):\nStopIteration\nA fatal error occurred: The chip stopped responding.`, 'esptool', 'timeout'],
  ['esptool.py v4.8.1\nA fatal error occurred: Listing all serial ports is currently not available. Please try to specify the port when running esptool.py or update the pyserial package to the latest version', 'esptool', 'tool-outdated'],
  [`${PY_CHIP}WARNING: File app.bin is empty\nA fatal error occurred: No input files specified`, 'esptool', 'file-empty'],
  // cmds.py write_flash(): checks before the chip is touched (v4 and v5 wordings).
  [`${PY_CHIP}A fatal error occurred: File build/app.bin (length 2097152) at offset 65536 will not fit in 2097152 bytes of flash. Use --flash_size argument, or change flashing address.`, 'esptool', 'file-too-large'],
  ['esptool v5.0.0\nConnected to ESP32 on /dev/ttyUSB0:\nA fatal error occurred: File app.bin (length 4194304) at offset 0x10000 will not fit in 4194304 bytes of flash. Change the --flash-size argument, or flashing address.', 'esptool', 'file-too-large'],
  [`${PY_CHIP}A fatal error occurred: Detected overlap at address: 0x10000 for file: b.bin`, 'esptool', 'regions-overlap'],
  [`${V5}A fatal error occurred: Secure Boot V1 detected, writing to flash regions < 0x8000 is disabled to protect the bootloader. Use the force argument to override, please use with caution, otherwise it may brick your device!`, 'esptool', 'flash-protected'],
  [`${V5}A fatal error occurred: 'bootloader.bin' requires chip revision v3 or higher (this chip is revision 1). Use the force argument to flash anyway.`, 'esptool', 'wrong-chip-image'],
  [`${V5}A fatal error occurred: This is not a valid image (invalid magic number: 0x7f).`, 'esptool', 'bad-input'],
  [`${V5}A fatal error occurred: Image is empty.`, 'esptool', 'file-empty'],
  // cmds.py erase_region() / read_flash(): arguments.
  [`${V5}A fatal error occurred: Offset to erase from must be a multiple of 4096.`, 'esptool', 'misaligned-address'],
  [`${V5}A fatal error occurred: Specified size 0x800000 is greater than detected flash size 0x400000. Set an exact size value.`, 'esptool', 'bad-input'],
  [`${PY_CHIP}A fatal error occurred: Secure Boot detected, writing to flash regions < 0x8000 is disabled to protect the bootloader. Use --force to override, please use with caution, otherwise it may brick your device!`, 'esptool', 'flash-protected'],
  [`${PY_CHIP}A fatal error occurred: Active security features detected, erasing flash is disabled as a safety measure. Use --force to override, please use with caution, otherwise it may brick your device!`, 'esptool', 'flash-protected'],
  [`${PY}Chip is ESP32-C3\nA fatal error occurred: 'bootloader.bin' requires chip revision in range [v0.3 - v0.99] (this chip is revision v0.2). Use --force to flash anyway.`, 'esptool', 'wrong-chip-image'],
  [`${PY_CHIP}A fatal error occurred: Invalid image magic number: 0`, 'esptool', 'bad-input'],
  // cmds.py verify / write result.
  [`${PY_CHIP}Writing at 0x00010000... (100 %)\nA fatal error occurred: MD5 of file does not match data in flash!`, 'esptool', 'verify-mismatch'],
  [`${PY_CHIP}A fatal error occurred: Write failed, the written flash region is empty.`, 'esptool', 'nothing-written'],
  // __init__.py: opening the port (pyserial's text underneath).
  ['esptool.py v4.7.0\nA fatal error occurred: Could not open /dev/ttyUSB0, the port doesn\'t exist', 'esptool', 'port-not-found'],
  ['esptool.py v4.7.0\nA fatal error occurred: No serial ports found. Connect a device, or use \'-p PORT\' option to set a specific port.', 'esptool', 'no-port'],
  [`${PY_CHIP}Writing at 0x00010000... (5 %)\nA serial exception error occurred: Write timeout`, 'esptool', 'port-write-timeout'],

  // esptool.py v2.x (a single esptool.py): wordings since renamed or removed.
  ['esptool.py v2.8\nConnecting....\nA fatal error occurred: Unexpected UART datecode value 0x12345678. Failed to autodetect chip type.', 'esptool', 'unknown-device'],
  ['esptool.py v2.8\nConnecting....\nChip is ESP8266EX\nA fatal error occurred: ESP8266 ROM does not support function erase_region.', 'esptool', 'stub-failed'],
  ['esptool.py v2.8\nConnecting....\nChip is ESP8266EX\nA fatal error occurred: Incorrect efuse setting: aborting flash write', 'esptool', 'flash-protected'],
  ['esptool.py v2.8\nConnecting....\nChip is ESP8266EX\nA fatal error occurred: Number of specified files does not match number of specified addresses', 'esptool', 'bad-input'],
  ['esptool.py v2.8\nConnecting....\nChip is ESP8266EX\nA fatal error occurred: MD5Sum command returned unexpected result: b\'\'', 'esptool', 'garbled-reply'],
  ['esptool.py v2.8\nConnecting....\nA fatal error occurred: Failed to read register address 3ff00050 (result was 01060000)', 'esptool', 'timeout'],

  // esptool-js src/esploader.ts.
  [`${JS}Error: Failed to connect with the device`, 'esptool-js', 'no-response'],
  [`${JS}Error: Unexpected CHIP magic value 0x12345678. Failed to autodetect chip type.`, 'esptool-js', 'unknown-device'],
  [`${JS}Chip is ESP32\nUploading stub...\nError: Failed to start stub. Unexpected response`, 'esptool-js', 'stub-failed'],
  [`${JS}Chip is ESP32\nError: Invalid (unsupported) command 0x14`, 'esptool-js', 'stub-failed'],
  [`${JS}Chip is ESP32\nError: Command failure error code 0x05`, 'esptool-js', 'device-error'],
  [`${JS}Chip is ESP32\nError: MD5 of file does not match data in flash!`, 'esptool-js', 'verify-mismatch'],
  [`${JS}Chip is ESP32\nError: Failed to enter Flash download mode failed with status 1,5`, 'esptool-js', 'flash-fault'],
  [`${JS}Chip is ESP32\nError: Failed to enter RAM download mode failed with status 1,5`, 'esptool-js', 'stub-failed'],
  [`${JS}Chip is ESP32\nError: Error loading Stub json`, 'esptool-js', 'stub-missing'],
  [`${JS}Chip is ESP32\nError: Could not auto-detect Flash size. Set flash size explicitly or check the flash connection.`, 'esptool-js', 'flash-not-found'],
  [`${JS}Chip is ESP32\nError: File 1 doesn't fit in the available flash`, 'esptool-js', 'file-too-large'],
  [`${JS}Chip is ESP32\nError: Invalid firmware image magic=0x7f`, 'esptool-js', 'bad-input'],
  [`${JS}Chip is ESP32\nError: Flash size 32MB is not supported by this chip type. Supported sizes: 1MB,2MB`, 'esptool-js', 'bad-input'],
  // esptool-js src/webserial.ts: its SLIP reader.
  [`${JS}Error: No serial data received.`, 'esptool-js', 'no-response'],
  [`${JS}Error: Serial data stream stopped: Possible serial noise or corruption.`, 'esptool-js', 'garbled-reply'],
  [`${JS}Error: Invalid SLIP escape (0xdb, 0x0)`, 'esptool-js', 'garbled-reply'],
  // esptool-js src/webserial.ts (the browser's Web Serial errors passed through).
  ['esptool.js\nInvalidStateError: Failed to execute \'open\' on \'SerialPort\': The port is already open.', 'esptool-js', 'port-busy'],
  // ESP Web Tools src/flash.ts install-dialog messages.
  ['ESP Web Tools\nFailed to initialize. Try resetting your device or holding the BOOT button while clicking INSTALL.', 'esptool-js', 'no-response'],
  ['ESP Web Tools\nYour ESP32-C6 board is not supported.', 'esptool-js', 'chip-unsupported-by-tool'],
  // ESP Web Tools src/install-dialog.ts.
  ['ESP Web Tools\nSerial port is not readable/writable. Close any other application using it and try again.', 'esptool-js', 'port-busy'],
  ['ESP Web Tools\nFailed to download manifest', 'esptool-js', 'file-not-found'],
  ['ESP Web Tools\nUnable to fetch manifest: TypeError: Failed to fetch', 'esptool-js', 'file-not-found'],
  ['ESP Web Tools\nDownlading firmware firmware.bin failed: 404', 'esptool-js', 'file-not-found'],
  // esp-web-flasher (Adafruit WebSerial ESPTool) src/esp_loader.ts.
  ['ESP Web Flasher loaded.\nConnecting...\nError: Couldn\'t sync to ESP. Try resetting.', 'esptool-js', 'no-response'],
  ['Adafruit WebSerial ESPTool loaded.\nConnecting...\nConnected successfully.\nError: Timed out waiting for packet header', 'esptool-js', 'no-response'],
  ['ESP Web Flasher loaded.\nConnecting...\nConnected successfully.\nError: Unknown chip family', 'esptool-js', 'chip-unsupported-by-tool'],
  ['ESP Web Flasher loaded.\nConnecting...\nConnected successfully.\nChip type ESP32\nError: Timed out waiting for packet content', 'esptool-js', 'timeout'],
  ['ESP Web Flasher loaded.\nConnecting...\nConnected successfully.\nChip type ESP32\nError: Didn\'t get enough status bytes', 'esptool-js', 'garbled-reply'],
  ['ESP Web Flasher loaded.\nConnecting...\nConnected successfully.\nChip type ESP32\nAttempting to change baud rate to 921600...\nError: Unable to change the baud rate to 921600: No response from set baud rate command.', 'esptool-js', 'baud-mismatch'],
];

test('each esptool / esptool-js / ESP Web Tools failure message names its tool and its cause', () => {
  for (const [log, tool, cause] of rows) {
    const r = explain(log);
    assert.equal(r.tool, tool, log);
    assert.equal(r.causes[0]?.code, cause, log);
  }
});

test("esptool's unknown chip id of a real Espressif chip names that chip", () => {
  const r = explain('esptool v5.1.0\nConnecting....\nA fatal error occurred: Unexpected chip ID value 23. Failed to autodetect chip type.\nProbably it is unsupported by this version of esptool.');
  assert.equal(r.chip, 'esp32c5');
  assert.match(r.causes[0]!.advice[0]!, /update the tool/);
});
