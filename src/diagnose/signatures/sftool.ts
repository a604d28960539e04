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
    { pattern: /^SFBL$|receive boot info, stop it|enter boot mode flow success/i, kind: 'progress', step: 'connect' },
    { pattern: /Verify success!|Read complete|Erase complete|All flash regions erased/i, kind: 'success', step: 'done' },
  ],
};
