/**
 * Clues where something else in the log contradicts, or sharpens, what the failing line alone
 * would suggest: a ROM banner that shows SPI download boot, a SiFli handshake that connected and
 * then replied garbage, a Beken bus that was never obtained, a pre-release web flasher, a chip
 * named only in a file name, a write that broke off part-way, a printable "head of packet" byte
 * that is ROM boot text, a stub upload failing on a chip behind a UART bridge, and a port that was
 * never given. Each rule reads the lines of the run that failed and yields evidence (with the first
 * step to take) for the reasoner.
 */
import { bekenWiringFirst, bootStrapPin, manualBootEntry, otherStraps } from '../core/boot-entry.js';
import type { ClueInput } from './clues.js';
import type { Evidence } from './reason.js';

export type ContextClueId =
  | 'spi-download-boot' | 'handshake-garbage' | 'bus-never-obtained' | 'pre-release-tool' | 'chip-in-file-name'
  | 'write-broke-off' | 'rom-text-at-connect' | 'stub-on-uart-bridge' | 'port-not-given' | 'garbled-mid-write'
  | 'legacy-port-silent' | 'beken-sector-failed' | 'web-connect-hang';

type Add = (id: ContextClueId, e: Omit<Evidence, 'order'> & { order?: number }) => void;

const BEKEN_TOOLS = new Set(['bk7231tools', 'ltchiptool', 'bk7231gui', 'uartprogram']);
const ESP_CLI_TOOLS = new Set(['esptool', 'idf.py', 'platformio', 'arduino', 'esphome', 'unknown']);
/** Chips with no USB of their own: they are always behind a USB-UART bridge. */
const UART_ONLY_CHIPS = new Set(['esp8266', 'esp32']);
/** Beken chips added late to the BK7231 flashers (older versions time out linking them). */
const LATE_BEKEN = /(?<![a-z\d])bk72(38|36|52n|58|31m)(?![a-z\d])/i;
const PROGRESS_PERCENT = /\((\d{1,3}) ?%\)|\b(\d{1,3}) ?%/;
const DATA_MOVED = /^Writing at 0x|^Wrote \d+|^Read \d+|Writing sector 0x[0-9a-f]+\.\.\. ok|\(\d+ ?%\)|Erasing and writing at|Download at 0x/i;

export function findContextClues(input: ClueInput, add: Add): void {
  const start = input.lastSuccess + 1;
  const end = input.lastFatal >= 0 ? input.lastFatal : input.lines.length - 1;
  if (end < start) return;
  spiDownloadBoot(input, start, add);
  handshakeGarbage(input, start, add);
  busNeverObtained(input, start, add);
  preReleaseTool(input, add);
  chipInFileName(input, start, end, add);
  writeBrokeOff(input, start, add);
  romTextAtConnect(input, add);
  stubOnUartBridge(input, add);
  portNotGiven(input, start, end, add);
  garbledMidWrite(input, start, add);
  legacyPortSilent(input, start, end, add);
  bekenSectorFailed(input, start, add);
  webConnectHang(input, start, add);
}

/**
 * ESP32-C3/C6/H2/S3… ROMs print `boot:0x1 (SPI_DOWNLOAD_BOOT)` / `wait spi download` when the boot
 * strap was low but another strapping pin selected the SPI slave download mode instead of UART
 * download ("waiting for download"). The banner may be pasted after the tool's error (seen on a
 * monitor), so the whole rest of the log counts.
 */
function spiDownloadBoot(input: ClueInput, start: number, add: Add): void {
  for (let i = input.lines.length - 1; i >= start; i--) {
    const line = input.lines[i]!;
    if (!/\(SPI_DOWNLOAD_BOOT\)|^wait spi download/i.test(line)) continue;
    const pin = bootStrapPin(input.chip) ?? 'the BOOT pin';
    const also = otherStraps(input.chip);
    add('spi-download-boot', {
      code: 'wrong-boot-mode', weight: 0.92, step: 'connect', order: Math.max(i, input.lastFatal),
      text: `${quote(input.raw[i]!)} — the chip started its SPI download mode, not UART download: ${pin} was low, but another strapping pin was wrong at reset.`,
      lead: () =>
        `The ROM banner shows SPI download boot ("wait spi download"), not UART download ("waiting for download"): ${pin} was low but ${also ? `the other strapping pin was not: at reset it needs ${also}` : 'another strapping pin was wrong at reset'}. Pull it to the right level (e.g. 10 kΩ to 3.3 V for a pin that must be high) and check what on the board drives it; the line itself works.`,
    });
    return;
  }
}

