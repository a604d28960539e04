import { espChipName, hex, type ToolSignatures } from './types.js';

/** espflash / cargo-espflash (Rust): env_logger lines (`[… INFO ] …`) and miette error reports. */
export const espflash: ToolSignatures = {
  tool: 'espflash',
  banners: [
    { pattern: /\b(?:cargo-)?espflash (\d+\.\d+\.\d+\S*)/i, version: (m) => m[1] },
    { pattern: /\bespflash::\w+/ },
    // espflash ≥ 2 logs the port quoted (`[… INFO ] Serial port: '/dev/ttyUSB0'`); esptool prints no colon.
    { pattern: /^Serial port: '[^']+'$/ },
    { pattern: /\bespflash (?:flash|board-info|write-bin|read-flash|erase-flash|erase-region|monitor)\b/ },
  ],
  signatures: [
    { pattern: /Serial port:\s*'?([^'\s]+)'?/, kind: 'info', step: 'open-port', facts: (m) => ({ port: m[1] }) },
    { pattern: /\]?\s*Connecting\.\.\.$/, kind: 'attempt', step: 'connect' },
    { pattern: /Using (\w+) reset strategy/i, kind: 'attempt', step: 'connect' },
    { pattern: /Unable to connect, retrying with (?:extra|default) delay/i, kind: 'attempt', step: 'connect' },
    // Message inventory of espflash 1.x–4.x error.rs (Error, ConnectionError, RomErrorKind display
    // strings): the specific causes come before the wrappers and OS-error rows below.
    { pattern: /Wrong boot mode detected \(([^)]*)\)!? The chip needs to be in download mode/i, kind: 'fatal', step: 'connect', implies: [['wrong-boot-mode', 0.8], ['boot-window-missed', 0.35]] },
    // The ROM printed its download-mode banner, then nothing came back: the host-to-chip line (TX) is down.
    { pattern: /Download mode successfully detected, but getting no sync reply|espflash::no_sync_reply/i, kind: 'fatal', step: 'connect', implies: [['no-sync-reply', 0.8]] },
    { pattern: /Invalid stub handshake response received/i, kind: 'fatal', step: 'stub', implies: [['stub-failed', 0.75], ['garbled-reply', 0.3]] },
    { pattern: /Received packet too? large for buffer|espflash::oversized_packet/i, kind: 'fatal', implies: [['garbled-reply', 0.65]] },
    { pattern: /Incorrect response from the (?:stub|sutb)\/ROM loader|Invalid response(?: length)?[:,]|Read more bytes than expected|Expected MD5 digest \(16 bytes\)/i, kind: 'fatal', implies: [['garbled-reply', 0.6]] },
    { pattern: /Corrupt data, expected \S+ bytes but rece(?:iv|v)ed|MD5 digest mis+match/i, kind: 'fatal', step: 'read', implies: [['garbled-reply', 0.6], ['flash-fault', 0.3]] },
    { pattern: /Failed to read the available bytes on the serial port/i, kind: 'fatal', implies: [['port-error', 0.55], ['port-vanished', 0.4]] },
    { pattern: /The serial port '([^']+)' could not be found/i, kind: 'fatal', step: 'open-port', implies: [['port-not-found', 0.8]], facts: (m) => ({ port: m[1] }) },
    { pattern: /No serial port was provided|espflash::serial_not_selected/i, kind: 'fatal', step: 'open-port', implies: [['no-port', 0.7]] },
    { pattern: /Failed to connect to on-device flash|espflash::flash_connect/i, kind: 'fatal', step: 'connect', implies: [['flash-not-found', 0.7], ['flash-fault', 0.35]] },
    { pattern: /Flash chip not supported|Unrecognized flash id|espflash::unrecognized_flash/i, kind: 'fatal', step: 'connect', implies: [['flash-not-found', 0.6], ['unsupported', 0.4]] },
    { pattern: /Minimum supported revision is [\d.]+, connected device's revision is [\d.]+/i, kind: 'fatal', step: 'connect', implies: [['wrong-chip-image', 0.75]] },
    { pattern: /The firmware was built for (\w+), but the detected chip is (\w+)/i, kind: 'fatal', step: 'connect', implies: [['wrong-chip-image', 0.85]], facts: (m) => ({ chip: espChipName(m[2]!) }) },
    { pattern: /The esp\w+ does not support |is not supported by the esp\w+|Image format \S+ is not supported|espflash::unsupported_(?:feature|flash_frequency)/i, kind: 'fatal', implies: [['unsupported', 0.7]] },
    { pattern: /This command requires using the RAM stub/i, kind: 'fatal', implies: [['bad-input', 0.7]] },
    { pattern: /Failed to open file: /i, kind: 'fatal', implies: [['file-not-found', 0.7]] },
    // Inputs refused before the device is touched: ELF, bootloader, partition table, sizes, arguments.
    { pattern: /Supplied ELF image (?:is not valid|of \d+B is too big|can not be (?:ran|run) from RAM|contains an invalid application descriptor)|Supplied elf image|The provided bootloader binary is invalid|Specified (?:bootloader|partition table) path is not a|The flash size '[^']*' is invalid|Failed to parse (?:partition table|chip revision)|No partition table could be found|Missing partition table|Invalid partition table|The partition table is missing or invalid|The partition table does not fit into the flash|App partition not found|The selected partition does not exist|No otadata partition was found|Invalid `address`|Chip (?:not )?argument (?:not )?provided|app descriptor|espflash::(?:invalid_elf|image_too_big|not_ram_loadable|partition_table::\w+|app_desc::\w+)/i, kind: 'fatal', implies: [['bad-input', 0.75]] },
    // RomErrorKind: the loader on the chip refused a command; the kind tells flash from link trouble.
    { pattern: /Bootloader failed to (?:write to|read from) flash|SPI operation failed|Unsupported SPI operation|espflash::rom::(?:flash_write|flash_read|spi)\b/i, kind: 'fatal', implies: [['flash-fault', 0.55], ['flash-protected', 0.3]] },
    { pattern: /SPI unlock failed|espflash::rom::spi_unlock/i, kind: 'fatal', implies: [['flash-protected', 0.6], ['flash-fault', 0.35]] },
    { pattern: /Received message has invalid CRC|Bad data checksum|Bad data length|Bad block size|Invalid message received|Malformed compressed data received|Error when uncompressing the data|Didn't receive enough data|Received too much data|espflash::rom::(?:crc|data_crc|data_len|block_size|invalid_message|deflate|inflate|not_enough|too_much_data)/i, kind: 'fatal', implies: [['garbled-reply', 0.6], ['device-error', 0.3]] },
    { pattern: /Not in flash mode|Bootloader failed to execute command|espflash::rom::(?:flash_mode|failed|cmd)\b/i, kind: 'fatal', implies: [['device-error', 0.6]] },
    { pattern: /Communication error while flashing device/i, kind: 'fatal', step: 'write', implies: [['timeout', 0.4], ['garbled-reply', 0.35]] },
    { pattern: /The bootloader returned an error/i, kind: 'fatal', implies: [['device-error', 0.55]] },
    { pattern: /espflash::connection_failed/, kind: 'fatal', step: 'connect', implies: [['no-response', 0.7], ['wrong-boot-mode', 0.3]] },
    { pattern: /Failed to connect to the device|Error while connecting to device/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.5]] },
    // The chip answered; this espflash version does not know its identification value.
    { pattern: /Unrecognized magic value: (0x[0-9a-f]+)|espflash::chip_detect_error/i, kind: 'fatal', step: 'connect', implies: [['chip-unsupported-by-tool', 0.75], ['unknown-device', 0.4]] },
    { pattern: /espflash::timeout|Timeout while running (?:\w+ )?command/i, kind: 'fatal', implies: [['timeout', 0.65]] },
    { pattern: /espflash::serial_not_found|Serial port not found|No serial ports? (?:could be )?(?:found|detected)/i, kind: 'fatal', step: 'open-port', implies: [['port-not-found', 0.7], ['no-port', 0.4]] },
    { pattern: /espflash::serial_error/, kind: 'fatal', implies: [['port-error', 0.5]] },
    { pattern: /Permission denied/i, kind: 'fatal', step: 'open-port', implies: [['port-permission', 0.7]] },
    { pattern: /No such file or directory|The system cannot find the (?:file|path) specified/i, kind: 'fatal', step: 'open-port', implies: [['port-not-found', 0.75]] },
    { pattern: /(?:Device or resource busy|Resource busy|Access is denied)/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.7]] },
    { pattern: /Broken pipe|Input\/output error/i, kind: 'fatal', implies: [['port-vanished', 0.6]] },
    { pattern: /espflash::verify_failed|Verification of flash content failed/i, kind: 'fatal', step: 'verify', implies: [['verify-mismatch', 0.8]] },
    { pattern: /Chip provided (?:with `-c\/--chip` )?\((\w+)\).*does not match the detected chip \((\w+)\)/i, kind: 'fatal', step: 'connect', implies: [['unknown-chip', 0.8]], facts: (m) => ({ wrongChip: espChipName(m[1]!), chip: espChipName(m[2]!) }) },
    { pattern: /espflash::chip_mis+match|Chip provided .*does not match/i, kind: 'fatal', step: 'connect', implies: [['unknown-chip', 0.7]] },
    { pattern: /espflash::rom_error|Error while running FlashDeflate|RomError/i, kind: 'fatal', implies: [['device-error', 0.6]] },
    { pattern: /espflash::invalid_serial_read|Invalid SLIP/i, kind: 'fatal', implies: [['garbled-reply', 0.65]] },
    { pattern: /^Chip type:\s+(\S+)/i, kind: 'progress', step: 'connect', facts: (m) => ({ chip: espChipName(m[1]!) }) },
    { pattern: /Using flash stub/i, kind: 'progress', step: 'stub' },
    { pattern: /Segment at address '(0x[0-9a-f]+)' has not changed, skipping write/i, kind: 'progress', step: 'write', facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /\[[=>-]+\]\s+\d+\/\d+\s+(0x[0-9a-f]+)/i, kind: 'progress', step: 'write', facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /Flashing has completed!/i, kind: 'success', step: 'done' },
  ],
};
