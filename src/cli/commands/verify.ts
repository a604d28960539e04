import type { Command } from 'commander';
import { verifyRegions } from '../../engine/ops.js';
import { validateRegions, type Region } from '../../engine/regions.js';
import { deviceCommand, withDevice, type GlobalFlags } from '../common.js';
import { loadFileArgs, parseFileArgs } from '../inputs.js';
import { summariseRanges } from '../../core/range-summary.js';
import { AnyflashError } from '../../core/errors.js';
import { exitCodeFor } from '../output.js';

export function register(program: Command): void {
  deviceCommand(program, 'verify', 'compare files with the flash and report the differing ranges')
    .aliases(['verify-flash', 'verify_flash'])
    .argument('<files...>', 'ADDRESS FILE pairs, FILE@ADDRESS, or .hex/.uf2/.elf files')
    .action(async (files: string[], flags: GlobalFlags) => {
      let regions: Region[] = [];
      process.exitCode = await withDevice(
        flags,
        async ({ device, out, signal }) => {
          const diffs = await verifyRegions(device, regions, { events: out.events, signal });
          const bad = diffs.filter((d) => d.ranges.length > 0);
          out.result(
            { ok: bad.length === 0, chip: device.chip, regions: diffs },
            diffs.map((d) =>
              d.ranges.length === 0
                ? `${d.name}: matches`
                : `${d.name}: differs in ${summariseRanges(d.ranges, flags.verbose, '(--verbose or --json lists all)')}`,
            ),
          );
          if (bad.length > 0) {
            const message = `${bad.length} of ${diffs.length} files differ from the flash`;
            out.say(`verify-mismatch: ${message}; \`anyflash write\` sends only the differing sectors.`);
            // Through anyflash-esptool this is esptool's code for a failed verify (2), not our 1.
            return exitCodeFor(new AnyflashError('verify-mismatch', message));
          }
        },
        () => {
          regions = loadFileArgs(parseFileArgs(files), flags.chip).regions;
          validateRegions(regions);
        },
      );
    });
}
