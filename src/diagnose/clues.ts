/**
 * Clues that no single tool's message carries but any log can hold: the ESP ROM boot banner (which
 * strapping state the chip saw), a baud change right before the failure, the compression ratio of a
 * write that timed out near its end, a flash digest equal to erased flash, a chip the flasher does
 * not know. Each clue is a rule over the lines of the run that failed; it yields evidence for the
 * reasoner and facts for the suggested command.
 */
import { strapMeaning } from '../core/boot-entry.js';
import { findContextClues, type ContextClueId } from './context-clues.js';
import type { Evidence } from './reason.js';
import type { Step } from './signatures/types.js';

export type ClueId =
  | 'boot-banner-flash' | 'boot-banner-download' | 'baud-switch' | 'compressed-write' | 'erased-digest' | 'chip-unknown-to-tool'
  | 'native-usb' | 'old-tool-native-usb' | 'macos-cdc-bridge' | ContextClueId;

export interface ClueInput {
  /** Lines with prefixes stripped, and the raw lines for quoting. */
  lines: readonly string[];
  raw: readonly string[];
  /** Index of the last successful end (-1 when none) and of the last fatal line (-1 when none). */
  lastSuccess: number;
  lastFatal: number;
  /** The tool reached the chip (a reply, chip facts) in the failed run. */
  connected: boolean;
  chip?: string;
  tool: string;
  /** The tool's version, when the log prints it. */
  version?: string;
}

export interface Clues {
  evidence: Evidence[];
  found: Set<ClueId>;
  /** The baud the link failed at, right after switching to it. */
  failedBaud?: number;
  /** A first step that applies whatever the link failure is (e.g. the driver that cannot work). */
  linkLead?: string;
}

