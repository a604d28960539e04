import { AnyflashError } from '../core/errors.js';
import { bytesEqual, hexAddr } from '../core/bytes.js';
import { noEvents, type EventSink } from '../core/events.js';
import type { FlashDevice } from '../families/types.js';
import { findDirtySectors } from './compare.js';
import { alignDown, flashOffset, formatSize, mergeRanges, toFlashOffsets, validateRegions, type Range, type Region } from './regions.js';

export interface OpContext {
  events?: EventSink;
  signal?: AbortSignal;
}

export interface Difference {
  name: string;
  ranges: Range[];
}

/**
 * Compares files with the flash: digests narrow the search to sectors, then the differing sectors
 * are read to report exact byte ranges.
 */
export async function verifyRegions(device: FlashDevice, input: readonly Region[], ctx: OpContext = {}): Promise<Difference[]> {
  const events = ctx.events ?? noEvents;
  const regions = toFlashOffsets(input, device.flashBase);
  validateRegions(regions, device.flashSize);
  const out: Difference[] = [];
  for (const region of regions) {
    const t0 = performance.now();
    const r = { address: region.address, size: region.data.length, name: region.name };
    events({ type: 'start', op: 'verify', region: r, total: region.data.length });
    const sectors = mergeRanges(await findDirtySectors(device, region, { signal: ctx.signal }));
    const exact: Range[] = [];
    for (const s of sectors) {
      const start = Math.max(s.start, region.address);
      const end = Math.min(s.end, region.address + region.data.length);
      const flash = await device.readFlash(start, end - start, { signal: ctx.signal });
      exact.push(...byteDiffs(flash, region.data.subarray(start - region.address, end - region.address), start));
    }
    out.push({ name: region.name, ranges: mergeRanges(exact) });
    events({ type: 'finish', op: 'verify', region: r, seconds: (performance.now() - t0) / 1000 });
  }
  return out;
}

function byteDiffs(a: Uint8Array, b: Uint8Array, base: number): Range[] {
  const out: Range[] = [];
  let i = 0;
  while (i < a.length) {
    if (a[i] === b[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < a.length && a[j] !== b[j]) j++;
    out.push({ start: base + i, end: base + j });
    i = j;
  }
  return out;
}

/** Checks a flash range against the device before reading or erasing. */
export function checkRange(device: FlashDevice, address: number, size: number, alignTo?: number): void {
  if (address < 0 || size <= 0 || address + size > device.flashSize) {
    throw new AnyflashError(
      'file-too-large',
      `Range ${hexAddr(address)}+${hexAddr(size)} is outside the ${formatSize(device.flashSize)} flash.`,
      { address, advice: ['Check the address and size.'] },
    );
  }
  if (alignTo && (address % alignTo !== 0 || size % alignTo !== 0)) {
    throw new AnyflashError(
      'misaligned-address',
      `Erase range ${hexAddr(address)}+${hexAddr(size)} is not aligned to the ${formatSize(alignTo)} sector.`,
      { address, advice: [`Use an address and size that are multiples of ${hexAddr(alignTo)}.`] },
    );
  }
}

export async function readRange(device: FlashDevice, at: number, size: number, ctx: OpContext = {}): Promise<Uint8Array> {
  const events = ctx.events ?? noEvents;
  const address = flashOffset(at, device.flashBase);
  checkRange(device, address, size);
  const t0 = performance.now();
  const region = { address, size };
  events({ type: 'start', op: 'read', region, total: size });
  const onProgress = (done: number): void => events({ type: 'progress', op: 'read', region, done, total: size });
  const data = await readSkippingErased(device, address, size, { signal: ctx.signal, onProgress });
  events({ type: 'finish', op: 'read', region, seconds: (performance.now() - t0) / 1000, bytes: size });
  return data;
}

const READ_BLOCK = 0x10000;

/**
 * Reads a range, but first asks the device which 64 KiB blocks are erased and reads only the
 * others: a dump or backup of a half-empty flash then costs one digest per empty block instead of
 * its bytes on the wire (4 MiB at 921600 baud is 46 s). Only with digests too long to collide by
 * chance (MD5): a block wrongly taken for erased would be missing from a backup. A digest costs a
 * round trip and the device's hashing of the block, a few percent of reading it at 921600 baud.
 */
async function readSkippingErased(device: FlashDevice, address: number, size: number, options: { signal?: AbortSignal; onProgress: (done: number) => void }): Promise<Uint8Array> {
  const blank = (length: number): Uint8Array => device.digest.compute(new Uint8Array(length).fill(0xff));
  const useDigests = size >= 2 * READ_BLOCK && blank(0).length >= 16;
  const out = new Uint8Array(size).fill(0xff);
  const blocks: Range[] = [];
  for (let s = address; s < address + size; ) {
    const e = Math.min(address + size, alignDown(s, READ_BLOCK) + READ_BLOCK);
    blocks.push({ start: s, end: e });
    s = e;
  }
  const toRead: Range[] = [];
  for (const b of blocks) {
    const erased = useDigests && bytesEqual(await device.flashDigest(b.start, b.end - b.start, { signal: options.signal }), blank(b.end - b.start));
    if (!erased) toRead.push(b);
  }
  let done = size - toRead.reduce((n, r) => n + r.end - r.start, 0);
  options.onProgress(done);
  for (const r of mergeRanges(toRead)) {
    const before = done;
    out.set(await device.readFlash(r.start, r.end - r.start, { signal: options.signal, onProgress: (n) => options.onProgress(before + n) }), r.start - address);
    done += r.end - r.start;
  }
  return out;
}

export async function eraseRange(device: FlashDevice, address: number | undefined, size: number | undefined, ctx: OpContext = {}): Promise<void> {
  const events = ctx.events ?? noEvents;
  const t0 = performance.now();
  if (address === undefined || size === undefined) {
    const region = { address: 0, size: device.flashSize };
    events({ type: 'start', op: 'erase', region, total: device.flashSize });
    await device.eraseAll({ signal: ctx.signal });
    events({ type: 'finish', op: 'erase', region, seconds: (performance.now() - t0) / 1000 });
    return;
  }
  address = flashOffset(address, device.flashBase);
  checkRange(device, address, size, device.sectorSize);
  const region = { address, size };
  events({ type: 'start', op: 'erase', region, total: size });
  await device.eraseFlash(address, size, {
    signal: ctx.signal,
    onProgress: (done) => events({ type: 'progress', op: 'erase', region, done, total: size }),
  });
  events({ type: 'finish', op: 'erase', region, seconds: (performance.now() - t0) / 1000 });
}
