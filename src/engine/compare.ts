import { bytesEqual, concatBytes, isAllFF } from '../core/bytes.js';
import type { FlashDevice } from '../families/types.js';
import { alignDown, alignUp, type Range, type Region } from './regions.js';

const BLOCK = 0x10000;
/** Differing parts of one level of a block that are still narrowed further (see `bisect`). */
const MAX_SPREAD = 2;

export interface CompareOptions {
  signal?: AbortSignal;
  /** Called after each device digest with the region bytes it covered. */
  onChecked?: (bytes: number) => void;
  /** The device's `digestCost`: compare adaptively (see `findDirtySectors`). */
  digestCost?: number;
}

/**
 * The sectors of `region` whose bytes differ from `copy`, the flash contents of the same range read
 * in this job (a backup taken just before the write): no device digests at all.
 */
export function dirtySectorsFromCopy(region: Region, copy: Uint8Array, sector: number): Range[] {
  const start = region.address;
  const end = start + region.data.length;
  return sectorRanges(start, end, sector)
    .filter((s) => !bytesEqual(region.data.subarray(s.start - start, s.end - start), copy.subarray(s.start - start, s.end - start)))
    .map((s) => sectorOf(s, sector));
}

/** Blocks compared, all of them changed, before a compare with dear digests of a small region gives up (see `findDirtySectors`). */
const MIN_SAMPLE = 2;

/**
 * Sectors a compare with dear digests checks first, spread over a large region (see
 * `findDirtySectors`): 8 CRCs of 4 KiB cost a Beken at 921600 baud about 0.13 s, two 64 KiB blocks 0.33 s.
 */
const SAMPLE_SECTORS = 8;

/**
 * Finds the sectors of `region` whose flash contents differ from the image, asking the device for
 * digests: the whole region first, then 64 KiB blocks, then sectors inside differing blocks.
 * A block that reads back erased needs no refinement: its dirty sectors are the image's non-blank
 * ones. Refinement stops when it keeps finding nothing equal (an unrelated flash), because then
 * the digests cost more round trips than they save.
 *
 * With `digestCost` (digesting a byte as a share of writing one, see `FlashDevice.digestCost`) the
 * compare is adaptive. A region of at least SAMPLE_SECTORS blocks is sampled first: single sectors
 * spread over it estimate the unchanged share without the bias of its start (a rebuilt app
 * differs from its first sectors on, yet may end as before). Below `digestCost` (the share at
 * which a block's digest pays for itself) the region is written without block digests, so a new
 * image pays for a few sector digests and nothing more; otherwise every block is compared.
 * Sampling stops as soon as it has decided: an image with one changed sector pays for two sector
 * digests more. A smaller region is digested block by block from the start, and once at least
 * MIN_SAMPLE blocks are seen and the share of unchanged ones among them is below `digestCost`,
 * the rest is marked dirty unseen. An erased block counts neither way: its digest saves the
 * erase, about what the digest costs. Narrowing differing blocks waits until the comparison ends
 * without stopping; the verify after the write checks it all.
 */
export async function findDirtySectors(device: FlashDevice, region: Region, options: CompareOptions = {}): Promise<Range[]> {
  const sector = device.sectorSize;
  const start = region.address;
  const end = region.address + region.data.length;
  const cmp = new Comparer(device, region, options);
  const cost = options.digestCost;
  const sampled = cost === undefined ? undefined : await cmp.sampleSaysCompare(start, end, cost);
  if (sampled === false) return [sectorOf({ start, end }, sector)];
  // Adaptive by blocks where the region was too small to sample.
  const adaptive = cost !== undefined && sampled === undefined;
  const whole = cost !== undefined ? undefined : await cmp.remote(start, end);
  if (whole && cmp.matches(whole, start, end)) return [];
  if (whole && cmp.isBlank(whole, start, end)) return cmp.nonBlankSectors(start, end);

  const dirty: Range[] = [];
  const differing: Range[] = [];
  let seen = 0;
  let unchanged = 0;
  for (let blockStart = start; blockStart < end; ) {
    const blockEnd = Math.min(end, alignDown(blockStart, BLOCK) + BLOCK);
    const single = blockEnd - blockStart === end - start;
    const remote = single && whole ? whole : await cmp.remote(blockStart, blockEnd);
    if (cmp.matches(remote, blockStart, blockEnd)) {
      seen++;
      unchanged++;
    } else if (cmp.isBlank(remote, blockStart, blockEnd)) {
      dirty.push(...cmp.nonBlankSectors(blockStart, blockEnd));
    } else {
      seen++;
      differing.push({ start: blockStart, end: blockEnd });
    }
    blockStart = blockEnd;
    if (adaptive && blockStart < end && seen >= MIN_SAMPLE && unchanged / seen < cost) {
      dirty.push(...differing.map((b) => sectorOf(b, sector)), sectorOf({ start: blockStart, end }, sector));
      return byAddress(dirty);
    }
  }
  let refinedBlocks = 0;
  let refinedHits = 0;
  for (const block of differing) {
    if (block.end - alignDown(block.start, sector) > sector && (refinedBlocks < 2 || refinedHits > 0)) {
      refinedBlocks++;
      refinedHits += await bisect(cmp, block.start, block.end, sector, dirty);
    } else {
      dirty.push(sectorOf(block, sector));
    }
  }
  return byAddress(dirty);
}

