import { type ToolSignatures } from './types.js';

/** ESPHome-Flasher and `esphome upload`: Python front ends that run esptool and reword its failures. */
export const esphome: ToolSignatures = {
  tool: 'esphome',
  wrapper: true,
  banners: [
    { pattern: /^Using '([^']+)' as serial port\.?$/ },
    { pattern: /\besphome(?:-?flasher)?\b(?:\s+v?(\d+\.\d+\.\d+))?/i, version: (m) => m[1] },
    { pattern: /ESP Chip Auto-Detection failed/i },
    // ESPHome-Flasher's wording for a failure it caught from esptool or pyserial.
    { pattern: /^Unexpected error: (?:could not open port|Cannot configure port|Failed to connect)/i },
  ],
  signatures: [
    { pattern: /^Using '([^']+)' as serial port/, kind: 'info', step: 'open-port', facts: (m) => ({ port: m[1] }) },
    { pattern: /^Unexpected error: Cannot configure port/i, kind: 'fatal', step: 'open-port' },
    { pattern: /^ERROR Running command failed/i, kind: 'fatal' },
    { pattern: /^INFO Successfully uploaded program/i, kind: 'success', step: 'done' },
    { pattern: /^Chip Info:$|^ - Chip (?:Family|Model): /, kind: 'progress', step: 'connect' },
    { pattern: /^Unexpected error: /, kind: 'fatal' },
  ],
};
