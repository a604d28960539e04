import { espChipName, hex, type ToolSignatures } from './types.js';

/** esptool-js and pages built on it (ESP Web Tools, Espressif's web flasher): terminal text and thrown errors. */
export const esptoolJs: ToolSignatures = {
  tool: 'esptool-js',
  banners: [
    { pattern: /\besptool[.-]js(?:@| v)?(\d+\.\d+(?:\.\d+)?(?:-\w+)?)?/i, version: (m) => m[1] },
    { pattern: /\bESP Web Tools\b|esp-web-install-button|esp-web-tools/i },
    { pattern: /WebSerial ESPTool|esp-web-flasher/i },
    // esptool-js's own port line.
    { pattern: /^Serial port WebSerial VendorID/i },
  ],
  signatures: [
    { pattern: /Serial port WebSerial VendorID (0x[0-9a-f]+) ProductID (0x[0-9a-f]+)/i, kind: 'info', step: 'open-port' },
    { pattern: /^Connecting\.*[._]*$/, kind: 'attempt', step: 'connect' },
    { pattern: /^Connected successfully\.?$/i, kind: 'info', step: 'open-port' },
    // esp-web-flasher (ESP Web Tools before esptool-js, Adafruit WebSerial ESPTool).
    { pattern: /Couldn't sync to ESP/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.7]] },
    { pattern: /Your ([\w-]+) board is not supported/i, kind: 'fatal', step: 'connect', implies: [['chip-unsupported-by-tool', 0.85]], facts: (m) => ({ chip: espChipName(m[1]!) }) },
    { pattern: /Failed to connect with the device/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.75]] },
    { pattern: /Failed to initialize\. Try resetting your device or holding the BOOT button/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.6], ['wrong-boot-mode', 0.35]] },
    { pattern: /Unexpected CHIP magic value/i, kind: 'fatal', step: 'connect', implies: [['unknown-device', 0.6], ['unknown-chip', 0.4]] },
    // esp-web-flasher's SYNC loop gave up without a reply.
    { pattern: /Timed out waiting for packet header/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.6], ['timeout', 0.4]] },
    { pattern: /Failed to start stub\. Unexpected response/i, kind: 'fatal', step: 'stub', implies: [['stub-failed', 0.75], ['garbled-reply', 0.4]] },
    // A status byte from the ROM/stub: a command the loader running does not have (no stub, Secure Download Mode)…
    { pattern: /Invalid \(unsupported\) command/i, kind: 'fatal', implies: [['stub-failed', 0.45], ['secure-download-mode', 0.4]] },
    // …or a command it has but could not carry out.
    { pattern: /Command failure error code/i, kind: 'fatal', implies: [['device-error', 0.6]] },
    { pattern: /unsupported command error/i, kind: 'fatal', implies: [['stub-failed', 0.45], ['secure-download-mode', 0.4]] },
    // checkCommand's "Failed to <op> failed with status …" / "Only got N bytes of data", by step.
    { pattern: /Failed to (?:enter RAM download mode|write to target RAM|leave RAM download mode|write target memory)/i, kind: 'fatal', step: 'stub', implies: [['stub-failed', 0.7], ['garbled-reply', 0.35]] },
    { pattern: /Failed to enter Flash download mode/i, kind: 'fatal', step: 'write', implies: [['flash-fault', 0.5], ['timeout', 0.4]] },
    { pattern: /Failed to leave (?:Flash|compressed flash) mode/i, kind: 'fatal', step: 'write', implies: [['device-error', 0.5], ['timeout', 0.35]] },
    { pattern: /Failed to read (?:flash|memory)/i, kind: 'fatal', implies: [['timeout', 0.45], ['garbled-reply', 0.4]] },
    { pattern: /Error loading Stub json/i, kind: 'fatal', step: 'stub', implies: [['stub-missing', 0.8]] },
    { pattern: /Unable to verify flash chip connection/i, kind: 'fatal', step: 'connect', implies: [['flash-not-found', 0.4], ['timeout', 0.4]] },
    { pattern: /Could not auto-detect Flash size|SPI command did not complete in time/i, kind: 'fatal', step: 'connect', implies: [['flash-not-found', 0.55], ['flash-fault', 0.35]] },
    // Checks on the files and options before writing: the page's input, not the device.
    { pattern: /File \d+ doesn't fit in the available flash/i, kind: 'fatal', step: 'write', implies: [['file-too-large', 0.85]] },
    { pattern: /Invalid (?:firmware )?image magic/i, kind: 'fatal', step: 'write', implies: [['bad-input', 0.75]] },
    { pattern: /Flash size \S+ is not supported by this chip type/i, kind: 'fatal', step: 'write', implies: [['bad-input', 0.75]] },
    // webserial.ts's reader: nothing at all, or bytes that broke off or do not frame.
    { pattern: /^(?:Error: )?No serial data received/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.7]] },
    { pattern: /Serial data stream stopped/i, kind: 'fatal', implies: [['garbled-reply', 0.6], ['timeout', 0.3]] },
    { pattern: /Invalid SLIP escape|^(?:Error: )?invalid response$/i, kind: 'fatal', implies: [['garbled-reply', 0.65]] },
    // esp-web-flasher's own wordings (the loader ESP Web Tools used before esptool-js).
    { pattern: /Unable to change the baud rate to (\d+)/i, kind: 'fatal', step: 'stub', implies: [['baud-mismatch', 0.75]], facts: (m) => ({ baud: Number(m[1]) }) },
    { pattern: /Changing baud rate is not supported on the ESP8266/i, kind: 'fatal', step: 'stub', implies: [['baud-mismatch', 0.6]] },
    { pattern: /Unknown chip family/i, kind: 'fatal', step: 'connect', implies: [['chip-unsupported-by-tool', 0.6], ['unknown-device', 0.4]] },
    { pattern: /Timed out waiting for packet content/i, kind: 'fatal', implies: [['timeout', 0.6]] },
    { pattern: /Response doesn't match request|Didn't get enough status bytes/i, kind: 'fatal', implies: [['garbled-reply', 0.6], ['timeout', 0.3]] },
    // ESP Web Tools: the page's manifest or firmware files could not be fetched (its 'Downlading' typo included).
    { pattern: /Unable to fetch manifest|Failed to download manifest|Downlo?ading firmware \S+ failed/i, kind: 'fatal', step: 'write', implies: [['file-not-found', 0.75]] },
    { pattern: /Wrong boot mode detected/i, kind: 'fatal', step: 'connect', implies: [['wrong-boot-mode', 0.85]] },
    { pattern: /Detecting chip type\.*\s*([\w-]+)/i, kind: 'progress', step: 'connect', facts: (m) => ({ chip: espChipName(m[1]!) }) },
    { pattern: /^Chip is ([\w-]+)/, kind: 'progress', step: 'connect', facts: (m) => ({ chip: espChipName(m[1]!) }) },
    // esp-web-flasher's progress lines.
    { pattern: /^Chip type ([\w-]+)$/, kind: 'progress', step: 'connect', facts: (m) => ({ chip: espChipName(m[1]!) }) },
    { pattern: /^Attempting to change baud rate to (\d+)/i, kind: 'progress', facts: (m) => ({ baud: Number(m[1]) }) },
    { pattern: /^Writing data with filesize/i, kind: 'progress', step: 'write' },
    { pattern: /^Uploading stub/i, kind: 'progress', step: 'stub' },
    { pattern: /^Running stub|^Stub running/i, kind: 'progress', step: 'stub' },
    { pattern: /^Changed baud rate to (\d+)|^Changing baudrate to (\d+)/i, kind: 'progress', facts: (m) => ({ baud: Number(m[1] ?? m[2]) }) },
    { pattern: /^Writing at (0x[0-9a-f]+)/i, kind: 'progress', step: 'write', facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /Read timeout exceeded|^(?:Error: )?Timeout$|Timeout waiting for/i, kind: 'fatal', implies: [['timeout', 0.6]] },
    { pattern: /MD5 of file does not match/i, kind: 'fatal', step: 'verify', implies: [['verify-mismatch', 0.8]] },
    { pattern: /Invalid head of packet/i, kind: 'fatal', implies: [['garbled-reply', 0.55], ['firmware-owns-uart', 0.3]] },
    // ESP Web Tools: its own words for a port another program holds.
    { pattern: /Serial port is not (?:ready|readable\/writable)\. Close any other application using it/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.85]] },
    { pattern: /The port is already open/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.8]] },
    // Held by another tab or program, or a driver that cannot open it: the browser says the same.
    { pattern: /Failed to open serial port/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.65], ['port-error', 0.55]] },
    { pattern: /No port selected by the user/i, kind: 'fatal', step: 'open-port', implies: [['no-port', 0.7]] },
    { pattern: /^Leaving\.\.\.|^Hard resetting via RTS pin|Installation complete!/i, kind: 'success', step: 'done' },
  ],
};
