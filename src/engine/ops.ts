import { AnyflashError } from '../core/errors.js';
import { hexAddr } from '../core/bytes.js';
import { noEvents, type EventSink } from '../core/events.js';
import type { FlashDevice } from '../families/types.js';
import { findDirtySectors } from './compare.js';
import { flashOffset, formatSize, mergeRanges, toFlashOffsets, validateRegions, type Range, type Region } from './regions.js';

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
  const data = await device.readFlash(address, size, {
    signal: ctx.signal,
    onProgress: (done) => events({ type: 'progress', op: 'read', region, done, total: size }),
  });
  events({ type: 'finish', op: 'read', region, seconds: (performance.now() - t0) / 1000, bytes: size });
  return data;
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
