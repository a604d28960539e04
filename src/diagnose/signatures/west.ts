import { espChipName, type ToolSignatures } from './types.js';

/** Zephyr's `west flash`: it picks a runner (esp32 → esptool, sftool, …) and runs it. */
export const west: ToolSignatures = {
  tool: 'west',
  wrapper: true,
  banners: [
    { pattern: /-- west flash: using runner (\S+)/ },
    { pattern: /\bwest flash\b/ },
    { pattern: /^-- runners\.\w+:/ },
  ],
  signatures: [
    { pattern: /-- runners\.esp32: Flashing (\S+) chip on (\S+) \((\d+)bps\)/, kind: 'info', step: 'connect', facts: (m) => ({ chip: espChipName(m[1]!), port: m[2], baud: Number(m[3]) }) },
    { pattern: /^FATAL ERROR: command exited with status (\d+)/, kind: 'fatal' },
    { pattern: /^ERROR: .*(?:not found|No such file)/i, kind: 'fatal', implies: [['bad-input', 0.4]] },
  ],
};
