import { ESP_CHIP_RECORDS } from '../../chips/esp.js';
import { espChipName, hex, type ToolSignatures } from './types.js';

/** Chip ids (as esptool v4+ reads them) of the Espressif chips; zero left out, as a dead line reads zero. */
const KNOWN_CHIP_ID = new Map<string, string>(
  ESP_CHIP_RECORDS.flatMap((c) => (c.imageChipId ? [[String(c.imageChipId), c.name] as const] : [])),
);
const KNOWN_ID = `(${[...KNOWN_CHIP_ID.keys()].join('|')})`;

/** esptool (Python), v2–v5: message texts from its loader, commands and pyserial underneath. */
export const esptool: ToolSignatures = {
  tool: 'esptool',
  banners: [
    { pattern: /\besptool(?:\.py)? v(\d+\.\d+(?:\.\d+)?(?:[-.\w]*)?)/i, version: (m) => m[1] },
    // esptool's own wording; esptool-js never prints it.
    { pattern: /^A fatal error occurred: / },
    { pattern: /\besptool(?:\.py)?\s.*\b(?:write[-_]flash|read[-_]flash|erase[-_]flash|erase[-_]region|verify[-_]flash|chip[-_]id|flash[-_]id|read[-_]mac)\b/i },
  ],
  signatures: [
    // Connecting.
    { pattern: /^Serial port (\S+?):?$/, kind: 'info', step: 'open-port', facts: (m) => ({ port: m[1] }) },
    { pattern: /^Connecting\.*[._]*$/, kind: 'attempt', step: 'connect' },
    // The chip found is not the one the tool (or the IDE's board setting) named: the fix is the board/chip choice.
    { pattern: /This chip is ([\w-]+),? not ([\w-]+)/i, kind: 'fatal', step: 'connect', implies: [['unknown-chip', 0.85]], facts: (m) => ({ chip: espChipName(m[1]!), wrongChip: espChipName(m[2]!) }) },
    // "Expected N" is the connected chip's image id: the chip the image must be built for.
    { pattern: /Unexpected chip id in image\. Expected (\d+) but value was (\d+)/i, kind: 'fatal', step: 'write', implies: [['wrong-chip-image', 0.85]], facts: (m) => ({ chip: ESP_CHIP_RECORDS.find((c) => c.imageChipId === Number(m[1]))?.name }) },
    { pattern: /Unexpected (?:chip ID value|CHIP magic value).*Wrong --chip argument/i, kind: 'fatal', step: 'connect', implies: [['unknown-chip', 0.7], ['unknown-device', 0.3]] },
    // The id of a real Espressif chip that this esptool version has no class for: update esptool.
    { pattern: new RegExp(`Unexpected chip ID value ${KNOWN_ID}\\.(?!.*Wrong --chip)`, 'i'), kind: 'fatal', step: 'connect', implies: [['chip-unsupported-by-tool', 0.85]], facts: (m) => ({ chip: KNOWN_CHIP_ID.get(m[1]!) }) },
    { pattern: new RegExp(`doesn't appear to be an? [\\w-]+ \\(read chip ID ${KNOWN_ID}\\)`, 'i'), kind: 'warning', step: 'connect', implies: [['chip-unsupported-by-tool', 0.7]], facts: (m) => ({ chip: KNOWN_CHIP_ID.get(m[1]!) }), note: 'This esptool version does not know the chip it found.' },
    { pattern: /Unexpected chip ID value|Unexpected CHIP magic value|Unexpected UART datecode value/i, kind: 'fatal', step: 'connect', implies: [['unknown-device', 0.6], ['unknown-chip', 0.4]] },
    { pattern: /Wrong --chip argument\?/i, kind: 'fatal', step: 'connect', implies: [['unknown-chip', 0.75]] },
    // The first flash command after connecting (and after a baud change) got no usable reply.
    { pattern: /Unable to verify flash chip connection \((.*)\)/i, kind: 'fatal', step: 'connect', implies: [['flash-not-found', 0.4], ['timeout', 0.4]] },
    { pattern: /Failed to get flash ID|Failed to communicate with the flash chip/i, kind: 'fatal', step: 'connect', implies: [['flash-not-found', 0.55]] },
    { pattern: /Failed to connect to ([\w-]+(?: device)?): No serial data received/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.8]], facts: chip },
    { pattern: /Failed to connect to ([\w-]+(?: device)?): Wrong boot mode detected \((0x[0-9a-f]+)\)/i, kind: 'fatal', step: 'connect', implies: [['wrong-boot-mode', 0.9]], facts: chip },
    { pattern: /Wrong boot mode detected \((0x[0-9a-f]+)\)/i, kind: 'fatal', step: 'connect', implies: [['wrong-boot-mode', 0.9]] },
    { pattern: /Download mode successfully detected, but getting no sync reply/i, kind: 'fatal', step: 'connect', implies: [['no-sync-reply', 0.9]] },
    { pattern: /Failed to connect to ([\w-]+(?: device)?): Invalid head of packet \((0x[0-9a-f]+)\)/i, kind: 'fatal', step: 'connect', implies: [['firmware-owns-uart', 0.6], ['baud-mismatch', 0.35]], facts: chip },
    { pattern: /Invalid head of packet \((0x[0-9a-f]+)\)/i, kind: 'fatal', implies: [['garbled-reply', 0.6], ['firmware-owns-uart', 0.3]] },
    // Older esptool versions name no byte, or print it as a Python string ('\xff').
    { pattern: /Invalid head of packet(?!\s*\(0x)/i, kind: 'fatal', implies: [['garbled-reply', 0.5], ['firmware-owns-uart', 0.25]] },
    { pattern: /Invalid SLIP escape/i, kind: 'fatal', implies: [['garbled-reply', 0.7]] },
    { pattern: /Failed to connect to ([\w-]+(?: device)?): Serial data stream stopped/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.5], ['garbled-reply', 0.4]], facts: chip },
    // Nothing but a missing header during the SYNC loop: no usable reply at all, as with no data.
    { pattern: /Failed to connect to ([\w-]+(?: device)?): Timed out waiting for packet header/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.6], ['no-sync-reply', 0.35]], facts: chip },
    { pattern: /Failed to connect to ([\w-]+)/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.6]], facts: chip },
    // esptool v4+ with no --port: it tried every port and none answered. Weak: the per-port line above it names the real failure.
    { pattern: /Could not connect to an Espressif device on any of the \d+ available serial ports/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.3]] },
    { pattern: /It's not possible to reset the chip over a TCP socket/i, kind: 'info', step: 'connect' },

    // Chip facts.
    { pattern: /^(?:Chip is|Chip type:)\s+([\w-]+)/, kind: 'progress', step: 'connect', facts: chip },
    { pattern: /^Connected to ([\w-]+) on (\S+?):?$/, kind: 'progress', step: 'connect', facts: (m) => ({ chip: espChipName(m[1]!), port: m[2] }) },
    { pattern: /^Detecting chip type\.*\s*([\w-]+)/, kind: 'progress', step: 'connect', facts: chip },
    { pattern: /can ?not exit the download mode over USB/i, kind: 'warning', implies: [['usb-jtag-stuck', 0.7]], note: 'The chip was written; it stays in download mode because BOOT (GPIO0) held it there: press RESET (or unplug and replug) to run the new firmware.' },
    { pattern: /Secure Download Mode|secure download mode is enabled/i, kind: 'warning', implies: [['secure-download-mode', 0.85]], note: 'The chip is in Secure Download Mode: only plain writes are allowed, no stub and no reads.' },

    // The stub.
    { pattern: /^Uploading stub(?: flasher)?\.\.\./i, kind: 'progress', step: 'stub' },
    { pattern: /^(?:Running stub|Stub running|Stub flasher running)/i, kind: 'progress', step: 'stub' },
    { pattern: /Failed to write to target RAM \(result was (\w+)/i, kind: 'fatal', step: 'stub', implies: [['stub-failed', 0.75], ['garbled-reply', 0.45]] },
    { pattern: /Failed to start stub flasher/i, kind: 'fatal', step: 'stub', implies: [['stub-failed', 0.8]] },
    // The stub was loaded but did not announce itself ("OHAI"): a reply lost or garbled on the way back.
    { pattern: /Failed to start stub\. (?:Unexpected response|There was no response)/i, kind: 'fatal', step: 'stub', implies: [['stub-failed', 0.75], ['garbled-reply', 0.4]] },
    { pattern: /Stub flasher JSON file for \S+ not found|Flasher stub data is missing for/i, kind: 'fatal', step: 'stub', implies: [['stub-missing', 0.85]] },
    // esptool 1.x–2.x words the same RAM-load step as entering/leaving RAM download mode.
    { pattern: /Failed to (?:enter|leave) RAM download mode/i, kind: 'fatal', step: 'stub', implies: [['stub-failed', 0.7], ['garbled-reply', 0.35]] },
    { pattern: /^Changing baud rate to (\d+)/i, kind: 'progress', facts: (m) => ({ baud: Number(m[1]) }) },

    // Writing, reading, erasing, verifying.
    { pattern: /^(?:Configuring flash size|Flash will be erased from|Flash params set to|Compressed \d+ bytes to)/i, kind: 'progress', step: 'write' },
    { pattern: /^Writing at (0x[0-9a-f]+)/i, kind: 'progress', step: 'write', facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /^Wrote \d+ bytes.* at (0x[0-9a-f]+)/i, kind: 'progress', step: 'write', facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /Write failed, the written flash region is empty/i, kind: 'fatal', step: 'verify', implies: [['nothing-written', 0.85]] },
    { pattern: /^MD5 of 0xFF is ([0-9a-f]{32})/i, kind: 'info', step: 'verify' },
    { pattern: /MD5 of file does not match data in flash|Verification failed|verify[- ]flash.*differ/i, kind: 'fatal', step: 'verify', implies: [['verify-mismatch', 0.8]] },
    { pattern: /^Hash of data verified|^-- verify OK|^Verification successful/i, kind: 'progress', step: 'verify' },
    { pattern: /Lost connection, retrying/i, kind: 'retry', implies: [['port-vanished', 0.55]] },
    { pattern: /Timed out waiting for packet/i, kind: 'fatal', implies: [['timeout', 0.6]] },
    { pattern: /Packet content transfer stopped/i, kind: 'fatal', implies: [['garbled-reply', 0.55], ['port-error', 0.35]] },
    // "Possible serial noise or corruption": bytes arrived but broke off.
    { pattern: /Serial data stream stopped/i, kind: 'fatal', implies: [['garbled-reply', 0.6], ['timeout', 0.3]], lead: () => 'Use a shorter, good USB cable plugged straight into the computer (no hub or extension), and a common GND.' },
    // FLASH_BEGIN erases the region first: a timeout there is the flash (or its supply), not the link.
    { pattern: /Failed to enter (?:compressed )?Flash download mode|Failed to enter compressed flash mode/i, kind: 'fatal', step: 'write', implies: [['flash-fault', 0.5], ['timeout', 0.4]] },
    { pattern: /Failed to leave (?:compressed )?Flash download mode|Failed to leave compressed flash mode/i, kind: 'fatal', step: 'write', implies: [['device-error', 0.5], ['timeout', 0.35]] },
    { pattern: /Failed to erase (?:flash|region) \(result was/i, kind: 'fatal', step: 'erase', implies: [['flash-fault', 0.5], ['timeout', 0.4]] },
    // Checks esptool makes before it touches the chip: the command line or the image is the problem.
    { pattern: /will not fit in \d+ bytes of flash/i, kind: 'fatal', step: 'write', implies: [['file-too-large', 0.85]] },
    { pattern: /Detected overlap at address|Failed to write image due to image overlap/i, kind: 'fatal', step: 'write', implies: [['regions-overlap', 0.85]] },
    { pattern: /Secure Boot (?:V1 )?detected, writing to flash regions|Active security features detected, erasing flash is disabled/i, kind: 'fatal', step: 'write', implies: [['flash-protected', 0.8]] },
    // The image was built for a minimum chip revision this chip is below: a build setting, as with the wrong chip.
    { pattern: /requires chip revision (?:in range|\S+ or higher)/i, kind: 'fatal', step: 'write', implies: [['wrong-chip-image', 0.75]] },
    { pattern: /Invalid (?:image magic number|firmware image magic)|not a valid image \(invalid magic number|Unknown image chip ID/i, kind: 'fatal', step: 'write', implies: [['bad-input', 0.75]] },
    { pattern: /^A fatal error occurred: Image is empty/i, kind: 'fatal', step: 'write', implies: [['file-empty', 0.85]] },
    { pattern: /Offset to erase from must be a multiple of|Size of data to erase must be a multiple of/i, kind: 'fatal', step: 'erase', implies: [['misaligned-address', 0.85]] },
    { pattern: /Specified size 0x[0-9a-f]+ is greater than detected flash size/i, kind: 'fatal', step: 'read', implies: [['bad-input', 0.75]] },
    // The flash chip gave no usable answer to the commands that measure it.
    { pattern: /Detecting flash size failed|SPI command did not complete in time/i, kind: 'fatal', step: 'connect', implies: [['flash-not-found', 0.55], ['flash-fault', 0.35]] },
    { pattern: /Failed to calculate md5sum/i, kind: 'fatal', step: 'verify', implies: [['timeout', 0.45], ['flash-fault', 0.4]] },
    { pattern: /Failed to read flash \(result was/i, kind: 'fatal', step: 'read', implies: [['timeout', 0.45], ['flash-fault', 0.4]] },
    { pattern: /Failed to (?:configure SPI flash pins|set SPI params)/i, kind: 'fatal', step: 'connect', implies: [['device-error', 0.5], ['bad-input', 0.35]] },
    // The ROM loader (--no-stub, or a stub that could not run) lacks the command; or Secure Download Mode refused it.
    { pattern: /ROM does not support function|Invalid \(unsupported\) command/i, kind: 'fatal', implies: [['stub-failed', 0.5], ['secure-download-mode', 0.35]] },
    { pattern: /Incorrect efuse setting: aborting flash write/i, kind: 'fatal', step: 'write', implies: [['flash-protected', 0.75]] },
    { pattern: /Number of specified files does not match number of specified addresses|Unknown size \S+|Not possible for a stub to load another stub/i, kind: 'fatal', step: 'write', implies: [['bad-input', 0.8]] },
    { pattern: /Failed to read (?:register address|target memory)/i, kind: 'fatal', step: 'connect', implies: [['timeout', 0.45], ['garbled-reply', 0.4]] },
    { pattern: /^WARNING: File \S+ is empty/i, kind: 'warning', step: 'write', implies: [['file-empty', 0.8]], note: 'A file given to write is empty: nothing of it reaches the flash.' },
    { pattern: /No input files specified/i, kind: 'fatal', step: 'write', implies: [['bad-input', 0.7]] },
    // esptool v4 with a pyserial too old to list ports.
    { pattern: /Listing all serial ports is currently not available/i, kind: 'fatal', step: 'open-port', implies: [['tool-outdated', 0.6], ['no-port', 0.3]] },
    // esptool v4: the serial reader ended (StopIteration) mid-command — the line or the chip went quiet.
    { pattern: /The chip stopped responding/i, kind: 'fatal', implies: [['timeout', 0.55], ['port-vanished', 0.35]] },
    // Replies that arrived but do not fit the request: bytes lost or mixed in on the line.
    { pattern: /Response doesn't match request|Only got \d+ byte (?:status )?response|Digest mismatch: expected|MD5Sum command returned unexpected result/i, kind: 'fatal', implies: [['garbled-reply', 0.6], ['timeout', 0.3]] },
    // esptool v5: the reader stopped after an earlier serial failure (often the port going away).
    { pattern: /No more data to read from the serial port/i, kind: 'fatal', implies: [['port-vanished', 0.5], ['garbled-reply', 0.4]] },
    { pattern: /Failed to write compressed data to flash|Failed to write to target Flash/i, kind: 'fatal', step: 'write', implies: [['device-error', 0.6]] },
    { pattern: /Corrupt data, expected/i, kind: 'fatal', step: 'read', implies: [['garbled-reply', 0.7]] },
    { pattern: /^Erasing flash \(this may take a while\)|^Erasing region/i, kind: 'progress', step: 'erase' },
    { pattern: /^Chip erase completed successfully|^Erase completed successfully|^Flash memory erased successfully/i, kind: 'success', step: 'erase' },
    { pattern: /^Read \d+ bytes (?:at|from) (0x[0-9a-f]+)/i, kind: 'success', step: 'read', facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /^Manufacturer: (00|ff)$/i, kind: 'warning', step: 'connect', implies: [['flash-not-found', 0.5]], note: 'The flash chip did not answer its ID command.' },
    { pattern: /^Device: (0000|ffff)$/i, kind: 'warning', step: 'connect', implies: [['flash-not-found', 0.5]], note: 'The flash chip did not answer its ID command.' },
    { pattern: /Could not auto-detect Flash size \(FlashID=0x(ffffff|000000|ffff3f)/i, kind: 'warning', implies: [['flash-not-found', 0.75]], note: 'The flash chip did not answer its ID command.' },
    { pattern: /Could not open (\S+?),? the port doesn't exist/i, kind: 'fatal', step: 'open-port', implies: [['port-not-found', 0.75]], facts: (m) => ({ port: m[1] }) },
    // The OS error on the next line decides between the two.
    { pattern: /Could not open (\S+?),? the port is busy or doesn't exist/i, kind: 'fatal', step: 'open-port', implies: [['port-not-found', 0.5], ['port-busy', 0.45]], facts: (m) => ({ port: m[1] }) },

    // The end of a good run.
    { pattern: /^(?:Leaving\.\.\.|Hard resetting via RTS pin|Staying in bootloader|Soft resetting)/i, kind: 'success', step: 'done' },
    { pattern: /Reading chip details failed/i, kind: 'fatal', step: 'connect', implies: [['timeout', 0.4]] },
    // argparse refusing the command line (e.g. esptool-ck options given to esptool.py).
    { pattern: /^(?:esptool(?:\.py)?|esptool\.exe): error: (?:argument|unrecognized arguments|the following arguments)/i, kind: 'fatal', step: 'open-port', implies: [['bad-input', 0.85]] },
    { pattern: /^A fatal error occurred:?\s*(.*)/i, kind: 'fatal' },
  ],
};

function chip(m: RegExpExecArray): { chip?: string } {
  return { chip: espChipName(m[1]!) };
}
