import { ESP_CHIP_RECORDS } from '../../chips/esp.js';
import { manualBootEntry, type BootContext } from '../../core/boot-entry.js';
import { type ToolSignatures } from './types.js';

/**
 * Chip-detect magic values of the Espressif chips (zero left out: a dead line reads as zero). A tool
 * that reports one of these as unknown lacks support for that chip; another value is no chip it knows.
 */
const KNOWN_MAGIC = new Map<string, string>(
  ESP_CHIP_RECORDS.flatMap((c) => c.magic.filter((v) => v !== 0).map((v) => [(v >>> 0).toString(16), c.name] as const)),
);
/** esptool's and esptool-js's "Unexpected CHIP magic value 0x…", esp-web-flasher's "Unknown Chip: Hex: …". */
const MAGIC_REPORT = /(?:Unknown Chip: Hex:\s*|CHIP magic value\s*)(?:0x)?0*([0-9a-f]{1,8})\b(?!.*Wrong --chip)/i;
const KNOWN_MAGIC_REPORT = new RegExp(MAGIC_REPORT.source.replace('([0-9a-f]{1,8})', `(${[...KNOWN_MAGIC.keys()].join('|')})`), 'i');

/**
 * Lines any tool can print: pyserial and OS port errors (Python tools), .NET port errors (the
 * BK7231 GUI), ESP boot-log lines, USB plug events. Used for every log, recognised or not.
 */
