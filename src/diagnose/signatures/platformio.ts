import { type ToolSignatures } from './types.js';

/** PlatformIO's `pio run -t upload` and the Arduino IDE: both run esptool and print its output. */
export const platformio: ToolSignatures = {
  tool: 'platformio',
  wrapper: true,
  banners: [
    { pattern: /^Configuring upload protocol\.\.\.|^\*\*\* \[upload\] Error \d+|^Processing \S+ \(platform: /i },
    { pattern: /\bPlatformIO\b(?: Core)?,? (?:version )?v?(\d+\.\d+\.\d+)?/i, version: (m) => m[1] },
  ],
  signatures: [
    { pattern: /^Auto-detected: (\S+)/, kind: 'info', step: 'open-port', facts: (m) => ({ port: m[1] }) },
    { pattern: /Please specify .?upload_port.? for environment/i, kind: 'fatal', step: 'open-port', implies: [['no-port', 0.8]] },
    { pattern: /^\*\*\* \[upload\] Error \d+/, kind: 'fatal' },
  ],
};

export const arduino: ToolSignatures = {
  tool: 'arduino',
  wrapper: true,
  banners: [
    { pattern: /^Sketch uses \d+ bytes|^Failed uploading: (?:uploading error|no upload port)/i },
  ],
  signatures: [
    { pattern: /^Failed uploading: no upload port provided/i, kind: 'fatal', step: 'open-port', implies: [['no-port', 0.8]] },
    { pattern: /^Failed uploading: uploading error: exit status \d+/i, kind: 'fatal' },
  ],
};
