import { AnyflashError, toAnyflashError } from '../core/errors.js';
import { hexAddr } from '../core/bytes.js';
import { summariseRanges } from '../core/range-summary.js';
import { noEvents, type EventSink, type RegionRef } from '../core/events.js';
import { throwIfAborted } from '../core/time.js';
import type { FlashDevice, Stray } from '../families/types.js';
import { dirtySectorsFromCopy, findDirtySectors } from './compare.js';
import { bridgeCheapGaps } from './gaps.js';
import { failureKind, RecoveryBudget, type RecoveryOptions, type RecoveryReport } from './recovery.js';
import { alignDown, alignUp, mergeRanges, toFlashOffsets, uncovered, validateRegions, type Range, type Region } from './regions.js';

export interface WriteOptions {
  /** Compare with the flash and send only differing sectors (default true). */
  skipUnchanged?: boolean;
  /** Check every region by digest after writing (default true). */
  verify?: boolean;
  /** Rewrites of sectors that fail verification before giving up. */
  verifyRetries?: number;
  /** Reconnect and continue after link losses, reboots and garbled replies. */
  recovery?: RecoveryOptions;
  /**
   * The flash as it was just before this write (a backup taken for it): what a damaged command
   * changed outside the regions is put back from here. Undefined where it has no copy.
   */
  original?: (start: number, size: number) => Uint8Array | undefined;
  /** Called after each region is written and verified (journal). */
  onRegionDone?: (result: RegionResult) => void;
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
  recoveries?: RecoveryReport;
  /** Sectors outside the regions that a damaged command changed, put back from `original`. */
  restored?: Range[];
  /** Sectors outside the regions that a damaged command may have changed, with no original to put back. */
  damaged?: Range[];
  /** The device after the last recovery (the one to reset and disconnect). */
  device: FlashDevice;
}

const ref = (r: Region): RegionRef => ({ address: r.address, size: r.data.length, name: r.name });

/** State one write job carries across regions and recoveries. */
class Job {
  /** Sector starts already sent once, to count what a recovery made us send again. */
  readonly sent = new Set<number>();
  resentBytes = 0;
  /** Sectors damaged commands reached outside what they were meant to change (from every device instance). */
  readonly strays: Stray[] = [];
  /** Bytes outside the regions read back to fill partly covered sectors: verified like the regions. */
  readonly kept: Region[] = [];

  constructor(
    public device: FlashDevice,
    /** The regions, and later the originals put back where a damaged command reached. */
    readonly regions: Region[],
    readonly events: EventSink,
    readonly signal: AbortSignal | undefined,
  ) {}
}

/**
 * Writes regions to a connected device: plan → compare (skip unchanged) → write only dirty
 * sectors (read-modify-write where a sector is only partly covered, so nothing outside the
 * regions is lost) → verify by digest, rewriting sectors that fail, within a bound.
 * Critical regions (bootloader, partition table) go last, after everything else verified.
 * With `recovery`, a lost link, a reboot or a garbled reply leads to a reconnect and the region is
 * compared again, so writing continues from the first sector that is not yet right.
 */
export async function writeRegions(device: FlashDevice, input: readonly Region[], options: WriteOptions = {}): Promise<WriteSummary> {
  const events = options.events ?? noEvents;
  const started = performance.now();
  const regions = toFlashOffsets(input, device.flashBase);
  validateRegions(regions, device.flashSize);
  const job = new Job(device, [...regions], events, options.signal);
  const budget = options.recovery ? new RecoveryBudget(options.recovery) : undefined;
  const initialBaud = device.transport.baud;

  const ordered = [...regions].sort((a, b) => Number(a.critical ?? false) - Number(b.critical ?? false) || a.address - b.address);
  events({ type: 'plan', regions: ordered.map(ref) });

  const recovering = async <T>(fn: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        job.device = await recoverOrThrow(job, budget, toAnyflashError(e));
        if (job.device.transport.baud < initialBaud && budget) budget.report.baud = job.device.transport.baud;
      }
    }
  };
  const results: RegionResult[] = [];
  for (const region of ordered) {
    const result = await recovering(() => writeRegion(job, region, options));
    results.push(result);
    options.onRegionDone?.(result);
  }
  const { restored, damaged } = await settleStrays(job, regions, options, recovering);
  const writtenBytes = results.reduce((n, r) => n + r.writtenBytes, 0);
  const skippedBytes = results.reduce((n, r) => n + r.skippedBytes, 0);
  const recoveries = budget ? { ...budget.report, resentBytes: job.resentBytes } : undefined;
  return {
    regions: results,
    writtenBytes,
    skippedBytes,
    seconds: (performance.now() - started) / 1000,
    recoveries,
    ...(restored.length ? { restored } : {}),
    ...(damaged.length ? { damaged } : {}),
    device: job.device,
  };
}