function byAddress(ranges: Range[]): Range[] {
  return ranges.sort((a, b) => a.start - b.start);
}

/**
 * Narrows a block known to differ down to its differing sectors by halves, level by level: when
 * the left half matches, the right half must differ and needs no digest of its own, so one changed
 * sector in a 64 KiB block costs four digests instead of sixteen. When more than MAX_SPREAD parts
 * of a level differ the change is broad (a rebuilt app): each further level would digest those
 * parts again for little to skip, so they are rewritten whole. Returns how many halves matched.
 */
async function bisect(cmp: Comparer, start: number, end: number, sector: number, dirty: Range[]): Promise<number> {
  let hits = 0;
  let differing: Range[] = [{ start, end }];
  while (differing.length > 0) {
    const next: Range[] = [];
    for (const r of differing) {
      if (r.end - alignDown(r.start, sector) <= sector) {
        dirty.push(sectorOf(r, sector));
        continue;
      }
      const mid = alignDown(r.start + Math.ceil((r.end - r.start) / 2 / sector) * sector, sector);
      const cut = mid > r.start && mid < r.end ? mid : alignDown(r.start, sector) + sector;
      if (cmp.matches(await cmp.remote(r.start, cut), r.start, cut)) {
        hits++;
        next.push({ start: cut, end: r.end });
        continue;
      }
      next.push({ start: r.start, end: cut });
      if (cmp.matches(await cmp.remote(cut, r.end), cut, r.end)) hits++;
      else next.push({ start: cut, end: r.end });
    }
    if (next.length > MAX_SPREAD) {
      for (const r of next) dirty.push(sectorOf(r, sector));
      break;
    }
    differing = next;
  }
  return hits;
}

/** Device digests of flash ranges against local digests of the image (or of erased flash). */
class Comparer {
  private readonly blank = new Map<number, Uint8Array>();

  constructor(
    private readonly device: FlashDevice,
    private readonly region: Region,
    private readonly options: CompareOptions,
  ) {}

  /** The device's digest of [start, end), in pieces no longer than the scheme allows. */
  async remote(start: number, end: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for (const [s, e] of this.pieces(start, end)) parts.push(await this.device.flashDigest(s, e - s, { signal: this.options.signal }));
    this.options.onChecked?.(end - start);
    return concatBytes(parts);
  }

  matches(remote: Uint8Array, start: number, end: number): boolean {
    const local = this.pieces(start, end).map(([s, e]) => this.device.digest.compute(this.image(s, e)));
    return bytesEqual(remote, concatBytes(local));
  }

  /**
   * Whether comparing block by block pays, from SAMPLE_SECTORS sectors spread over the region:
   * true once the matching share reaches `cost`, false when it cannot any more (erased sectors
   * count as changed: an erased block saves about what its digest costs), undefined when the
   * region is smaller than SAMPLE_SECTORS blocks.
   */
  async sampleSaysCompare(start: number, end: number, cost: number): Promise<boolean | undefined> {
    const sector = this.device.sectorSize;
    if (end - start < SAMPLE_SECTORS * BLOCK) return undefined;
    const needed = Math.max(1, Math.ceil(cost * SAMPLE_SECTORS));
    let matched = 0;
    for (let i = 0; i < SAMPLE_SECTORS; i++) {
      if (matched + (SAMPLE_SECTORS - i) < needed) return false;
      const at = alignDown(start + Math.floor(((i + 0.5) * (end - start)) / SAMPLE_SECTORS), sector);
      const from = Math.max(start, at);
      const to = Math.min(end, at + sector);
      if (this.matches(await this.remote(from, to), from, to) && ++matched >= needed) return true;
    }
    return false;
  }

  /** True when the flash range reads back erased (all 0xFF). */
  isBlank(remote: Uint8Array, start: number, end: number): boolean {
    const local = this.pieces(start, end).map(([s, e]) => this.blankDigest(e - s));
    return bytesEqual(remote, concatBytes(local));
  }

  /** Sectors of [start, end) whose image bytes are not all 0xFF (the ones an erased flash lacks). */
  nonBlankSectors(start: number, end: number): Range[] {
    return sectorRanges(start, end, this.device.sectorSize)
      .filter((s) => !isAllFF(this.image(s.start, s.end)))
      .map((s) => sectorOf(s, this.device.sectorSize));
  }

  private image(start: number, end: number): Uint8Array {
    return this.region.data.subarray(start - this.region.address, end - this.region.address);
  }

  private blankDigest(length: number): Uint8Array {
    let d = this.blank.get(length);
    if (!d) {
      d = this.device.digest.compute(new Uint8Array(length).fill(0xff));
      this.blank.set(length, d);
    }
    return d;
  }

  private pieces(start: number, end: number): Array<[number, number]> {
    const max = this.device.digest.maxRange;
    const out: Array<[number, number]> = [];
    for (let s = start; s < end; s += max) out.push([s, Math.min(end, s + max)]);
    return out;
  }
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
