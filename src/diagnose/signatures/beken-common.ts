import { BEKEN_CHIP_RECORDS } from '../../chips/beken.js';
import { hex, type LogFacts, type Signature } from './types.js';

/**
 * Lines of the bk7231tools protocol layer. ltchiptool flashes BK72xx through bk7231tools, so both
 * tables share these rows.
 */
export const bekenProtocolRows: readonly Signature[] = [
  // Retries: the reason in brackets says what failed; where it failed feeds the pattern rules.
  { pattern: /(?:Erasing|Writing 4k) failure @ (0x[0-9a-f]+) \(Erase failed - flash protected/i, kind: 'retry', step: 'erase', implies: [['flash-protected', 0.85]], facts: addr },
  { pattern: /Writing 4k failure @ (0x[0-9a-f]+) \(Chip CRC value.*\), retrying/i, kind: 'retry', step: 'write', implies: [['verify-mismatch', 0.2]], facts: addr },
  { pattern: /Writing 4k failure @ (0x[0-9a-f]+).*, retrying \(attempt \d+\)/i, kind: 'retry', step: 'write', implies: [['timeout', 0.2]], facts: addr },
  { pattern: /Erasing failure @ (0x[0-9a-f]+).*, retrying \(attempt \d+\)/i, kind: 'retry', step: 'erase', implies: [['timeout', 0.2]], facts: addr },
  { pattern: /Reading failure @ (0x[0-9a-f]+).*, retrying \(attempt \d+\)/i, kind: 'retry', step: 'read', implies: [['timeout', 0.2]], facts: addr },
  { pattern: /Connected! Chip info: .*Flash ID: (00 00 00|ff ff ff)\b/i, kind: 'warning', step: 'connect', implies: [['flash-not-found', 0.75]], facts: bekenInfo, note: 'The flash ID reads 000000/FFFFFF: the flash chip does not answer.' },
  { pattern: /Connected! Chip info: /i, kind: 'progress', step: 'connect', facts: bekenInfo },
  { pattern: /BkLinkCheckCmnd\(\)/, kind: 'attempt', step: 'connect' },
  { pattern: /BkLinkCheckResp\(/, kind: 'progress', step: 'connect' },
  // bk7231tools 2.x / ltchiptool refusals of the request itself (cmd_hl_flash.py, cmd_ll_chip.py, ltchiptool bk72xx/flash.py).
  { pattern: /Start address not on 4K boundary|Offset and length must be 4-byte aligned/i, kind: 'fatal', step: 'write', implies: [['misaligned-address', 0.8]] },
  { pattern: /Input data is larger than flash memory size/i, kind: 'fatal', step: 'write', implies: [['file-too-large', 0.8]] },
  { pattern: /Read length (?:0x)?[0-9a-f]+ is larger than flash memory size|Start and end must differ|Start must be lesser than end/i, kind: 'fatal', implies: [['bad-input', 0.75]] },
  { pattern: /Only BK7231N has built-in ROM|Memory type not readable via UART/i, kind: 'fatal', implies: [['unsupported', 0.8]] },
  { pattern: /Couldn't detect flash chip size/i, kind: 'fatal', step: 'connect', implies: [['flash-not-found', 0.5], ['garbled-reply', 0.3]] },
  { pattern: /Invalid data length received: \d+/i, kind: 'fatal', step: 'read', implies: [['garbled-reply', 0.55], ['timeout', 0.3]] },
  // The chip acknowledged the page write but stored fewer bytes: a write-protected or failing flash.
  { pattern: /Writing failed; wrote only \d+ bytes/i, kind: 'fatal', step: 'write', implies: [['flash-protected', 0.5], ['device-error', 0.4]] },
  // A real flash ID the tool's status-register table lacks: newer bk7231tools know more chips.
  { pattern: /Flash ID not known: (?!0+\b|f+\b)[0-9a-f]+/i, kind: 'fatal', step: 'write', implies: [['tool-outdated', 0.6], ['unsupported', 0.45]] },
  { pattern: /Timed out attempting to link with chip|Timeout while linking|Failed to connect|Cannot link with chip/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.65], ['boot-window-missed', 0.5]] },
  { pattern: /Unknown bootloader CRC - (0x[0-9a-f]+)/i, kind: 'warning', step: 'connect', note: '"Unknown bootloader CRC" is only a warning: the tool carries on and identifies the chip another way. It is not the cause of a failure.' },
  { pattern: /CRC mismatch while checking chip type/i, kind: 'fatal', step: 'connect', implies: [['unknown-device', 0.5], ['garbled-reply', 0.35]] },
  { pattern: /Erase failed - flash protected/i, kind: 'fatal', step: 'erase', implies: [['flash-protected', 0.9]] },
  { pattern: /Writing Status Register failed: wrote (0x[0-9a-f]+), got (0x[0-9a-f]+)/i, kind: 'fatal', step: 'write', implies: [['flash-protected', 0.8]] },
  { pattern: /Flash ID not known/i, kind: 'fatal', step: 'write', implies: [['unknown-device', 0.5], ['flash-protected', 0.3]] },
  { pattern: /Chip CRC value 0 does not match/i, kind: 'fatal', step: 'verify', implies: [['timeout', 0.55], ['brownout-suspected', 0.35]] },
  { pattern: /Chip CRC value (?:0x)?[0-9a-f]+ does not match/i, kind: 'fatal', step: 'verify', implies: [['verify-mismatch', 0.75]] },
  { pattern: /Incomplete response read: (\d+) != (\d+)/i, kind: 'fatal', implies: [['garbled-reply', 0.55], ['timeout', 0.3]] },
  { pattern: /Invalid response data payload/i, kind: 'fatal', implies: [['garbled-reply', 0.55]] },
  { pattern: /Non-zero status code:.*status=10\b/i, kind: 'fatal', implies: [['flash-protected', 0.8]] },
  { pattern: /Non-zero status code/i, kind: 'fatal', implies: [['device-error', 0.6]] },
  { pattern: /Reading length .* more than chip capacity/i, kind: 'fatal', implies: [['flash-not-found', 0.6]] },
  { pattern: /(?:ValueError: )?No response received/i, kind: 'fatal', implies: [['timeout', 0.55]] },
  { pattern: /The current command timeout of .* is too low/i, kind: 'warning', note: 'The "command timeout is too low" line is a harmless warning: the tool raised its own timeout.' },
  { pattern: /Erasing and writing at (0x[0-9a-f]+)/i, kind: 'progress', step: 'write', facts: addr },
  { pattern: /Writing \d+ bytes to (0x[0-9a-f]+)|Trying to unprotect flash memory/i, kind: 'progress', step: 'write' },
  { pattern: /Checking block (?:pre|post)-erase|Deferring, block/i, kind: 'progress', step: 'erase' },
  { pattern: /Reading 4k page at (0x[0-9a-f]+)/i, kind: 'progress', step: 'read', facts: addr },
];

/** `0x7231c` → `bk7231n`: the chip ids the tools print, from the chip records (the first row of a shared id). */
const BEKEN_CHIP_IDS: Readonly<Record<string, string>> = Object.fromEntries(
  BEKEN_CHIP_RECORDS.flatMap((c) => (c.chipId === undefined ? [] : [[`0x${c.chipId.toString(16)}`, c.name]])).reverse(),
);

/** `Chip info: BK7231N` or `Chip info: 0x7231c`, plus the flash ID. */
export function bekenInfo(m: RegExpExecArray): LogFacts {
  const line = m.input;
  const facts: LogFacts = {};
  const c = /Chip info:\s*(\S+?)\s*(?:\/|$)/i.exec(line);
  if (c) facts.chip = bekenChipName(c[1]!);
  const f = /Flash ID:\s*([0-9a-f]{2}) ([0-9a-f]{2}) ([0-9a-f]{2})/i.exec(line);
  if (f) facts.flashId = `${f[1]}${f[2]}${f[3]}`.toUpperCase();
  return facts;
}

export function bekenChipName(raw: string): string | undefined {
  const s = raw.trim().toLowerCase();
  if (BEKEN_CHIP_IDS[s]) return BEKEN_CHIP_IDS[s];
  const m = /^(?:beken\s*|bk)?(72\d\d[a-z]?)$/.exec(s.replace(/[-_\s]/g, ''));
  return m ? `bk${m[1]}` : undefined;
}

function addr(m: RegExpExecArray): LogFacts {
  return { address: hex(m[1]!) };
}
