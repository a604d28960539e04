import { type ToolSignatures } from './types.js';

/** igrr/esptool-ck, the ESP8266 uploader of the old Arduino core and esp8266fs plugin (`espcomm_*`). */
export const esptoolCk: ToolSignatures = {
  tool: 'esptool-ck',
  banners: [
    { pattern: /\besptool-ck\b|espcomm_(?:sync|open|upload_mem) failed/i },
  ],
  signatures: [
    { pattern: /^Uploading \d+ bytes from .* to flash at (0x[0-9a-f]+)/i, kind: 'info', step: 'connect' },
    // Its SYNC loop giving up: the ESP8266 is not in its bootloader.
    { pattern: /espcomm_sync failed|espcomm_upload_mem failed|error: failed reading byte/i, kind: 'fatal', step: 'connect', implies: [['no-response', 0.7]] },
    { pattern: /^error: Failed to open (COM\d+|\/dev\/\S+)|espcomm_open failed/i, kind: 'fatal', step: 'open-port', implies: [['port-busy', 0.6], ['port-not-found', 0.35]], facts: (m) => (m[1] ? { port: m[1] } : {}) },
  ],
};