/**
 * sftool connected (the chip answered its handshake) and the next frame was malformed: both
 * directions of the line work, the chip was not cleanly in its boot window.
 */
function handshakeGarbage(input: ClueInput, start: number, add: Add): void {
  if (input.tool !== 'sftool' || input.lastFatal < 0) return;
  const at = failureNear(input, /Invalid frame (?:end|header|start|length)/i);
  if (at < 0 || !input.lines.slice(start, at).some((l) => /Connected success|Download stub success/i.test(l))) return;
  add('handshake-garbage', {
    code: 'garbled-reply', weight: 0.8, step: 'stub',
    text: `${quote(input.raw[at]!)} — after "Connected success!": the line works both ways, but the chip's reply was not a clean frame.`,
    lead: () => 'The chip answered the connect, then sent a malformed frame: it was not cleanly in its boot window. Hard-reset it (RST, or a power cycle) right before running the command and run it again; if it repeats, lower the baud.',
  });
}

/**
 * BK7231 GUI Flash Tool's knock loop (`Getting bus failed, will try again - N/100!`, quoted by users
 * as "getting bus failed" in any case): no link to the chip unless a later line got the bus.
 */
function busNeverObtained(input: ClueInput, start: number, add: Add): void {
  let last = -1;
  for (let i = start; i < input.lines.length; i++) {
    if (/getting bus\W*(?:\.\.\.)?\s*failed/i.test(input.lines[i]!)) last = i;
    else if (last >= 0 && /Getting bus success|Flash MID loaded/i.test(input.lines[i]!)) last = -1;
  }
  if (last < 0) return;
  const knocks = input.lines.slice(start, last + 1).filter((l) => /getting bus\W*(?:\.\.\.)?\s*failed/i.test(l)).length;
  if (knocks >= 3) {
    // The loop ran long, with reset reminders: the missed reset stays a candidate.
    add('bus-never-obtained', { code: 'boot-window-missed', weight: 0.5, step: 'connect', order: last, text: `${knocks} link attempts without an answer.` });
  }
  add('bus-never-obtained', {
    code: 'no-response', weight: 0.72, step: 'connect', order: last,
    text: `${quote(input.raw[last]!)} — the chip never answered the tool's link request.`,
    lead: () =>
      `${knocks >= 3 ? bekenWiringFirst() : "No link to the chip: connect the adapter's TX to the chip's RX1 and RX to its TX1 (swap them if unsure), common GND, a solid 3.3 V, then reset by CEN or power-cycle while the tool is linking."} The download UART is RX1/TX1 (P10/P11); other test pads or the log UART do not answer. With the wiring verified on Linux (Mono), set the GUI's cfg_readReplyStyle on its UART tab, or try ltchiptool/bk7231tools.`,
  });
}

/**
 * A pre-release web flasher (esptool.js 0.1-dev and earlier 0.x) had sync and read bugs fixed
 * later: a timeout after the chip answered points to the page's version, not the power supply.
 */
function preReleaseTool(input: ClueInput, add: Add): void {
  if (input.tool !== 'esptool-js' || input.lastFatal < 0 || !input.version) return;
  if (!/^0\.0|^0\.1(?:\b|-)|-dev\b|-alpha|-beta/.test(input.version)) return;
  if (failureNear(input, /Timeout|timed out|Sync err|Failed to connect|Invalid head|status bytes/i) < 0) return;
  add('pre-release-tool', {
    code: 'tool-outdated', weight: 0.82, step: 'connect',
    text: `esptool.js ${input.version} — a pre-release of the web flasher; its sync and read handling was fixed in later releases.`,
    lead: () => `This page runs esptool.js ${input.version}, an early pre-release with sync/read bugs: update to a page built on a current esptool-js (or use another flasher); the chip itself answered.`,
  });
}

/**
 * A Beken flasher told one chip while the command line or a file name names a late chip
 * (`bk7238-entire-flash.bin`): that chip is the likely reason the link times out.
 */
