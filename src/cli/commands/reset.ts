import type { Command } from 'commander';
import { deviceCommand, withDevice, type GlobalFlags } from '../common.js';

export function register(program: Command): void {
  deviceCommand(program, 'reset', 'connect, then reset the chip as --after says (default: hard reset into the firmware)').action(
    async (flags: GlobalFlags) => {
      process.exitCode = await withDevice(flags, async ({ device, out }) => {
        out.result({ ok: true, chip: device.chip, after: flags.after ?? 'hard-reset' }, [`${device.chip}: ${flags.after ?? 'hard-reset'}.`]);
      });
    },
  );
}
