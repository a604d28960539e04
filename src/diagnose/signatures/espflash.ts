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
    { pattern: /Chip provided \((\w+)\).*does not match the detected chip \((\w+)\)/i, kind: 'fatal', step: 'connect', implies: [['unknown-chip', 0.8]], facts: (m) => ({ wrongChip: espChipName(m[1]!), chip: espChipName(m[2]!) }) },
    { pattern: /espflash::chip_mismatch|Chip provided \(.*\) does not match/i, kind: 'fatal', step: 'connect', implies: [['unknown-chip', 0.7]] },
    { pattern: /espflash::rom_error|Error while running FlashDeflate|RomError/i, kind: 'fatal', implies: [['device-error', 0.6]] },
    { pattern: /espflash::invalid_serial_read|Invalid SLIP/i, kind: 'fatal', implies: [['garbled-reply', 0.65]] },
    { pattern: /^Chip type:\s+(\S+)/i, kind: 'progress', step: 'connect', facts: (m) => ({ chip: espChipName(m[1]!) }) },
    { pattern: /Using flash stub/i, kind: 'progress', step: 'stub' },
    { pattern: /Segment at address '(0x[0-9a-f]+)' has not changed, skipping write/i, kind: 'progress', step: 'write', facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /\[[=>-]+\]\s+\d+\/\d+\s+(0x[0-9a-f]+)/i, kind: 'progress', step: 'write', facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /Flashing has completed!/i, kind: 'success', step: 'done' },
  ],
};