function chipInFileName(input: ClueInput, start: number, end: number, add: Add): void {
  if (!BEKEN_TOOLS.has(input.tool) || input.lastFatal < 0) return;
  if (failureNear(input, /Timed? ?out|Timeout|link|bus/i) < 0) return;
  for (let i = start; i <= end; i++) {
    const m = LATE_BEKEN.exec(input.lines[i]!);
    if (!m) continue;
    const named = `bk72${m[1]!.toLowerCase()}`;
    if (named === input.chip) return;
    const upper = named.toUpperCase();
    add('chip-in-file-name', {
      code: 'chip-unsupported-by-tool', weight: 0.75, step: 'connect',
      text: `${quote(input.raw[i]!)} — the log names a ${upper}${input.chip ? ` while the tool was told ${input.chip.toUpperCase()}` : ''}.`,
      lead: () =>
        `The log names a ${upper}: ${input.tool} versions that do not list the ${upper} time out linking it. Check the chip marking, then use a current version that supports the ${upper} (or anyflash) with that chip selected.`,
    });
    return;
  }
}

/**
 * An ESP write that fails part-way (well before the end) after blocks went through: the link or
 * supply dropped out. One failure cannot show the varying address, so the USB port, cable and
 * supply come before flash protection.
 */
function writeBrokeOff(input: ClueInput, start: number, add: Add): void {
  if (input.lastFatal < 0 || !ESP_CLI_TOOLS.has(input.tool)) return;
  const failure = failureNear(input, /Failed to write (?:compressed data )?to (?:target )?flash|result was 01\d\d/i);
  if (failure < 0) return;
  let percent = -1;
  let moved = 0;
  for (let i = start; i < failure; i++) {
    const line = input.lines[i]!;
    if (DATA_MOVED.test(line)) moved++;
    const p = PROGRESS_PERCENT.exec(line);
    if (p) percent = Number(p[1] ?? p[2]);
  }
  if (moved === 0 || percent < 1 || percent >= 90) return;
  add('write-broke-off', {
    code: 'brownout-suspected', weight: 0.66, step: 'write',
    text: `The write broke off at ${percent} % after earlier blocks were written: the link or the supply dropped out.`,
    lead: () =>
      'A write that breaks off part-way is most often the USB link or the supply: plug the board into another USB port of the computer (directly, no hub) with a short data cable, and power it well; if it fails at the same address every time, suspect flash protection instead.',
  });
}

/**
 * esptool's "Invalid head of packet (0xNN)" while connecting, where 0xNN is a letter the ROM boot
 * text starts with ('e' of "ets", 'r' of "rst:", 'w' of "waiting for download", …): the chip
 * rebooted while the tool was syncing, as a weak cable or supply makes it do. ESC (0x1B) and other
 * bytes stay a running firmware's output.
 */
function romTextAtConnect(input: ClueInput, add: Add): void {
  if (input.lastFatal < 0) return;
  const at = failureNear(input, /Failed to connect to [\w-]+: Invalid head of packet \((0x[0-9a-f]{2})\)/i);
  const m = at < 0 ? null : /Invalid head of packet \((0x[0-9a-f]{2})\)/i.exec(input.lines[at]!);
  if (!m) return;
  const ch = String.fromCharCode(Number.parseInt(m[1]!, 16));
  if (!/^[erwcbBlEmS]$/.test(ch)) return;
  add('rom-text-at-connect', {
    code: 'brownout-suspected', weight: 0.62, step: 'connect',
    text: `${quote(input.raw[at]!)} — ${m[1]} is '${ch}', a letter of the ROM's boot text: the chip may have rebooted while the tool was connecting.`,
    lead: () =>
      `${m[1]} ('${ch}') can be the ROM's own boot text: the chip rebooting while connecting, as a weak USB cable or supply makes it do. Use a good, short USB data cable straight into the computer and a supply that gives 500 mA; a serial monitor showing a reboot loop or brownout confirms it (a running firmware's output points to download mode instead).`,
  });
}

/**
 * A stub upload refused by the ROM (`Failed to write to target RAM (result was 01xx)`) on a chip
 * that has no USB of its own: the bytes were damaged on the UART line or the chip browned out.
 */
function stubOnUartBridge(input: ClueInput, add: Add): void {
  if (input.lastFatal < 0 || !input.chip || !UART_ONLY_CHIPS.has(input.chip)) return;
  const at = failureNear(input, /Failed to write to target RAM/i);
  // A UART-only chip on a macOS usbmodem port is a WCH bridge on Apple's driver: clues.ts names that.
  if (at < 0 || input.lines.some((l) => /\/dev\/cu\.usbmodem/i.test(l))) return;
  add('stub-on-uart-bridge', {
    code: 'brownout-suspected', weight: 0.8, step: 'stub',
    text: `${quote(input.raw[at]!)} — while uploading the stub over a USB-UART adapter: the supply or the signal wiring failed under the transfer.`,
    lead: () =>
      `The ${input.chip!.toUpperCase()} failed while its stub was loaded into RAM: check the power supply first (a separate 3.3 V supply that gives 300–500 mA, not the adapter's 3.3 V pin), a common GND and short TX/RX wires; then try --no-stub and a lower baud.`,
  });
}

