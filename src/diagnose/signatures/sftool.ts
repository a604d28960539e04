import { hex, type ToolSignatures } from './types.js';

/** OpenSiFli/sftool 0.1.x–0.2.x (Rust): spinner lines `[0xNN] …`, `Error:` lines and panics. */
export const sftool: ToolSignatures = {
  tool: 'sftool',
  banners: [
    { pattern: /\bsftool(?:\.exe)?\b(?:\s+v?(\d+\.\d+\.\d+))?/i, version: (m) => m[1] },
    { pattern: /sftool-lib[\\/]src[\\/]/ },
  ],
  signatures: [
    { pattern: /Failed to connect to the chip, retrying/i, kind: 'attempt', step: 'connect' },
    { pattern: /Connecting to chip\.\.\./i, kind: 'attempt', step: 'connect' },
    // The SF32 debug UART doubles as the firmware console: a chip that never answers is most often
    // running firmware that took the pins; power-cycling into the ROM window fixes both.
    { pattern: /Failed to download stub:.*Failed to connect to the chip|Failed to connect to the chip/i, kind: 'fatal', step: 'connect', implies: [['firmware-owns-uart', 0.55], ['no-response', 0.5], ['boot-window-missed', 0.35]] },
    { pattern: /Invalid frame (?:end|header|start|length)/i, kind: 'fatal', step: 'connect', implies: [['no-sync-reply', 0.5], ['garbled-reply', 0.4]] },
    { pattern: /Receive data timeout/i, kind: 'fatal', implies: [['timeout', 0.55], ['brownout-suspected', 0.4]] },
    // The tool refused an input before talking to the flash: a raw file given as file@address should
    // always be accepted, so a refusal by file type is the tool's (a regression in some 0.1.x versions).
    { pattern: /Failed to parse file (\S+?)@(0x[0-9a-f]+):.*(?:Unrecognized|Unsupported|Unknown) file (?:type|format)/i, kind: 'fatal', step: 'write', implies: [['tool-outdated', 0.7], ['bad-input', 0.5]], lead: () => 'sftool refused the file by its type before writing anything (the device is fine): a raw image given as file@address should be accepted, so use another sftool version (0.1.14 rejects unknown extensions; 0.1.12 or a fixed release writes it), or give the data as a .bin file.' },
    { pattern: /Failed to parse file|(?:Unrecognized|Unsupported|Unknown) file (?:type|format)|Invalid (?:file|address) format|No such file or directory \(os error 2\).*\.(?:bin|hex|elf)/i, kind: 'fatal', step: 'write', implies: [['bad-input', 0.75]] },
    // Message inventory of sftool-lib/src/error.rs and the Error::protocol/timeout/invalid_input calls (0.1.x–0.2.x).
    { pattern: /Embedded stub file not found|embedded asset `[^`]*` not found/i, kind: 'fatal', step: 'stub', implies: [['stub-missing', 0.85]] },
    { pattern: /^Failed to download stub$|Failed to download stub(?!:.*Failed to connect)/i, kind: 'fatal', step: 'stub', implies: [['stub-failed', 0.65], ['timeout', 0.3]] },
    { pattern: /unsupported chip: /i, kind: 'fatal', implies: [['unsupported', 0.75]] },
    { pattern: /Invalid (?:chip type|address|size|format|region format|hex string|erase_flash|erase_region|read_flash|write_flash|before operation|after operation)\b|ELF files do not support @address|Intel HEX parse error|ELF parse error|invalid input: |does not accept k\/M\/G suffix|Failed to load config file|configuration error: /i, kind: 'fatal', implies: [['bad-input', 0.75]] },
    { pattern: /Port must be specified either via --port/i, kind: 'fatal', step: 'open-port', implies: [['no-port', 0.7]] },
    { pattern: /Failed to get available ports list/i, kind: 'fatal', step: 'open-port', implies: [['port-error', 0.55]] },
    { pattern: /No stub file found/i, kind: 'fatal', step: 'stub', implies: [['stub-missing', 0.85]] },
    { pattern: /Download stub failed/i, kind: 'fatal', step: 'stub', implies: [['stub-failed', 0.7]] },
    { pattern: /kind: NotFound|The system cannot find the file specified|No such file or directory \(os error 2\)/i, kind: 'fatal', step: 'open-port', implies: [['port-not-found', 0.75]] },
    { pattern: /kind: ResourceBusy|Device or resource busy/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.8]] },
    { pattern: /kind: PermissionDenied|Permission denied/i, kind: 'fatal', step: 'open-port', implies: [['port-permission', 0.75]] },
    { pattern: /Access is denied/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.75]] },
    { pattern: /Connected success!/i, kind: 'progress', step: 'connect' },
    { pattern: /Download(?:ing RAM)? stub\.\.\./i, kind: 'progress', step: 'stub' },
    { pattern: /Download stub success!/i, kind: 'progress', step: 'stub' },
    { pattern: /Checking whether a re-download is necessary at address (0x[0-9a-f]+)/i, kind: 'progress', step: 'write', facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /Download at (0x[0-9a-f]+)/i, kind: 'progress', step: 'write', facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /Downloaded successfully for|No need to re-download, skip!/i, kind: 'progress', step: 'write' },
    { pattern: /write flash failed to start at (0x[0-9a-f]+)/i, kind: 'fatal', step: 'write', implies: [['device-error', 0.5], ['stub-missing', 0.45], ['flash-not-found', 0.3]], facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /Download failed: /, kind: 'fatal', step: 'write', implies: [['timeout', 0.45], ['device-error', 0.3]] },
    { pattern: /Verifying data\.\.\./i, kind: 'progress', step: 'verify' },
    { pattern: /Verify failed/i, kind: 'fatal', step: 'verify', implies: [['verify-mismatch', 0.8]] },
    { pattern: /Erase (?:region )?failed/i, kind: 'fatal', step: 'erase', implies: [['device-error', 0.55]] },
    { pattern: /Erasing (?:entire flash|region|all flash regions)/i, kind: 'progress', step: 'erase' },
    { pattern: /Reading from (0x[0-9a-f]+)/i, kind: 'progress', step: 'read', facts: (m) => ({ address: hex(m[1]!) }) },
    // After the wrapper rows above (Download stub failed:, Download failed:, Erase failed: …), which name the step.
    { pattern: /Received Fail response/i, kind: 'fatal', implies: [['device-error', 0.6]] },
    { pattern: /Received unknown response code|invalid response (?:code|length)|protocol error: (?:invalid|unexpected) response|unexpected response: |Received empty payload data|invalid frame (?:length|channel)/i, kind: 'fatal', implies: [['garbled-reply', 0.6], ['timeout', 0.25]] },
    { pattern: /CRC mismatch: expected (?:0x)?[0-9a-f]+, got (?:0x)?[0-9a-f]+/i, kind: 'fatal', step: 'verify', implies: [['verify-mismatch', 0.6], ['garbled-reply', 0.35]] },
    { pattern: /Failed to enter debug mode/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.55], ['firmware-owns-uart', 0.35]] },
    { pattern: /^Read failed: /i, kind: 'fatal', step: 'read', implies: [['timeout', 0.5], ['garbled-reply', 0.3]] },
    { pattern: /Re-download check failed/i, kind: 'fatal', step: 'write', implies: [['timeout', 0.45], ['garbled-reply', 0.3]] },
    { pattern: /timeout while (?:receiving UART frame|waiting for)|Receive timeout: \d+ seconds|Error reading frame start marker|Failed to read (?:payload data|length bytes|channel and CRC bytes|reserved bytes|timestamp bytes)/i, kind: 'fatal', implies: [['timeout', 0.6], ['brownout-suspected', 0.3]] },
    // After a finished write: only the reset into the new firmware failed.
    { pattern: /Failed to perform post-operation soft reset/i, kind: 'warning', note: 'Only the reset after the operation failed: the flash work itself finished. Reset the board by hand.' },
    { pattern: /^SFBL$|receive boot info, stop it|enter boot mode flow success/i, kind: 'progress', step: 'connect' },
    { pattern: /Verify success!|Read complete|Erase complete|All flash regions erased/i, kind: 'success', step: 'done' },
  ],
};
