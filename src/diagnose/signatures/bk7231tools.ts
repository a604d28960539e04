import { bekenProtocolRows } from './beken-common.js';
import { type ToolSignatures } from './types.js';

/** tuya-cloudcutter/bk7231tools: its CLI messages and `--debug` packet traces. */
export const bk7231tools: ToolSignatures = {
  tool: 'bk7231tools',
  banners: [
    { pattern: /\bbk7231tools\b(?:\s+v?(\d+\.\d+\.\d+))?/i, version: (m) => m[1] },
  ],
  signatures: [
    ...bekenProtocolRows,
    { pattern: /^(?:Done|Finished|Flashing completed?)\.?!?$/i, kind: 'success', step: 'done' },
  ],
};
