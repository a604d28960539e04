import { bekenWiringFirst } from '../../core/boot-entry.js';
import { bekenChipName } from './beken-common.js';
import { hex, type ToolSignatures } from './types.js';

/** openshwprojects/BK7231GUIFlashTool ("BK7231 Easy UART Flasher"): its log window. */
export const bk7231gui: ToolSignatures = {
  tool: 'bk7231gui',
  banners: [
    { pattern: /BK7231 ?(?:GUI|Easy)? ?(?:UART )?Flash(?:er| ?Tool)(?:\s+v?(\d+\.\d+\.\d+))?/i, version: (m) => m[1] },
    { pattern: /^Flasher mode: BK\w+/i },
    { pattern: /^Getting bus\.\.\. \(now, please do reboot by CEN/i },
    // Its knock-loop line, however users quote it ("getting bus failed", "Getting bus... failed").
    { pattern: /^Getting bus\W*failed\b/i },
  ],
  signatures: [
    { pattern: /^Flasher mode: (BK\w+)/i, kind: 'info', facts: (m) => ({ chip: bekenChipName(m[1]!) }) },
    { pattern: /Going to open port: (\w+|\/dev\/\S+?)\.?$/i, kind: 'info', step: 'open-port', facts: (m) => ({ port: m[1] }) },
    { pattern: /^Serial port open!/i, kind: 'progress', step: 'open-port' },
    { pattern: /Getting bus\W*failed/i, kind: 'attempt', step: 'connect' },
    { pattern: /^Reminder: you should do a device reboot now/i, kind: 'attempt', step: 'connect' },
    // After 100 knocks with reboot reminders: a wiring fault more than a missed reset.
    { pattern: /^Failed to get bus!?$/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.7], ['boot-window-missed', 0.4]], lead: () => bekenWiringFirst() },
    { pattern: /^Failed to open serial port!?$/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.6], ['port-not-found', 0.4]] },
    // Message inventory of BK7231Flasher.cs / BaseFlasher.cs (addLog lines) not covered above.
    { pattern: /^Open serial failed!?|^Failed to open (?:COM\d+|\/dev\/\S+)|^Port setup failed with/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.6], ['port-not-found', 0.4]] },
    { pattern: /Failed to toggle CEN - is CH341 connected/i, kind: 'fatal', step: 'open-port', implies: [['port-error', 0.55]] },
    { pattern: /^No filename given!?/i, kind: 'fatal', implies: [['bad-input', 0.8]] },
    { pattern: /protected bootloader overwriting attempt detected|Out of range write\/erase attempt detected/i, kind: 'fatal', step: 'write', implies: [['bootloader-guard', 0.8]] },
    { pattern: /Maybe you have wrong chip type set\?/i, kind: 'fatal', step: 'connect', implies: [['unknown-chip', 0.65]] },
    { pattern: /Failed to find flash def for device MID/i, kind: 'warning', step: 'connect', implies: [['unsupported', 0.4]], note: 'The tool does not know this flash chip (its MID); it may still work with defaults, or need a newer tool version.' },
    { pattern: /Failed to read device MID!?|CheckRespond_FlashGetMID: bad value returned|Failed to get chip ID!?/i, kind: 'fatal', step: 'connect', implies: [['garbled-reply', 0.5], ['flash-not-found', 0.35], ['timeout', 0.3]] },
    { pattern: /Still no reply - maybe you need to pull BOOT pin down/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.6], ['boot-window-missed', 0.45]] },
    { pattern: /Erase verify error\? Flash was not full of 0xFF|Unprotect .*failed because ReadFlashSR failed|CheckRespond_Flash(?:Read|Write)SR: bad value returned/i, kind: 'fatal', step: 'erase', implies: [['flash-protected', 0.7], ['timeout', 0.3]] },
    { pattern: /^Erase failed\.?$|Full chip erase (?:failed|timed out)/i, kind: 'fatal', step: 'erase', implies: [['timeout', 0.45], ['flash-protected', 0.3]] },
    { pattern: /^Write sector failed!?|^Writing error!?|Flash write timed out|flash_program: failed to flash|CheckRespond_FlashWrite(?:4K)?: bad value returned/i, kind: 'fatal', step: 'write', implies: [['timeout', 0.45], ['garbled-reply', 0.3]] },
    { pattern: /^Reading failed\.?$|^Read failed\??$|flash size detection failed \(could not read base page\)/i, kind: 'fatal', step: 'read', implies: [['timeout', 0.45], ['garbled-reply', 0.3]] },
    { pattern: /^Bad CRC!?|did not match our CRC|Loaded data was different than the written one/i, kind: 'fatal', step: 'verify', implies: [['verify-mismatch', 0.65]] },
    { pattern: /Data is entirely filled with 0xff/i, kind: 'fatal', step: 'read', implies: [['flash-not-found', 0.5], ['nothing-written', 0.3]] },
    { pattern: /answering as BL2; this flasher operation requires the BootROM/i, kind: 'warning', step: 'connect', note: 'The chip answered from its second-stage loader (BL2), not the BootROM: reset it by CEN or power while the tool is linking so the BootROM answers.' },
    { pattern: /^Getting bus\.\.\. \(now, please do reboot/i, kind: 'attempt', step: 'connect' },
    { pattern: /Getting bus success!/i, kind: 'progress', step: 'connect' },
    { pattern: /Going to set baud rate setting \((\d+)\)/i, kind: 'progress', step: 'connect', facts: (m) => ({ baud: Number(m[1]) }) },
    { pattern: /Failed to set baud rate/i, kind: 'fatal', step: 'connect', implies: [['baud-mismatch', 0.6], ['garbled-reply', 0.35], ['brownout-suspected', 0.25]] },
    { pattern: /Flash MID loaded: (000000|FFFFFF)\b/i, kind: 'warning', step: 'connect', implies: [['flash-not-found', 0.75]], facts: (m) => ({ flashId: m[1]!.toUpperCase() }), note: 'The flash ID reads 000000/FFFFFF: the flash chip does not answer.' },
    { pattern: /Flash MID loaded: ([0-9A-F]+)/i, kind: 'progress', step: 'connect', facts: (m) => ({ flashId: m[1]!.toUpperCase() }) },
    { pattern: /Data is entirely filled with 0x00/i, kind: 'fatal', step: 'read', implies: [['flash-not-found', 0.65]] },
    // Before the progress rows: the GUI prints a failure at the end of a line of "ok!" items.
    { pattern: /failed with serial\.BytesToRead 0\b/i, kind: 'fatal', implies: [['timeout', 0.5], ['garbled-reply', 0.3]] },
    // Part of the reply arrived: cut short rather than missing.
    { pattern: /failed with serial\.BytesToRead (\d+)/i, kind: 'fatal', implies: [['garbled-reply', 0.5], ['timeout', 0.3]] },
    { pattern: /CheckRespond_\w+: ERROR/i, kind: 'fatal', implies: [['timeout', 0.45]] },
    { pattern: /Writing sector (\d+) failed!/i, kind: 'fatal', step: 'write', implies: [['timeout', 0.45]], facts: (m) => ({ address: Number(m[1]) }) },
    { pattern: /Erasing sector (\d+) failed!?/i, kind: 'fatal', step: 'erase', implies: [['timeout', 0.45]], facts: (m) => ({ address: Number(m[1]) }) },
    { pattern: /Writing sector (0x[0-9A-F]+)\.\.\. ok!/i, kind: 'progress', step: 'write', repeat: true, facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /Erasing sector (\d+)\.\.\. ok!/i, kind: 'progress', step: 'erase', repeat: true, facts: (m) => ({ address: Number(m[1]) }) },
    { pattern: /Reading (0x[0-9A-F]+)\.\.\. Ok!/i, kind: 'progress', step: 'read', repeat: true, facts: (m) => ({ address: hex(m[1]!) }) },
    { pattern: /The beginning of buffer in UART contains/i, kind: 'info' },
    { pattern: /CRC mismatch!?/i, kind: 'fatal', step: 'verify', implies: [['verify-mismatch', 0.65]] },
    { pattern: /Writing file data to chip failed|There was no result to save/i, kind: 'fatal' },
    { pattern: /Writing file data to chip successful|CRC matches|All done!?$|Flashing (?:finished|done)/i, kind: 'success', step: 'done' },
  ],
};
