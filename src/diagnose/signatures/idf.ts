import { type ToolSignatures } from './types.js';

/** ESP-IDF's idf.py: it runs esptool through ninja/CMake and prints the command line it ran. */
export const idf: ToolSignatures = {
  tool: 'idf.py',
  wrapper: true,
  banners: [
    { pattern: /\bESP-IDF v(\d+\.\d+(?:\.\d+)?\S*)/i, version: (m) => m[1] },
    { pattern: /^Executing action: \w+/ },
    { pattern: /\bidf\.py\b/ },
  ],
  signatures: [
    { pattern: /run_serial_tool\.cmake|Executing "ninja flash"/, kind: 'info', step: 'connect' },
    { pattern: /ninja: build stopped: subcommand failed|ninja failed with exit code/i, kind: 'fatal' },
    { pattern: /^Done$/, kind: 'success', step: 'done' },
  ],
};
