import type { Command } from 'commander';
import { verifyRegions } from '../../engine/ops.js';
import { validateRegions, type Region } from '../../engine/regions.js';
import { deviceCommand, withDevice, type GlobalFlags } from '../common.js';
import { loadFileArgs, parseFileArgs } from '../inputs.js';
import { summariseRanges } from '../../core/range-summary.js';

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
            out.say(`verify-mismatch: ${bad.length} of ${diffs.length} files differ from the flash; \`anyflash write\` sends only the differing sectors.`);
            return 1;
          }
        },
        () => {
          regions = loadFileArgs(parseFileArgs(files), flags.chip).regions;
          validateRegions(regions);
        },
      );
    });
}
