import { AnyflashError } from '../core/errors.js';
import { hexAddr } from '../core/bytes.js';
import { noEvents, type EventSink, type RegionRef } from '../core/events.js';
import { throwIfAborted } from '../core/time.js';
import type { FlashDevice } from '../families/types.js';
import { findDirtySectors } from './compare.js';
import { alignDown, alignUp, mergeRanges, validateRegions, type Range, type Region } from './regions.js';

export interface WriteOptions {
  /** Compare with the flash and send only differing sectors (default true). */
  skipUnchanged?: boolean;
  /** Check every region by digest after writing (default true). */
  verify?: boolean;
  /** Rewrites of sectors that fail verification before giving up. */
  verifyRetries?: number;
  events?: EventSink;
  signal?: AbortSignal;
}

export interface RegionResult {
  name: string;
  address: number;
  size: number;
  writtenBytes: number;
  skippedBytes: number;
  verified: boolean;
}

export interface WriteSummary {
  regions: RegionResult[];
  writtenBytes: number;
  skippedBytes: number;
  seconds: number;
}

const ref = (r: Region): RegionRef => ({ address: r.address, size: r.data.length, name: r.name });

/**
 * Writes regions to a connected device: plan → compare (skip unchanged) → write only dirty
 * sectors (read-modify-write where a sector is only partly covered, so nothing outside the
 * regions is lost) → verify by digest, rewriting sectors that fail, within a bound.
 * Critical regions (bootloader, partition table) go last, after everything else verified.
 */
export async function writeRegions(
  device: FlashDevice,
  regions: readonly Region[],
  options: WriteOptions = {},
): Promise<WriteSummary> {
  const events = options.events ?? noEvents;
  const signal = options.signal;
  const skipUnchanged = options.skipUnchanged ?? true;
  const verify = options.verify ?? true;
  const started = performance.now();
  validateRegions(regions, device.flashSize);

  const ordered = [...regions].sort((a, b) => Number(a.critical ?? false) - Number(b.critical ?? false) || a.address - b.address);
  events({ type: 'plan', regions: ordered.map(ref) });

  const results: RegionResult[] = [];
  for (const region of ordered) {
    throwIfAborted(signal);
    const result: RegionResult = {
      name: region.name,
      address: region.address,
      size: region.data.length,
      writtenBytes: 0,
      skippedBytes: 0,
      verified: false,
    };
    results.push(result);
    const dirty = skipUnchanged
      ? await compareRegion(device, region, events, signal)
      : [{ start: alignDown(region.address, device.sectorSize), end: alignUp(region.address + region.data.length, device.sectorSize) }];
    if (dirty.length === 0) {
      result.skippedBytes = region.data.length;
      result.verified = true;
      events({ type: 'skip', op: 'write', region: ref(region), reason: 'unchanged' });
      continue;
    }
    const written = await writeRanges(device, regions, region, dirty, events, signal);
    result.writtenBytes = written;
    result.skippedBytes = Math.max(0, region.data.length - written);
    if (verify) {
      await verifyRegion(device, regions, region, events, signal, options.verifyRetries ?? 2);
      result.verified = true;
    }
  }
  const writtenBytes = results.reduce((n, r) => n + r.writtenBytes, 0);
  const skippedBytes = results.reduce((n, r) => n + r.skippedBytes, 0);
  return { regions: results, writtenBytes, skippedBytes, seconds: (performance.now() - started) / 1000 };
}

async function compareRegion(device: FlashDevice, region: Region, events: EventSink, signal?: AbortSignal): Promise<Range[]> {
  const t0 = performance.now();
  events({ type: 'start', op: 'compare', region: ref(region), total: region.data.length });
  let done = 0;
  const dirty = await findDirtySectors(device, region, {
    signal,
    onChecked: (n) => {
      done = Math.min(region.data.length, done + n);
    },
  });
  const merged = mergeRanges(dirty);
  for (const gap of cleanParts(region, merged)) {
    events({ type: 'skip', op: 'write', region: { address: gap.start, size: gap.end - gap.start, name: region.name }, reason: 'unchanged' });
  }
  events({ type: 'finish', op: 'compare', region: ref(region), seconds: (performance.now() - t0) / 1000 });
  return merged;
}