export const generic: ToolSignatures = {
  tool: 'generic',
  banners: [],
  signatures: [
    // Chip detection read a magic value the tool has no entry for: a real Espressif chip newer than
    // the tool (update it), or, for any other value, no chip the tool could identify.
    { pattern: KNOWN_MAGIC_REPORT, kind: 'fatal', step: 'connect', implies: [['chip-unsupported-by-tool', 0.85]], facts: (m) => ({ chip: KNOWN_MAGIC.get(m[1]!.toLowerCase()) }) },
    { pattern: /Unknown Chip: Hex:/i, kind: 'fatal', step: 'connect', implies: [['unknown-device', 0.55], ['chip-unsupported-by-tool', 0.45]] },
    // Opening the port: the OS error names the cause.
    { pattern: /Path '(\/dev\/[^']+)' is not readable|Path '(\/dev\/[^']+)' is not writable/i, kind: 'fatal', step: 'open-port', implies: [['port-permission', 0.8]], facts: (m) => ({ port: m[1] ?? m[2] }) },
    { pattern: /Cannot configure port.*(?:OSError\(22|does not exist)/i, kind: 'fatal', step: 'open-port', implies: [['port-error', 0.85]] },
    // pySerial could not set DTR/RTS on a native USB port: the automatic reset cannot work.
    { pattern: /failed to connect: \[Errno 71\] Protocol error|\[Errno 71\] Protocol error/i, kind: 'fatal', step: 'connect', implies: [['port-error', 0.75]], lead: (ctx) => `The host could not drive the reset lines of this USB port: ${lowerFirst(manualBootEntry(ctx))}` },
    { pattern: /could not open port .*(?:PermissionError\(13|Access is denied)/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.85]], facts: portFromOpen },
    { pattern: /could not open port .*(?:FileNotFoundError|No such file or directory|cannot find the file)/i, kind: 'fatal', step: 'open-port', implies: [['port-not-found', 0.85]], facts: portFromOpen },
    { pattern: /could not open port .*(?:Errno 16|Device or resource busy|Resource busy)/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.85]], facts: portFromOpen },
    { pattern: /could not open port .*(?:Errno 13|Permission denied)/i, kind: 'fatal', step: 'open-port', implies: [['port-permission', 0.85]], facts: portFromOpen },
    { pattern: /could not open port .*socket:\/\//i, kind: 'fatal', step: 'open-port', implies: [['port-not-found', 0.6], ['unsupported', 0.4]], facts: portFromOpen },
    { pattern: /could not open port/i, kind: 'fatal', step: 'open-port', implies: [['port-error', 0.6]], facts: portFromOpen },
    { pattern: /\[Errno 16\] (?:Device or resource busy|Resource busy)/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.8]] },
    { pattern: /Permission denied:? '?(\/dev\/[\w./-]+)/i, kind: 'fatal', step: 'open-port', implies: [['port-permission', 0.8]], facts: (m) => ({ port: m[1] }) },
    { pattern: /UnauthorizedAccessException: Access to the port '?(\w+)'? is denied/i, kind: 'fatal', implies: [['port-busy', 0.5], ['port-vanished', 0.45]], facts: (m) => ({ port: m[1] }) },
    { pattern: /The port '(\w+)' does not exist/i, kind: 'fatal', step: 'open-port', implies: [['port-not-found', 0.8]], facts: (m) => ({ port: m[1] }) },
    { pattern: /No serial ports? (?:were |was )?found|No serial ports could be detected/i, kind: 'fatal', step: 'open-port', implies: [['no-port', 0.75]] },
    { pattern: /Inappropriate ioctl for device/i, kind: 'fatal', implies: [['port-not-tty', 0.7]] },
    // The page itself still holds the port (it opened it before): reload the page.
    { pattern: /Failed to execute 'open' on 'SerialPort':? The port is already open/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.8]] },
    // The browser could not open it: another program or tab holds it, or the driver cannot open it.
    { pattern: /Failed to execute 'open' on 'SerialPort'/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.65], ['port-error', 0.55]] },
    // The port opened, then the browser's Web Serial layer failed on it (setSignals on a native USB
    // port, a read or write): a browser fault more than the board's, when a CLI flasher works there.
    { pattern: /Failed to execute '(?:setSignals|getSignals|write|read|close|getInfo)' on 'SerialPort'|Failed to set control signals|Failed to (?:read|write) (?:from|to) (?:the )?serial port|(?:BufferOverrun|Framing|Parity|Break)Error:/i, kind: 'fatal', step: 'connect', implies: [['port-error', 0.75]], lead: () => webSerialFault() },

    // An open port failing: on Windows the driver reports a vanished USB device this way.
    { pattern: /A device which does not exist was specified/i, kind: 'fatal', implies: [['port-vanished', 0.9]] },
    { pattern: /ClearCommError failed/i, kind: 'fatal', implies: [['port-vanished', 0.8]] },
    { pattern: /(?:WriteFile|ReadFile|GetOverlappedResult) failed/i, kind: 'fatal', implies: [['port-vanished', 0.7]] },
    { pattern: /The device does not recognize the command/i, kind: 'fatal', implies: [['port-vanished', 0.7]] },
    { pattern: /The semaphore timeout period has expired/i, kind: 'fatal', implies: [['port-vanished', 0.55], ['port-error', 0.3]] },
    { pattern: /device reports readiness to read but returned no data/i, kind: 'fatal', implies: [['port-vanished', 0.65], ['port-busy', 0.35]] },
    { pattern: /\[Errno 5\] Input\/output error|\(5, 'Input\/output error'\)|\[Errno 19\] No such device/i, kind: 'fatal', implies: [['port-vanished', 0.7]] },
    { pattern: /The device has been lost|NetworkError: The device has been lost/i, kind: 'fatal', implies: [['port-vanished', 0.85]] },
    { pattern: /Device (?:unplugged|disconnected)\b/i, kind: 'retry', implies: [['port-vanished', 0.6]] },
    { pattern: /Found new device\b/i, kind: 'info', implies: [['port-vanished', 0.3]] },
    { pattern: /SerialTimeoutException|\bWrite timeout\b/i, kind: 'fatal', implies: [['port-write-timeout', 0.8]] },
    { pattern: /PermissionError\(13, 'Access is denied/i, kind: 'fatal', implies: [['port-busy', 0.55], ['port-vanished', 0.35]] },
    { pattern: /SerialException/i, kind: 'fatal', implies: [['port-error', 0.4]] },

    // Beken loaders' link failure, as hid_download_py and bkWriter word it.
    { pattern: /Cannot get bus|Failed to get bus/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.6], ['boot-window-missed', 0.45]] },

    // ESP boot-log lines: what the chip did when it was reset.
    { pattern: /Brownout detector was triggered|BROWN_?OUT_RST|RTCWDT_BROWN_OUT_RESET/i, kind: 'fatal', step: 'boot', implies: [['brownout-suspected', 0.9]] },
    { pattern: /Guru Meditation Error(?: detected)?:?\s*(.*)/i, kind: 'fatal', step: 'boot', implies: [['firmware-owns-uart', 0.55], ['wrong-boot-mode', 0.35]] },
    { pattern: /Fatal exception \(\d+\)/i, kind: 'fatal', step: 'boot', implies: [['firmware-owns-uart', 0.5], ['wrong-boot-mode', 0.3]] },
    { pattern: /boot:(0x[0-9a-f]+) \((?:DOWNLOAD|UART)/i, kind: 'progress', step: 'connect' },
    { pattern: /waiting for download/i, kind: 'progress', step: 'connect' },
    // What the banner says about the strapping pins is a cross-tool clue (clues.ts), judged by where it sits.
    { pattern: /rst:0x[0-9a-f]+ \([A-Z_]+\),\s*boot:(0x[0-9a-f]+) \((?:SPI_FAST_FLASH_BOOT|SPI_FLASH_BOOT)/i, kind: 'info', step: 'boot' },
    // The ESP32 second-stage loader reads the flash as all 0xFF: the flash does not answer.
    { pattern: /invalid header: 0xffffffff/i, kind: 'fatal', step: 'boot', implies: [['flash-not-found', 0.7]], lead: flashVoltageStrap },
    // Old esptool (2015–2016) raised bare exceptions.
    { pattern: /^Exception: Failed to connect/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.6]] },
    { pattern: /^Exception: Invalid head of packet/i, kind: 'fatal', implies: [['garbled-reply', 0.5]] },
    { pattern: /^Exception: Timed out waiting for packet header/i, kind: 'fatal', implies: [['timeout', 0.55]] },
    // esptool's and the esp-web-flasher pages' reply check: a reply came without its status bytes.
    { pattern: /Didn't get enough status bytes/i, kind: 'fatal', implies: [['garbled-reply', 0.5], ['timeout', 0.4]] },
    // esp-web-flasher's read timeout (printed on every sync attempt, and once more when a command gets no reply).
    { pattern: /^Timed out after \d+ milliseconds/i, kind: 'retry' },
    // hid_download_py (uartprogram) and other Beken loaders switching to the working baud.
    { pattern: /Set baudrate failed|Failed to set baud ?rate/i, kind: 'fatal', step: 'connect', implies: [['baud-mismatch', 0.6], ['garbled-reply', 0.3]] },
  ],
};

function webSerialFault(): string {
  return "The browser's Web Serial layer failed on an open port: update the browser (Chrome/Edge) or try another Chromium-based one, and try the board's other USB port (native USB vs the USB-UART bridge); if esptool on the command line works on the same port, the browser is the cause.";
}

function portFromOpen(m: RegExpExecArray): { port?: string } {
  const p = /could not open port '?([^':\s]+)'?/i.exec(m.input);
  return p ? { port: p[1] } : {};
}

/** On the ESP32, GPIO12 (MTDI) high at reset selects 1.8 V for a 3.3 V flash, which then reads as all 0xFF. */
function flashVoltageStrap(ctx: BootContext): string {
  if (ctx.chip && ctx.chip !== 'esp32') return 'The flash reads as all 0xFF: check its power and the SPI flash pins (nothing else may drive them).';
  return 'The flash reads as all 0xFF: on an ESP32, GPIO12 (MTDI) held high at reset selects 1.8 V for the flash; keep GPIO12 low at boot (move pull-ups or peripherals off it), or check the flash power and pins.';
}

function lowerFirst(s: string): string {
  return s[0]!.toLowerCase() + s.slice(1);
}
