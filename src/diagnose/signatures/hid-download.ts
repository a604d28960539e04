import { type ToolSignatures } from './types.js';

/** OpenBekeniX/hid_download_py (`uartprogram`), the Python Beken flasher OpenBeken's guides used. */
export const hidDownload: ToolSignatures = {
  tool: 'uartprogram',
  banners: [
    { pattern: /\buartprogram\b|hid_download_py|^UartDownloader\.+/i },
  ],
  signatures: [
    { pattern: /^UartDownloader\.+|^programm\.+/i, kind: 'info', step: 'connect' },
    // Its link check giving up: nothing answered after the reset it asked for.
    { pattern: /Cannot get bus|Failed to get bus/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.6], ['boot-window-missed', 0.45]] },
    { pattern: /Set baudrate failed/i, kind: 'fatal', step: 'connect', implies: [['baud-mismatch', 0.6], ['garbled-reply', 0.3]] },
    { pattern: /^(?:Write|Program(?:ming)?) (?:done|finished|success)/i, kind: 'success', step: 'done' },
  ],
};