/** Baud changes as the tools print them. */
const BAUD_SWITCH = /(?:Changing|change) baud ?rate to (\d+)|Changed baud ?rate to (\d+)|Going to set baud rate setting \((\d+)\)|Setting baud ?rate to (\d+)|Switching to (\d+) baud/i;
/** Lines that show data moving (a write, read or erase step completed). */
const DATA_MOVED = /^Writing at 0x|^Wrote \d+|^Read \d+|^Reading 0x[0-9a-f]+\.\.\. Ok|Writing sector 0x[0-9a-f]+\.\.\. ok|^Erasing sector \d+\.\.\. ok|\(\d+ ?%\)|Erasing and writing at|Reading 4k page at|Download at 0x/i;
const COMPRESSED = /Compressed (\d+) bytes to (\d+)/i;
const PERCENT = /\((\d+) ?%\)/;
const TIMED_OUT = /Timed out|Timeout|No serial data received|timed out waiting/i;
const ROM_BANNER = /rst:0x[0-9a-f]+ \([A-Z_0-9]+\),\s*boot:(0x[0-9a-f]+) \(([A-Z_0-9]+)/i;
const ESP8266_BANNER = /boot mode:\((\d),(\d)\)/;
/** Beken chips that the BK7231 flashers added late or not at all; older versions time out linking them. */
const LATE_BEKEN = new Set(['bk7238', 'bk7236', 'bk7252n', 'bk7258', 'bk7231m']);
const BEKEN_TOOLS = new Set(['bk7231tools', 'ltchiptool', 'bk7231gui']);

export function findClues(input: ClueInput): Clues {
  const out: Clues = { evidence: [], found: new Set() };
  const { lines, raw } = input;
  const start = input.lastSuccess + 1;
  const end = input.lastFatal >= 0 ? input.lastFatal : lines.length - 1;
  if (end < start) return out;
  const add = (id: ClueId, e: Omit<Evidence, 'order'> & { order?: number }): void => {
    out.found.add(id);
    out.evidence.push({ order: e.order ?? end, ...e });
  };
  const quote = (i: number): string => raw[i]!.trim().slice(0, 200);

  bootBanner(input, start, end, add, quote);
  baudSwitch(input, start, end, add, quote, out);
  compressedWrite(input, start, end, add);
  erasedDigest(input, start, end, add);
  chipUnknownToTool(input, start, end, add);
  nativeUsb(input, start, end, add, out);
  macosCdcBridge(input, start, end, out);
  findContextClues(input, add);
  return out;
}

type Add = (id: ClueId, e: Omit<Evidence, 'order'> & { order?: number }) => void;

/** The ROM banner says which strapping state the chip saw at its last reset. */
function bootBanner(input: ClueInput, start: number, end: number, add: Add, quote: (i: number) => string): void {
  if (input.connected) return;
  for (let i = end; i >= start; i--) {
    const line = input.lines[i]!;
    const rom = ROM_BANNER.exec(line);
    const e8266 = rom ? undefined : ESP8266_BANNER.exec(line);
    if (!rom && !e8266) continue;
    const download = rom ? /DOWNLOAD|UART/i.test(rom[2]!) && !/SPI_DOWNLOAD/i.test(rom[2]!) : e8266![1] === '1';
    const flash = rom ? /FLASH/i.test(rom[2]!) : e8266![1] === '3';
    if (download) {
      add('boot-banner-download', {
        code: 'no-sync-reply', weight: 0.85, step: 'connect', order: i,
        text: `${quote(i)} — ${strapMeaning(input.chip, true)}, yet the tool got no reply: the line from the adapter to the chip, or the port, is the problem.`,
      });
    } else if (flash) {
      add('boot-banner-flash', {
        code: 'wrong-boot-mode', weight: 0.85, step: 'connect', order: i,
        text: `${quote(i)} — ${strapMeaning(input.chip, false)}.`,
      });
    }
    return;
  }
}

/** A link that fails on the first exchange after a baud change cannot carry that baud. */
function baudSwitch(input: ClueInput, start: number, end: number, add: Add, quote: (i: number) => string, out: Clues): void {
  if (input.lastFatal < 0) return;
  for (let i = end; i >= start; i--) {
    const m = BAUD_SWITCH.exec(input.lines[i]!);
    if (!m) continue;
    const baud = Number(m.slice(1).find((g) => g !== undefined));
    if (!(baud > 115200)) return;
    const moved = input.lines.slice(i + 1, end + 1).some((l) => DATA_MOVED.test(l));
    if (moved) return;
    out.failedBaud = baud;
    add('baud-switch', {
      code: 'baud-mismatch', weight: 0.75, step: 'connect',
      text: `${quote(i)} — the next exchange failed before any data moved at ${baud} baud: the adapter, cable or wiring cannot carry that rate.`,
    });
    return;
  }
}

/**
 * esptool sized its per-block timeout by the compressed data: a very compressible image (mostly
 * empty) made the flash work of one block outlast it, near the end of the write (esptool #183, #581).
 */
function compressedWrite(input: ClueInput, start: number, end: number, add: Add): void {
  if (input.lastFatal < 0 || !TIMED_OUT.test(input.lines[input.lastFatal]!)) return;
  let at = -1;
  let ratio = 0;
  for (let i = end; i >= start; i--) {
    const m = COMPRESSED.exec(input.lines[i]!);
    if (!m) continue;
    at = i;
    ratio = Number(m[1]) / Math.max(1, Number(m[2]));
    break;
  }
  if (at < 0 || ratio < 4) return;
  let percent = -1;
  let wrote = false;
  for (let i = at; i <= end; i++) {
    const line = input.lines[i]!;
    const p = PERCENT.exec(line);
    if (p) percent = Number(p[1]);
    if (/\bWrote \d+ bytes/i.test(line)) wrote = true;
  }
  if (!wrote && percent < 90) return;
  add('compressed-write', {
    code: 'compressed-write-timeout', weight: ratio >= 8 ? 0.88 : 0.55, step: 'write',
    text: `The image compressed ${Math.round(ratio)}:1 and the write timed out ${wrote ? 'after the last block was sent' : `at ${percent} %`}: the tool's timeout followed the compressed size, not the flash work.`,
  });
}

/** esptool prints the digest of erased flash next to the flash digest when they are equal: nothing was written. */
function erasedDigest(input: ClueInput, start: number, end: number, add: Add): void {
  let flash: string | undefined;
  for (let i = start; i <= Math.min(end + 2, input.lines.length - 1); i++) {
    const line = input.lines[i]!;
    const f = /^Flash md5: ([0-9a-f]{32})/i.exec(line);
    if (f) flash = f[1]!.toLowerCase();
    const ff = /^MD5 of 0xFF is ([0-9a-f]{32})/i.exec(line);
    if (ff && flash === ff[1]!.toLowerCase()) {
      add('erased-digest', { code: 'nothing-written', weight: 0.9, step: 'verify', order: i, text: `${line} — the same as the flash: the flash still reads erased, nothing reached it.` });
      return;
    }
  }
}

/** A Beken flasher linking a chip its version does not know times out like a missed reset. */
function chipUnknownToTool(input: ClueInput, start: number, end: number, add: Add): void {
  if (!BEKEN_TOOLS.has(input.tool) || input.lastFatal < 0) return;
  const step: Step = 'connect';
  if (input.chip && LATE_BEKEN.has(input.chip)) {
    add('chip-unknown-to-tool', {
      code: 'chip-unsupported-by-tool', weight: 0.7, step,
      text: `The chip is a ${input.chip.toUpperCase()}: older versions of ${input.tool} do not know it and time out linking or detecting it.`,
    });
    return;
  }
  for (let i = end; i >= start; i--) {
    if (!/Detecting chip type|Getting chip type|Reading chip type|chip type\.\.\./i.test(input.lines[i]!)) continue;
    if (end - i <= 3 && TIMED_OUT.test(input.lines.slice(i + 1, end + 1).join('\n'))) {
      add('chip-unknown-to-tool', {
        code: 'chip-unsupported-by-tool', weight: 0.6, step,
        text: `${input.lines[i]} — the link worked, then the chip type query timed out: this ${input.tool} version may not know the chip.`,
      });
    }
    return;
  }
}

/** Chips whose own USB port (USB-Serial/JTAG or USB-OTG) can be the flashing port. */
const NATIVE_USB_CHIPS = new Set(['esp32s2', 'esp32s3', 'esp32c3', 'esp32c5', 'esp32c6', 'esp32c61', 'esp32h2', 'esp32p4']);
const ESPRESSIF_VID = /VendorID 0x303a|VID:PID=303A|\b303a:[0-9a-f]{4}\b/i;
/** Flashers whose early versions timed out over the chips' USB-Serial/JTAG (esptool-js #41/#47, espflash #171/#200). */
const NATIVE_USB_FIXED_LATER = new Set(['esptool-js', 'espflash']);

/**
 * The chip's own USB port: Espressif's USB ids, or a CDC-ACM port on a chip that has one. Early
 * esptool-js and espflash versions lost replies there (stub upload, register writes) — fixed in
 * later releases, so a timeout there before any data moved points to the tool version.
 */
function nativeUsb(input: ClueInput, start: number, end: number, add: Add, out: Clues): void {
  const text = input.lines.slice(Math.max(0, start), end + 1);
  const byId = text.some((l) => ESPRESSIF_VID.test(l));
  const byPort = text.some((l) => /\/dev\/ttyACM\d|\/dev\/cu\.usbmodem/i.test(l)) && input.chip !== undefined && NATIVE_USB_CHIPS.has(input.chip);
  if (!byId && !byPort) return;
  out.found.add('native-usb');
  if (!NATIVE_USB_FIXED_LATER.has(input.tool) || input.lastFatal < 0 || !input.connected) return;
  const failure = input.lines[input.lastFatal]!;
  if (!/Timeout|timed out/i.test(failure)) return;
  // esptool-js before 0.2 timed out anywhere over native USB (stub, erase, blocks: esptool-js #38,
  // #41, #47, #66); later espflash versions only early, before any data moved.
  const oldEsptoolJs = input.tool === 'esptool-js' && (input.version === undefined || /^0\.1\b|^0\.0\b|dev/.test(input.version));
  const moved = text.some((l) => DATA_MOVED.test(l));
  if (input.tool === 'esptool-js' ? !oldEsptoolJs : moved) return;
  add('old-tool-native-usb', {
    code: 'tool-outdated', weight: 0.9, step: 'stub', explains: ['timeout'],
    text: `${failure.trim()} — over the chip's own USB port, right after connecting: early ${input.tool} versions lose replies there (fixed in later releases).`,
  });
}

/**
 * macOS names a port /dev/cu.usbmodem… when its own CDC driver runs it. A chip without native USB
 * behind such a port is a WCH bridge (CH34x/CH9102) on Apple's driver, which fails under load;
 * the vendor driver gives /dev/cu.wchusbserial….
 */
function macosCdcBridge(input: ClueInput, start: number, end: number, out: Clues): void {
  if (!input.chip || NATIVE_USB_CHIPS.has(input.chip)) return;
  const port = input.lines.slice(Math.max(0, start), end + 1).find((l) => /\/dev\/cu\.usbmodem/i.test(l));
  if (!port) return;
  out.found.add('macos-cdc-bridge');
  out.linkLead = `macOS runs this adapter with its built-in CDC driver (${/\/dev\/cu\.usbmodem\w*/i.exec(port)![0]}), but the ${input.chip.toUpperCase()} has no USB of its own, so it is a WCH bridge: install the WCH driver (CH34xVCPDriver) and use the /dev/cu.wchusbserial… port it creates.`;
}
