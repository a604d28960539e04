import type { Command } from 'commander';
import { hexAddr } from '../../core/bytes.js';
import { AnyflashError } from '../../core/errors.js';
import { deviceKey } from '../../engine/journal.js';
import { describeRecoveries } from '../../engine/recovery.js';
import type { Region } from '../../engine/regions.js';
import { findBackup, loadBackupRegions, type Backup } from '../backup-store.js';
import { deviceCommand, withDevice, type GlobalFlags } from '../common.js';

interface RestoreFlags extends GlobalFlags {
  anyDevice?: boolean;
}

export function register(program: Command): void {
  deviceCommand(program, 'restore', 'write a backup (anyflash backups) back to its device')
    .argument('<backup>', 'backup directory or id (<device>/<timestamp>, or a device key for its newest backup)')
    .option('--any-device', 'restore onto another device than the one it was taken from')
    .action(async (ref: string, flags: RestoreFlags) => {
      let backup: Backup | undefined;
      let regions: Region[] = [];
      process.exitCode = await withDevice(
        flags,
        async ({ device, out, signal, recovery }) => {
          const m = backup!.manifest;
          const key = deviceKey(await device.info());
          if (key !== m.deviceKey && !flags.anyDevice) {
            throw new AnyflashError('bad-input', `Backup ${backup!.id} was taken from ${m.deviceKey}, but this device is ${key}.`, {
              chip: device.chip,
              advice: ['Connect the device it came from, or add --any-device to write it here anyway.'],
            });
          }
          const { writeRegions } = await import('../../engine/write.js');
          const { device: _last, ...summary } = await writeRegions(device, regions, { recovery, events: out.events, signal });
          const recovered = summary.recoveries && describeRecoveries(summary.recoveries, device.sectorSize);
          out.result({ ok: true, backup: backup!.id, chip: device.chip, ...summary }, [
            ...summary.regions.map((r) => `${hexAddr(r.address)} +${r.size}: ${r.writtenBytes === 0 ? 'already as in the backup' : `restored ${r.writtenBytes} B`}${r.verified ? ', verified' : ''}`),
            `Restored ${backup!.id} in ${summary.seconds.toFixed(2)} s.`,
            ...(recovered ? [recovered[0]!.toUpperCase() + recovered.slice(1) + '.'] : []),
          ]);
        },
        () => {
          backup = findBackup(ref);
          regions = loadBackupRegions(backup);
        },
      );
    });
}
