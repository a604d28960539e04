import { bytesEqual } from '../core/bytes.js';
import type { FlashDevice } from '../families/types.js';
import { alignDown, alignUp, type Range, type Region } from './regions.js';

const BLOCK = 0x10000;

export interface CompareOptions {
  signal?: AbortSignal;
  /** Called after each device digest with the region bytes it covered. */
  onChecked?: (bytes: number) => void;
}

/**
 * Finds the sectors of `region` whose flash contents differ from the image, asking the device for
 * digests: the whole region first, then 64 KiB blocks, then sectors inside differing blocks. Stops
 * refining when refinement keeps finding nothing equal (a blank or unrelated flash), because then
 * the digests cost more round trips than they save.
 */
export async function findDirtySectors(
  device: FlashDevice,
  region: Region,
  options: CompareOptions = {},
): Promise<Range[]> {
  const sector = device.sectorSize;
  const start = region.address;
  const end = region.address + region.data.length;
  if (await rangeMatches(device, region, start, end, options)) return [];

  const dirty: Range[] = [];
  let refinedBlocks = 0;
  let refinedHits = 0;
  for (let blockStart = start; blockStart < end; ) {
    const blockEnd = Math.min(end, alignDown(blockStart, BLOCK) + BLOCK);
    const single = blockEnd - blockStart === end - start;
    if (single || !(await rangeMatches(device, region, blockStart, blockEnd, options))) {
      const sectors = sectorRanges(blockStart, blockEnd, sector);
      const refine = sectors.length > 1 && (refinedBlocks < 2 || refinedHits > 0);
      if (refine) {
        refinedBlocks++;
        for (const s of sectors) {
          if (await rangeMatches(device, region, s.start, s.end, options)) refinedHits++;
          else dirty.push(sectorOf(s, sector));
        }
      } else {
        for (const s of sectors) dirty.push(sectorOf(s, sector));
      }
    }
    blockStart = blockEnd;
  }
  return dirty;
}

async function rangeMatches(
  device: FlashDevice,
  region: Region,
  start: number,
  end: number,
  options: CompareOptions,
): Promise<boolean> {
  const local = region.data.subarray(start - region.address, end - region.address);
  const max = device.digest.maxRange;
  let same = true;
  for (let s = start; s < end && same; s += max) {
    const e = Math.min(end, s + max);
    const remote = await device.flashDigest(s, e - s, { signal: options.signal });
    same = bytesEqual(remote, device.digest.compute(local.subarray(s - start, e - start)));
  }
  options.onChecked?.(end - start);
  return same;
}

/** The parts of [start, end) cut at sector boundaries. */
function sectorRanges(start: number, end: number, sector: number): Range[] {
  const out: Range[] = [];
  for (let s = start; s < end; ) {
    const e = Math.min(end, alignDown(s, sector) + sector);
    out.push({ start: s, end: e });
    s = e;
  }
  return out;
}

function sectorOf(r: Range, sector: number): Range {
  return { start: alignDown(r.start, sector), end: alignUp(r.end, sector) };
}