/** Parts of a region not covered by dirty ranges (reported as skipped). */
function cleanParts(region: Region, dirty: readonly Range[]): Range[] {
  const out: Range[] = [];
  let cursor = region.address;
  const end = region.address + region.data.length;
  for (const d of dirty) {
    if (d.start > cursor) out.push({ start: cursor, end: Math.min(d.start, end) });
    cursor = Math.max(cursor, d.end);
  }
  if (dirty.length > 0 && cursor < end) out.push({ start: cursor, end });
  return out;
}

/** Builds the bytes of [start, end): image bytes where any region covers them, device bytes elsewhere. */
async function assemble(device: FlashDevice, regions: readonly Region[], range: Range, signal?: AbortSignal): Promise<Uint8Array> {
  const out = new Uint8Array(range.end - range.start);
  const covered = new Uint8Array(out.length);
  for (const r of regions) {
    const s = Math.max(range.start, r.address);
    const e = Math.min(range.end, r.address + r.data.length);
    if (s >= e) continue;
    out.set(r.data.subarray(s - r.address, e - r.address), s - range.start);
    covered.fill(1, s - range.start, e - range.start);
  }
  // Preserve what lies outside the regions in the sectors we are about to erase.
  let i = 0;
  while (i < out.length) {
    if (covered[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < out.length && !covered[j]) j++;
    const keep = await device.readFlash(range.start + i, j - i, { signal });
    out.set(keep, i);
    i = j;
  }
  return out;
}

async function writeRanges(
  device: FlashDevice,
  regions: readonly Region[],
  region: Region,
  dirty: readonly Range[],
  events: EventSink,
  signal?: AbortSignal,
): Promise<number> {
  const total = dirty.reduce((n, d) => n + (d.end - d.start), 0);
  const t0 = performance.now();
  events({ type: 'start', op: 'write', region: ref(region), total });
  let before = 0;
  for (const d of dirty) {
    throwIfAborted(signal);
    const data = await assemble(device, regions, d, signal);
    await device.writeFlash(d.start, data, {
      signal,
      onProgress: (done) => events({ type: 'progress', op: 'write', region: ref(region), done: before + done, total }),
    });
    before += d.end - d.start;
    events({ type: 'progress', op: 'write', region: ref(region), done: before, total });
  }
  events({ type: 'finish', op: 'write', region: ref(region), seconds: (performance.now() - t0) / 1000, bytes: total });
  const inside = dirty.reduce(
    (n, d) => n + Math.max(0, Math.min(d.end, region.address + region.data.length) - Math.max(d.start, region.address)),
    0,
  );
  return inside;
}

async function verifyRegion(
  device: FlashDevice,
  regions: readonly Region[],
  region: Region,
  events: EventSink,
  signal: AbortSignal | undefined,
  retries: number,
): Promise<void> {
  const t0 = performance.now();
  events({ type: 'start', op: 'verify', region: ref(region), total: region.data.length });
  for (let attempt = 0; ; attempt++) {
    const bad = mergeRanges(await findDirtySectors(device, region, { signal }));
    if (bad.length === 0) break;
    if (attempt >= retries) {
      throw new AnyflashError(
        'verify-mismatch',
        `Flash differs from ${region.name} after writing, at ${bad.map((b) => `${hexAddr(b.start)}–${hexAddr(b.end)}`).join(', ')}.`,
        {
          address: bad[0]!.start,
          file: region.name,
          evidence: [`${attempt + 1} write attempts; the same sectors still differ`],
          advice: [
            'Lower the baud rate (--baud 115200) and try again.',
            'Check the supply: a weak supply corrupts flash writes.',
            'If it fails at the same address every time, the flash may be protected or faulty.',
          ],
        },
      );
    }
    events({ type: 'retry', op: 'verify', attempt: attempt + 1, cause: 'verify-mismatch', address: bad[0]!.start });
    await writeRanges(device, regions, region, bad, events, signal);
  }
  events({ type: 'finish', op: 'verify', region: ref(region), seconds: (performance.now() - t0) / 1000 });
}
