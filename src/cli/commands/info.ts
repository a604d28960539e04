import type { Command } from 'commander';
import { hexAddr } from '../../core/bytes.js';
import { formatSize } from '../../engine/regions.js';
import { deviceCommand, withDevice, type GlobalFlags } from '../common.js';

export function register(program: Command): void {
  deviceCommand(program, 'info', 'show chip, revision, features, MAC, crystal, flash id and size, security info')
    .aliases(['chip-id', 'chip_id', 'flash-id', 'flash_id', 'read-mac', 'read_mac', 'board-info'])
    .action(async (flags: GlobalFlags) => {
      process.exitCode = await withDevice(flags, async ({ device, out }) => {
        const info = await device.info();
        const lines = [
          `Chip:        ${info.description}${info.revision && !info.description.includes(info.revision) ? ` (revision ${info.revision})` : ''}`,
          `Family:      ${info.family} (${info.mode})`,
          ...(info.features.length ? [`Features:    ${info.features.join(', ')}`] : []),
          ...(info.mac ? [`MAC:         ${info.mac}`] : []),
          ...(info.crystalMHz ? [`Crystal:     ${info.crystalMHz} MHz`] : []),
          ...(info.flashId !== undefined ? [`Flash ID:    ${hexAddr(info.flashId)}`] : []),
          `Flash size:  ${formatSize(info.flashSize)}`,
          `Connected:   ${info.strategy} at ${info.baud} baud`,
          ...Object.entries(info.extra).map(([k, v]) => `${(k + ':').padEnd(13)}${String(v)}`),
        ];
        out.result({ ok: true, ...info }, lines);
      });
    });
}
