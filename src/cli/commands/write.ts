import type { Command } from 'commander';
import { hexAddr } from '../../core/bytes.js';
import type { FlashDevice } from '../../families/types.js';
import { validateRegions, type Region } from '../../engine/regions.js';
import { writeRegions } from '../../engine/write.js';
import { describeRecoveries } from '../../engine/recovery.js';
import { deviceCommand, withDevice, type GlobalFlags } from '../common.js';
import { loadFileArgs, parseFileArgs } from '../inputs.js';

interface WriteFlags extends GlobalFlags {
  skip?: boolean;
  verify?: boolean;
}

/** Regions whose partial state can brick the device are written last (engine orders by this). */
function markCritical(device: FlashDevice, regions: Region[]): Region[] {
  const limit = device.family === 'esp' ? 0x10000 : device.family === 'beken' ? 0x11000 : 0;
  return regions.map((r) => ({ ...r, critical: r.address < limit }));
}

export function register(program: Command): void {
  deviceCommand(program, 'write', 'write files to flash (skips unchanged sectors, verifies after writing)')
    .aliases(['write-flash', 'write_flash'])
    .argument('<files...>', 'ADDRESS FILE pairs (0x1000 boot.bin), FILE@ADDRESS, or .hex/.uf2/.elf files')
    .option('--no-skip', 'write every sector even when the flash already holds the same bytes')
    .option('--no-verify', 'do not check the written regions by digest')
    .action(async (files: string[], flags: WriteFlags) => {
      let regions: Region[] = [];
      let warnings: string[] = [];
      process.exitCode = await withDevice(
        flags,
        async ({ device, out, signal, recovery }) => {
          for (const w of warnings) out.say(`warning: ${w}`);
          const { device: _last, ...summary } = await writeRegions(device, markCritical(device, regions), {
            skipUnchanged: flags.skip !== false,
            verify: flags.verify !== false,
            recovery,
            events: out.events,
            signal,
          });
          const recovered = summary.recoveries && describeRecoveries(summary.recoveries, device.sectorSize);
          out.result(
            { ok: true, chip: device.chip, family: device.family, ...summary },
            [
              ...summary.regions.map(
                (r) =>
                  `${r.name} @ ${hexAddr(r.address)}: ${r.writtenBytes === 0 ? 'unchanged, skipped' : `wrote ${r.writtenBytes} B, skipped ${r.skippedBytes} B`}${r.verified ? ', verified' : ''}`,
              ),
              `Done in ${summary.seconds.toFixed(2)} s: ${summary.writtenBytes} B written, ${summary.skippedBytes} B unchanged.`,
              ...(recovered ? [recovered[0]!.toUpperCase() + recovered.slice(1) + '.'] : []),
            ],
          );
        },
        () => {
          const loaded = loadFileArgs(parseFileArgs(files), flags.chip);
          regions = loaded.regions;
          warnings = loaded.warnings;
          validateRegions(regions);
        },
      );
    });
}
