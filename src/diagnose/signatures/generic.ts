import { type ToolSignatures } from './types.js';

/**
 * Lines any tool can print: pyserial and OS port errors (Python tools), .NET port errors (the
 * BK7231 GUI), ESP boot-log lines, USB plug events. Used for every log, recognised or not.
 */
export const generic: ToolSignatures = {
  tool: 'generic',
  banners: [],
  signatures: [
    // Opening the port: the OS error names the cause.
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
    { pattern: /Failed to execute 'open' on 'SerialPort'/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.75]] },

    // An open port failing: on Windows the driver reports a vanished USB device this way.
    { pattern: /A device which does not exist was specified/i, kind: 'fatal', implies: [['port-vanished', 0.9]] },
    { pattern: /ClearCommError failed/i, kind: 'fatal', implies: [['port-vanished', 0.8]] },
    { pattern: /(?:WriteFile|ReadFile|GetOverlappedResult) failed/i, kind: 'fatal', implies: [['port-vanished', 0.7]] },
    { pattern: /The device does not recognize the command/i, kind: 'fatal', implies: [['port-vanished', 0.7]] },
    { pattern: /The semaphore timeout period has expired/i, kind: 'fatal', implies: [['port-vanished', 0.55], ['port-error', 0.3]] },
    { pattern: /device reports readiness to read but returned no data/i, kind: 'fatal', implies: [['port-vanished', 0.65], ['port-busy', 0.35]] },
    { pattern: /\[Errno 5\] Input\/output error|\[Errno 19\] No such device/i, kind: 'fatal', implies: [['port-vanished', 0.7]] },
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
    { pattern: /rst:0x[0-9a-f]+ \([A-Z_]+\),\s*boot:(0x[0-9a-f]+) \((?:SPI_FAST_FLASH_BOOT|SPI_FLASH_BOOT)/i, kind: 'info', step: 'boot', implies: [['wrong-boot-mode', 0.45]] },
  ],
};

function portFromOpen(m: RegExpExecArray): { port?: string } {
  const p = /could not open port '?([^':\s]+)'?/i.exec(m.input);
  return p ? { port: p[1] } : {};
}
