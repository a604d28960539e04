import { AnyflashError } from '../core/errors.js';
import { hexAddr } from '../core/bytes.js';

/** Bytes to place at an absolute flash address. */
export interface Region {
  address: number;
  data: Uint8Array;
  /** File name or role, used in messages and events. */
  name: string;
  /** Writing it partially can brick the device (bootloader, partition table): written last. */
  critical?: boolean;
}

export interface Range {
  start: number;
  end: number;
}

/**
 * Checks regions before anything touches the device: non-empty, non-negative, inside the flash
 * when its size is known, and not overlapping each other.
 */
export function validateRegions(regions: readonly Region[], flashSize?: number): void {
  if (regions.length === 0) throw new AnyflashError('bad-input', 'Nothing to write: give at least one file with its address.');
  for (const r of regions) {
    if (!Number.isInteger(r.address) || r.address < 0) {
      throw new AnyflashError('bad-input', `${r.name}: address ${r.address} is not a valid flash address.`, { file: r.name });
    }
    if (r.data.length === 0) {
      throw new AnyflashError('file-empty', `${r.name} is empty; there is nothing to write.`, { file: r.name });
    }
    if (flashSize !== undefined && r.address + r.data.length > flashSize) {
      throw new AnyflashError(
        'file-too-large',
        `${r.name} (${r.data.length} bytes at ${hexAddr(r.address)}) ends at ${hexAddr(r.address + r.data.length)}, beyond the ${formatSize(flashSize)} flash.`,
        { file: r.name, address: r.address, advice: ['Check the address, or use a chip with a larger flash.'] },
      );
    }
  }
  const sorted = [...regions].sort((a, b) => a.address - b.address);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.address < prev.address + prev.data.length) {
      throw new AnyflashError(
        'regions-overlap',
        `${cur.name} at ${hexAddr(cur.address)} overlaps ${prev.name} (${hexAddr(prev.address)}–${hexAddr(prev.address + prev.data.length)}).`,
        { file: cur.name, address: cur.address, advice: ['Fix the addresses so the files do not overlap.'] },
      );
    }
  }
}

export function formatSize(bytes: number): string {
  if (bytes >= 0x100000 && bytes % 0x100000 === 0) return `${bytes / 0x100000} MiB`;
  if (bytes >= 0x400 && bytes % 0x400 === 0) return `${bytes / 0x400} KiB`;
  return `${bytes} bytes`;
}

/** Merges sorted or unsorted ranges that touch or overlap. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** The parts of `range` that none of `covers` overlaps, in order. */
export function uncovered(range: Range, covers: readonly Range[]): Range[] {
  const out: Range[] = [];
  let cursor = range.start;
  for (const c of mergeRanges(covers)) {
    if (c.start >= range.end) break;
    if (c.start > cursor) out.push({ start: cursor, end: c.start });
    cursor = Math.max(cursor, c.end);
  }
  if (cursor < range.end) out.push({ start: cursor, end: range.end });
  return out;
}

export const alignDown = (n: number, a: number): number => Math.floor(n / a) * a;
export const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/** A flash offset for `address`, which may be given in the chip's address map (at or above `base`). */
export function flashOffset(address: number, base: number | undefined): number {
  return base && address >= base ? address - base : address;
}

/** Regions with absolute chip addresses moved to flash offsets. */
export function toFlashOffsets(regions: readonly Region[], base: number | undefined): Region[] {
  return regions.map((r) => ({ ...r, address: flashOffset(r.address, base) }));
}