/** Rounds of checking what damaged commands reached (putting it right may stray again). */
const STRAY_ROUNDS = 4;

/**
 * Where a damaged command may have acted elsewhere (protocols without a checksum), the regions it
 * may have hit are compared and rewritten, and sectors outside the regions are compared with the
 * backup taken for this write and put back where they differ; without a backup, a place the reply
 * named is reported as damaged, and the suspects of a lost reply are named in a warning.
 */
async function settleStrays(
  job: Job,
  regions: readonly Region[],
  options: WriteOptions,
  recovering: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<{ restored: Range[]; damaged: Range[] }> {
  const restored: Range[] = [];
  const damaged: Range[] = [];
  const overlaps = (r: Region, x: Range): boolean => r.address < x.end && r.address + r.data.length > x.start;
  for (let round = 0; round < STRAY_ROUNDS; round++) {
    const strays = [...job.strays.splice(0), ...(job.device.takeStrays?.() ?? [])];
    if (strays.length === 0) break;
    for (const hit of regions.filter((r) => strays.some((x) => overlaps(r, x)))) {
      await recovering(() => writeRegion(job, hit, { ...options, skipUnchanged: true }));
    }
    const suspects = mergeRanges(strays.filter((x) => x.suspect)).flatMap((x) => outside(x, regions));
    if (suspects.length && !options.original) {
      job.events({
        type: 'note',
        level: 'warn',
        message: `A write on this noisy line lost its reply; had one bit of its address flipped too, it changed ${suspects.map((x) => hexAddr(x.start)).join(', ')}, and no backup of this run can tell.`,
      });
    }
    const named = mergeRanges(strays.filter((x) => !x.suspect)).flatMap((x) => outside(x, regions));
    for (const part of [...named, ...suspects]) {
      const data = options.original?.(part.start, part.end - part.start);
      if (!data) {
        if (!named.includes(part)) continue;
        damaged.push(part);
        job.events({ type: 'note', level: 'warn', message: `A damaged command may have changed ${hexAddr(part.start)}–${hexAddr(part.end)}, outside the image, and no backup of this run has it.` });
        continue;
      }
      const original: Region = { name: `original ${hexAddr(part.start)}`, address: part.start, data };
      job.regions.push(original);
      const changed = mergeRanges(await recovering(() => findDirtySectors(job.device, original, { signal: job.signal })));
      for (const d of changed) {
        const back: Region = { name: original.name, address: d.start, data: data.subarray(d.start - part.start, d.end - part.start) };
        await recovering(() => writeRegion(job, back, { ...options, skipUnchanged: true }));
        restored.push(d);
      }
    }
  }
  return { restored: mergeRanges(restored), damaged: mergeRanges(damaged) };
}

/** The parts of `x` that no region covers. */
function outside(x: Range, regions: readonly Region[]): Range[] {
  return uncovered(x, regions.map((r) => ({ start: r.address, end: r.address + r.data.length })));
}

/** Reconnects for failures that a reconnect can cure; rethrows everything else. */
async function recoverOrThrow(job: Job, budget: RecoveryBudget | undefined, error: AnyflashError): Promise<FlashDevice> {
  job.strays.push(...(job.device.takeStrays?.() ?? []));
  let cause = error;
  for (;;) {
    throwIfAborted(job.signal);
    const kind = failureKind(cause);
    if (!budget || !kind) throw cause;
    try {
      return await budget.recover(cause, kind, (what, detail) => job.events({ type: 'recover', what, detail }));
    } catch (e) {
      const next = toAnyflashError(e);
      if (next.code === 'recovery-exhausted' || next.code === 'aborted') throw next;
      cause = next;
    }
  }
}

async function writeRegion(job: Job, region: Region, options: WriteOptions): Promise<RegionResult> {
  const device = job.device;
  throwIfAborted(job.signal);
  const result: RegionResult = { name: region.name, address: region.address, size: region.data.length, writtenBytes: 0, skippedBytes: 0, verified: false };
  const dirty =
    ((options.skipUnchanged ?? true) || job.sent.size > 0) && !device.blind
      ? await compareRegion(job, region, options.original)
      : [{ start: alignDown(region.address, device.sectorSize), end: alignUp(region.address + region.data.length, device.sectorSize) }];
  if (dirty.length === 0) {
    result.writtenBytes = sentInside(job, region);
    result.skippedBytes = region.data.length - result.writtenBytes;
    result.verified = true;
    if (result.writtenBytes === 0) job.events({ type: 'skip', op: 'write', region: ref(region), reason: 'unchanged' });
    return result;
  }
  await writeRanges(job, region, dirty);
  result.writtenBytes = sentInside(job, region);
  result.skippedBytes = region.data.length - result.writtenBytes;
  if ((options.verify ?? true) && device.blind) {
    job.events({ type: 'note', level: 'warn', code: 'not-verified', message: `${region.name} written but not verified: ${device.blind}.` });
  } else if (options.verify ?? true) {
    await verifyRegion(job, region, options.verifyRetries ?? 2);
    result.verified = true;
  }
  return result;
}

/** Bytes of the region sent in this job, over every attempt (a recovery may have split the work). */
function sentInside(job: Job, region: Region): number {
  const end = region.address + region.data.length;
  let n = 0;
  for (const s of job.sent) n += Math.max(0, Math.min(end, s + job.device.sectorSize) - Math.max(region.address, s));
  return n;
}

async function compareRegion(job: Job, region: Region, original: WriteOptions['original']): Promise<Range[]> {
  const t0 = performance.now();
  job.events({ type: 'start', op: 'compare', region: ref(region), total: region.data.length });
  // The backup read for this job holds the flash as it is until the job sends its first command
  // (a damaged one may act anywhere): comparing with it costs no chip digest pass (3.65 s per MiB on a Beken).
  const copy = job.sent.size === 0 && job.strays.length === 0 ? original?.(region.address, region.data.length) : undefined;
  const found = copy ? dirtySectorsFromCopy(region, copy, job.device.sectorSize) : await findDirtySectors(job.device, region, { signal: job.signal, digestCost: job.device.digestCost });
  const { transport, compressesWrites, sectorSize } = job.device;
  const merged = bridgeCheapGaps(mergeRanges(found), region, { baud: transport.baud, compresses: compressesWrites === true, sectorSize });
  for (const gap of cleanParts(region, merged)) {
    job.events({ type: 'skip', op: 'write', region: { address: gap.start, size: gap.end - gap.start, name: region.name }, reason: 'unchanged' });
  }
  job.events({ type: 'finish', op: 'compare', region: ref(region), seconds: (performance.now() - t0) / 1000 });
  return merged;
}

/** Parts of a region not covered by dirty ranges (reported as skipped). */
function cleanParts(region: Region, dirty: readonly Range[]): Range[] {
  return dirty.length ? uncovered({ start: region.address, end: region.address + region.data.length }, dirty) : [];
}

/** Builds the bytes of [start, end): image bytes where any region covers them, device bytes elsewhere. */
async function assemble(job: Job, range: Range): Promise<Uint8Array> {
  const out = new Uint8Array(range.end - range.start);
  const covered = new Uint8Array(out.length);
  for (const r of job.regions) {
    const s = Math.max(range.start, r.address);
    const e = Math.min(range.end, r.address + r.data.length);
    if (s >= e) continue;
    out.set(r.data.subarray(s - r.address, e - r.address), s - range.start);
    covered.fill(1, s - range.start, e - range.start);
  }
  // Preserve what lies outside the regions in the sectors we are about to erase; a blind device
  // cannot read it, so those bytes end erased, as esptool leaves them.
  if (job.device.blind) {
    out.forEach((_, k) => {
      if (!covered[k]) out[k] = 0xff;
    });
    return out;
  }
  // indexOf scans natively: a byte-by-byte loop cost ~10 ms per MiB before every write.
  for (let i = covered.indexOf(0); i >= 0; ) {
    const end = covered.indexOf(1, i);
    const j = end < 0 ? out.length : end;
    const data = await job.device.readFlash(range.start + i, j - i, { signal: job.signal });
    out.set(data, i);
    // From now on these bytes are as read here: a rewrite after a recovery puts back the same.
    const kept: Region = { name: `kept ${hexAddr(range.start + i)}`, address: range.start + i, data };
    job.kept.push(kept);
    job.regions.push(kept);
    i = covered.indexOf(0, j);
  }
  return out;
}

async function writeRanges(job: Job, region: Region, dirty: readonly Range[]): Promise<void> {
  const sector = job.device.sectorSize;
  const total = dirty.reduce((n, d) => n + (d.end - d.start), 0);
  const t0 = performance.now();
  job.events({ type: 'start', op: 'write', region: ref(region), total });
  let before = 0;
  for (const d of dirty) {
    throwIfAborted(job.signal);
    const data = await assemble(job, d);
    let counted = d.start;
    const account = (done: number): void => {
      for (; counted + sector <= d.start + done; counted += sector) {
        if (job.sent.has(counted)) job.resentBytes += sector;
        else job.sent.add(counted);
      }
    };
    await job.device.writeFlash(d.start, data, {
      signal: job.signal,
      onProgress: (done) => {
        account(done);
        job.events({ type: 'progress', op: 'write', region: ref(region), done: before + done, total });
      },
    });
    account(d.end - d.start);
    before += d.end - d.start;
    job.events({ type: 'progress', op: 'write', region: ref(region), done: before, total });
  }
  job.events({ type: 'finish', op: 'write', region: ref(region), seconds: (performance.now() - t0) / 1000, bytes: total });
}

async function verifyRegion(job: Job, region: Region, retries: number): Promise<void> {
  const t0 = performance.now();
  job.events({ type: 'start', op: 'verify', region: ref(region), total: region.data.length });
  for (let attempt = 0; ; attempt++) {
    // A line without checksums may damage the kept bytes of a sector's write too, outside the region.
    const from = alignDown(region.address, job.device.sectorSize);
    const to = alignUp(region.address + region.data.length, job.device.sectorSize);
    const kept = job.kept.filter((k) => k.address < to && k.address + k.data.length > from);
    const found: Range[] = [];
    for (const r of [region, ...kept]) found.push(...(await findDirtySectors(job.device, r, { signal: job.signal })));
    const bad = mergeRanges(found);
    if (bad.length === 0) break;
    if (attempt >= retries) {
      throw new AnyflashError(
        'verify-mismatch',
        `Flash differs from ${region.name} after writing, in ${summariseRanges(bad)}.`,
        {
          address: bad[0]!.start,
          file: region.name,
          evidence: [`${attempt + 1} write attempts; the same sectors still differ`, `differing: ${summariseRanges(bad, true)}`],
          advice: [
            'Lower the baud rate (--baud 115200) and try again.',
            'Check the supply: a weak supply corrupts flash writes.',
            'If it fails at the same address every time, the flash may be protected or faulty.',
          ],
        },
      );
    }
    job.events({ type: 'retry', op: 'verify', attempt: attempt + 1, cause: 'verify-mismatch', address: bad[0]!.start });
    await writeRanges(job, region, bad);
  }
  job.events({ type: 'finish', op: 'verify', region: ref(region), seconds: (performance.now() - t0) / 1000 });
}
