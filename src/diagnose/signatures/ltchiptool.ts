import { bekenChipName, bekenProtocolRows } from './beken-common.js';
import { type ToolSignatures } from './types.js';

/** libretiny-eu/ltchiptool (CLI and GUI log window); BK72xx work goes through bk7231tools. */
export const ltchiptool: ToolSignatures = {
  tool: 'ltchiptool',
  banners: [
    { pattern: /\bltchiptool\b(?:\s+v?(\d+\.\d+\.\d+))?/i, version: (m) => m[1] },
  ],
  signatures: [
    { pattern: /Connecting to '([^']+)' on (\S+) @ (\d+)/i, kind: 'info', step: 'open-port', facts: (m) => ({ chip: bekenChipName(m[1]!), port: m[2], baud: Number(m[3]) }) },
    { pattern: /Linking: stage (\d)/i, kind: 'attempt', step: 'connect' },
    { pattern: /\|-- Success! Chip info: (\S+)/i, kind: 'progress', step: 'connect', facts: (m) => ({ chip: bekenChipName(m[1]!) }) },
    { pattern: /Detected file type: /i, kind: 'info' },
    ...bekenProtocolRows,
    { pattern: /\|-- Finished in [\d.]+ ?s|Flashing finished|^Done!?$/i, kind: 'success', step: 'done' },
  ],
};
