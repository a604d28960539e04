import type { Command } from 'commander';
import { deviceCommand, withDevice, type GlobalFlags } from '../common.js';
import { infoJson, infoLines } from '../info-view.js';

export function register(program: Command): void {
  deviceCommand(program, 'info', 'show chip, revision, features, MAC, crystal, flash id and size, security info')
    .aliases(['chip-id', 'chip_id', 'flash-id', 'flash_id', 'read-mac', 'read_mac', 'board-info'])
    .action(async (flags: GlobalFlags) => {
      process.exitCode = await withDevice(flags, async ({ device, out }) => {
        const info = await device.info();
        out.result(infoJson(info), infoLines(info));
      });
    });
}
