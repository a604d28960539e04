import { isAllFF } from '../core/bytes.js';
import { TYPICAL_NOR } from '../core/nor.js';
import { alignDown, alignUp, type Range, type Region } from './regions.js';

/**
 * Typical NOR erase and program times, weighed against wire time at the link's baud: a 64 KiB
 * block erases in about the time of three 4 KiB sectors.
 */
const { sectorEraseMs: SECTOR_ERASE_MS, block64EraseMs: BLOCK_ERASE_MS, pageProgramMs: PAGE_PROGRAM_MS } = TYPICAL_NOR;
const BLOCK = 0x10000;
/**
 * What one more separate range costs besides its erases: a round trip, and the pipeline drained
 * (the flash idles while the next range's first data crosses the wire, about a sector's time).
 */
const ROUND_TRIP_MS = 20;
/** Bytes a raw 4 KiB write frame adds (Beken's header, SiFli's command). */
const FRAME_BYTES = 16;

export interface LinkCosts {
  /** Working baud of the link (10 bits a byte on the wire). */
  baud: number;
  /** The device deflates what it sends (ESP's stub): a gap costs its compressed size on the wire. */
  compresses: boolean;
  sectorSize: number;
}

/**
 * Dirty ranges with some unchanged sectors between them written anyway, where that is faster.
 * A range erases in 64 KiB blocks only where it covers one whole and in sectors elsewhere (as the
 * ESP stubs' and Beken's erase loops do), so unchanged sectors inside a block that is otherwise
 * rewritten turn one block erase into many sector erases: on a flash-bound write (a data-heavy
 * ESP image) that decides the time. So, first, a block inside the region is rewritten whole when
 * its sector erases cost more than a block erase plus re-sending its unchanged sectors; then two
 * ranges are joined when re-sending the gap costs less than a separate range. A gap of unchanged
 * code with a few changed sectors around it stays unwritten. Costs are estimates from the link's
 * baud and typical NOR timings.
 */
export function bridgeCheapGaps(ranges: readonly Range[], region: Region, link: LinkCosts): Range[] {
  const sector = link.sectorSize;
  const dirty = new Set<number>();
  for (const r of ranges) for (let s = alignDown(r.start, sector); s < r.end; s += sector) dirty.add(s);
  const first = alignUp(region.address, BLOCK);
  for (let block = first; block + BLOCK <= region.address + region.data.length; block += BLOCK) {
    let changed = 0;
    let resend = BLOCK_ERASE_MS;
    for (let s = block; s < block + BLOCK; s += sector) {
      if (dirty.has(s)) changed++;
      else resend += sendMs(s, region, link);
    }
    if (changed > 0 && resend < (changed * SECTOR_ERASE_MS * sector) / 0x1000) {
      for (let s = block; s < block + BLOCK; s += sector) dirty.add(s);
    }
  }
  const out: Range[] = [];
  for (const s of [...dirty].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && s === last.end) last.end = s + sector;
    else if (last && worthJoining(last, { start: s, end: s + sector }, region, link)) last.end = s + sector;
    else out.push({ start: s, end: s + sector });
  }
  return out;
}

/** Two ranges are one when the gap costs less to re-send than a separate range (with its erases). */
function worthJoining(a: Range, b: Range, region: Region, link: LinkCosts): boolean {
  const sector = link.sectorSize;
  const separate = ROUND_TRIP_MS + ((sector + FRAME_BYTES) * 10 * 1000) / link.baud;
  const saved = eraseMs(a, sector) + eraseMs(b, sector) - eraseMs({ start: a.start, end: b.end }, sector) + separate;
  let cost = 0;
  for (let s = a.end; s < b.start && cost < saved; s += sector) cost += sendMs(s, region, link);
  return cost < saved;
}

/** Time to re-send the unchanged sector at `at`: programming, and the wire unless it is erased (skipped, or deflated to a few bytes). */
function sendMs(at: number, region: Region, link: LinkCosts): number {
  const bytes = region.data.subarray(Math.max(0, at - region.address), Math.max(0, Math.min(region.data.length, at + link.sectorSize - region.address)));
  const program = (link.sectorSize / 256) * PAGE_PROGRAM_MS;
  if (bytes.length === 0 || isAllFF(bytes)) return program;
  const onWire = link.compresses ? entropyBytes(bytes) : bytes.length + FRAME_BYTES;
  return program + (onWire * 10 * 1000) / link.baud;
}
/** Order-0 entropy of `bytes` in bytes: about what deflate makes of them (less for repeated strings). */
function entropyBytes(bytes: Uint8Array): number {
  const counts = new Uint32Array(256);
  for (const b of bytes) counts[b]!++;
  let bits = 0;
  for (const c of counts) if (c > 0) bits -= c * Math.log2(c / bytes.length);
  return bits / 8;
}

/** Erase time of one range written on its own: whole aligned 64 KiB blocks, sectors elsewhere. */
function eraseMs(r: Range, sector: number): number {
  let ms = 0;
  for (let at = alignDown(r.start, sector); at < r.end; ) {
    if (at % BLOCK === 0 && at + BLOCK <= r.end) {
      ms += BLOCK_ERASE_MS;
      at += BLOCK;
    } else {
      ms += (SECTOR_ERASE_MS * sector) / 0x1000;
      at += sector;
    }
  }
  return ms;
}