/**
 * espflash's "Serial port not found" when its command line gave no port: auto-detection found
 * nothing it recognised (macOS USB-Serial/JTAG ports among them), the port itself may exist.
 */
function portNotGiven(input: ClueInput, start: number, end: number, add: Add): void {
  if (input.tool !== 'espflash' || input.lastFatal < 0) return;
  // "No serial ports could be detected" is no port at all (no-port); "not found" is a guess that missed.
  const failure = input.lines.slice(start).find((l) => /Serial port not found/i.test(l));
  if (!failure) return;
  const command = input.lines.slice(0, end + 1).find((l) => /(?:^|[\s/\\])(?:cargo[ -])?espflash(?:\.exe)?\s+\w/.test(l));
  if (!command || /\s(?:-p|--port)(?:[\s=]|$)/.test(command) || /ESPFLASH_PORT/.test(input.lines.join('\n'))) return;
  add('port-not-given', {
    code: 'port-not-found', weight: 0.85, step: 'open-port',
    text: `${quote(command)} — no port was given, so the tool had to detect one and found none.`,
    lead: () => 'No port was given and auto-detection found none: pass the port explicitly (--port /dev/cu.usbmodem…, /dev/ttyACM0 or COM3; `anyflash list` shows the candidates). If the board is missing from that list too, use a data cable and another USB port.',
  });
}

/**
 * Old esptool's bare "Invalid head of packet" (no byte value) in the middle of a write: the chip's
 * reply was damaged. Line noise and baud are the usual reasons, and on ESP8266 modules a flash
 * mode their flash cannot do (qio on a dio-only flash) makes it fail there too.
 */
