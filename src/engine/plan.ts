import { AnyflashError } from '../core/errors.js';
import type { FlashDevice } from '../families/types.js';
import { espImageChipCheck } from '../formats/esp-image.js';
import { checkFitsPartition, parsePartitionBinary, PARTITION_TABLE_OFFSET, PARTITION_TABLE_SIZE } from '../formats/partition-table.js';
import type { Region } from './regions.js';

/** Below this address a half-written region can leave a device that no longer boots (bootloader, partition table). */
const CRITICAL_END: Record<string, number> = { esp: 0x10000, beken: 0x11000 };

/** Regions whose partial state can brick the device are marked critical: the engine writes them last. */
export function markCritical(family: string | undefined, regions: readonly Region[]): Region[] {
  const limit = (family && CRITICAL_END[family]) || 0;
  return regions.map((r) => ({ ...r, critical: r.address < limit }));
}

/** Refuses ESP images built for another chip or revision range, unless `force`. */
export async function checkImages(device: FlashDevice, regions: readonly Region[], force: boolean): Promise<void> {
  if (device.family !== 'esp' || force) return;
  const info = await device.info();
  for (const r of regions) {
    const problem = espImageChipCheck(r.data, device.chip, info.revision);
    if (problem) {
      throw new AnyflashError('wrong-chip-image', `${r.name}: ${problem}`, {
        file: r.name,
        chip: device.chip,
        advice: ['Build the image for this chip, or pass --force if you are sure.'],
      });
    }
  }
}

/** One file placed at the start of the device's partition `name` (its table read from the device). */
export async function placeInPartition(device: FlashDevice, name: string, regions: readonly Region[]): Promise<Region[]> {
  if (regions.length !== 1) throw new AnyflashError('bad-input', '--partition takes exactly one file without an address.');
  const table = parsePartitionBinary(await device.readFlash(PARTITION_TABLE_OFFSET, PARTITION_TABLE_SIZE), 'the partition table on the device');
  const r = regions[0]!;
  const p = checkFitsPartition(table, name, r.data.length, r.name);
  return [{ ...r, address: p.offset, name: `${r.name} → ${name}` }];
}

export interface PlanOptions {
  /** Place the single file at the start of this partition of the device's table. */
  partition?: string;
  /** Write images built for another chip or revision. */
  force?: boolean;
  /** A front end's own adjustment once the device is known (e.g. rewriting an image header), before the checks. */
  adjust?: (regions: Region[]) => Region[];
}

/**
 * What a "write" means on a connected device, the same for every front end: partition placement,
 * image checks (another chip's image is refused), critical regions last.
 */
export async function planWrite(device: FlashDevice, regions: readonly Region[], options: PlanOptions = {}): Promise<Region[]> {
  let planned = options.partition ? await placeInPartition(device, options.partition, regions) : [...regions];
  if (options.adjust) planned = options.adjust(planned);
  await checkImages(device, planned, options.force === true);
  return markCritical(device.family, planned);
}