function garbledMidWrite(input: ClueInput, start: number, add: Add): void {
  if (input.lastFatal < 0 || !ESP_CLI_TOOLS.has(input.tool)) return;
  const at = failureNear(input, /Invalid head of packet(?!\s*\(0x)/i);
  if (at < 0 || !input.lines.slice(start, at).some((l) => DATA_MOVED.test(l))) return;
  // Quoted as the tool's own line, so it adds the first step without adding confidence: the same
  // line mid-write is as often a weak supply (the pattern rules weigh that).
  add('garbled-mid-write', {
    code: 'garbled-reply', weight: 0.5, step: 'write',
    text: input.raw[at]!.trim(),
    lead: () =>
      'A reply was damaged in the middle of the write: lower the baud (-b 115200) and use a short cable with a common GND and a solid supply; if it still fails, write with --flash-mode dio (-fm dio) — many modules\' flash cannot run the default qio mode.',
  });
}

/**
 * No reply at all on COM1/COM2 (Windows) or /dev/ttyS<n> (Linux): these are the computer's own
 * serial ports, not a USB board. Tools that pick a port themselves land there when the board's
 * USB-serial driver is missing or the board is on another port; the fix is the board's port.
 */
function legacyPortSilent(input: ClueInput, start: number, end: number, add: Add): void {
  if (input.lastFatal < 0 || input.connected) return;
  const failure = failureNear(input, /No serial data received|Timed out waiting for packet header|Failed to connect|could not connect to an Espressif device|failed to connect/i);
  if (failure < 0) return;
  let port: string | undefined;
  for (let i = start; i <= end; i++) {
    const m = /(?:^|[\s'"(])(COM[12]|\/dev\/ttyS\d+)(?=$|[\s'":),.])/.exec(input.lines[i]!);
    if (m) port = m[1];
  }
  if (!port) return;
  add('legacy-port-silent', {
    code: 'port-not-found', weight: 0.85, step: 'open-port',
    text: `${port} gave no reply: it is usually the computer's own serial port, not the board.`,
    lead: () =>
      `${port} is usually the computer's built-in serial port, not the board: pick the port that appears when you plug the board in (\`anyflash list\`). If none appears, install the board's USB-serial driver (CP210x, CH34x, FTDI), push the cable fully in and use a data cable.`,
  });
}

/**
 * A Beken write or read that failed at a sector past the start (earlier sectors went through) at
 * 115200 or a baud the log does not show: the link worked, so the chip lost power or ground under
 * the flash load. Battery devices often power the
 * module through an MCU that cuts it; the fix is a direct supply with a common ground.
 */
function bekenSectorFailed(input: ClueInput, start: number, add: Add): void {
  if (input.lastFatal < 0 || !BEKEN_TOOLS.has(input.tool)) return;
  const at = failureNear(input, /(?:Writing|Reading) sector (?:0x)?([0-9a-f]+)\b.*failed|(?:Writing|Reading) (?:sector )?0x([0-9a-f]+)\.\.\..*(?:failed|ERROR)/i);
  if (at < 0) return;
  // The GUI prints a whole run on one line: the failing sector is the last one named, earlier "ok!" ones count as written.
  const named = [...input.lines[at]!.matchAll(/(?:Writing|Reading) (?:sector )?0x([0-9a-f]+)/gi)];
  const address = named.length > 0 ? Number.parseInt(named[named.length - 1]![1]!, 16) : 0;
  const sectorOk = /(?:Writing|Reading) (?:sector )?0x[0-9a-f]+\.\.\. ?ok/i;
  const moved = sectorOk.test(input.lines[at]!) || input.lines.slice(start, at).some((l) => DATA_MOVED.test(l) || sectorOk.test(l));
  if (address === 0 && !moved) return;
  // Above 115200 a reply lost part-way is as much the line as the supply: the baud rule speaks there.
  const bauds = input.lines.slice(start, at).flatMap((l) => [...l.matchAll(/baud rate setting \((\d+)\)|(?:-b|--baud)[ =](\d+)|@ (\d+)$/gi)].map((b) => Number(b[1] ?? b[2] ?? b[3])));
  if (bauds.some((b) => b > 115200)) return;
  add('beken-sector-failed', {
    code: 'brownout-suspected', weight: 0.72, step: 'write',
    text: `${quote(input.raw[at]!)} — earlier sectors went through: the link worked, then the chip stopped answering under the flash load.`,
    lead: () =>
      "Power the module directly: a separate 3.3 V supply (300+ mA; the adapter's 3.3 V pin is not enough) wired to the module's VCC, with its ground common to the adapter's GND. In battery devices the module's power often goes through an MCU that cuts it: wire VCC and GND straight to the module.",
  });
}

/** USB-serial adapters by Web Serial vendor id. */
const BRIDGE_VENDORS: Readonly<Record<string, string>> = { '0x1a86': 'CH34x', '0x10c4': 'CP210x', '0x0403': 'FTDI', '0x067b': 'PL2303' };

/**
 * A browser flasher that opened a USB-serial adapter's port and then printed nothing after
 * "Connecting...": the chip never answered and the page never gave up. Besides download mode, an
 * adapter driver that opens the port but does not pass the reset lines leaves it there.
 */
function webConnectHang(input: ClueInput, start: number, add: Add): void {
  if (input.lastFatal >= 0 || input.connected) return;
  const rest = input.lines.slice(start).filter((l) => l.trim() !== '');
  if (rest.length === 0 || !/^Connecting\.*[._]*$/.test(rest[rest.length - 1]!.trim())) return;
  const port = rest.map((l) => /Serial port WebSerial VendorID (0x[0-9a-f]+)/i.exec(l)).find((m) => m);
  const vendor = port ? BRIDGE_VENDORS[port[1]!.toLowerCase()] : undefined;
  if (!vendor) return;
  add('web-connect-hang', {
    code: 'no-response', weight: 0.6, step: 'connect',
    text: `The log ends at "Connecting..." on a ${vendor} adapter: the chip never answered.`,
    lead: (ctx) =>
      `The page opened the ${vendor} adapter but the chip never answered: ${manualBootEntry({ ...ctx, web: true })[0]!.toLowerCase()}${manualBootEntry({ ...ctx, web: true }).slice(1)} If it still hangs, reinstall the ${vendor} driver (uninstall it, then install the vendor's current one): a broken driver opens the port but does not drive the reset lines.`,
  });
}

/** The tool's failure line at or just before the last fatal one (wrappers add their own error line after it). */
function failureNear(input: ClueInput, pattern: RegExp): number {
  for (let i = input.lastFatal; i >= Math.max(input.lastSuccess + 1, input.lastFatal - 4); i--) {
    if (pattern.test(input.lines[i]!)) return i;
  }
  return -1;
}

function quote(line: string): string {
  return line.trim().slice(0, 200);
}
