import { hexAddr, toHex } from '../core/bytes.js';
import { macHex } from '../core/mac.js';
import type { DeviceInfo, FamilyName } from '../families/types.js';
import { sha256 } from '../formats/sha256.js';
import type { Region } from './regions.js';

/**
 * The journal of one write job on one device: the plan, which regions were verified, and which
 * region was being written when the run stopped. Pure data and logic; a store persists it.
 */
export interface JournalRegion {
  name: string;
  address: number;
  size: number;
  sha256: string;
  /** Bootloader, partition table, Beken loader area: partial state can brick the device. */
  critical: boolean;
}

export interface Journal {
  version: 1;
  deviceKey: string;
  jobId: string;
  family: FamilyName;
  chip: string;
  mac?: string;
  port: string;
  /** The command line to run again to resume. */
  command: string[];
  started: string;
  updated: string;
  regions: JournalRegion[];
  /** Addresses of regions written and verified. */
  verified: number[];
  /** The region being written when the journal was last saved, and bytes sent of it. */
  writing?: { address: number; done: number; total: number };
}

/** One device: chip plus MAC, or flash id when the chip has no MAC (SiFli). */
export function deviceKey(info: Pick<DeviceInfo, 'chip' | 'mac' | 'flashId'>): string {
  const mac = info.mac === undefined ? undefined : macHex(info.mac);
  const id = mac ?? (info.flashId !== undefined ? `flash${info.flashId.toString(16)}` : 'unknown');
  return `${info.chip}-${id}`.replace(/[^a-z0-9_-]/gi, '_');
}

/** Same regions with the same bytes give the same job id, whatever the order on the command line. */
export function jobId(regions: readonly Region[]): string {
  const parts = [...regions]
    .sort((a, b) => a.address - b.address)
    .map((r) => `${r.address.toString(16)}:${r.data.length}:${toHex(sha256(r.data))}`);
  return toHex(sha256(new TextEncoder().encode(parts.join('\n')))).slice(0, 16);
}

export function newJournal(
  info: Pick<DeviceInfo, 'family' | 'chip' | 'mac' | 'flashId'>,
  regions: readonly Region[],
  port: string,
  command: string[],
  now = new Date(),
): Journal {
  return {
    version: 1,
    deviceKey: deviceKey(info),
    jobId: jobId(regions),
    family: info.family,
    chip: info.chip,
    mac: info.mac,
    port,
    command,
    started: now.toISOString(),
    updated: now.toISOString(),
    regions: regions.map((r) => ({ name: r.name, address: r.address, size: r.data.length, sha256: toHex(sha256(r.data)), critical: r.critical ?? false })),
    verified: [],
  };
}

export function markWriting(j: Journal, address: number, done: number, total: number, now = new Date()): void {
  j.writing = { address, done, total };
  j.updated = now.toISOString();
}

export function markVerified(j: Journal, address: number, now = new Date()): void {
  if (!j.verified.includes(address)) j.verified.push(address);
  if (j.writing?.address === address) delete j.writing;
  j.updated = now.toISOString();
}

const label = (r: JournalRegion): string => `${hexAddr(r.address)} ${r.name}`;

function share(done: number, total: number): string {
  if (total <= 0 || done <= 0) return 'started but not yet written';
  const pct = Math.floor((done / total) * 100);
  if (pct >= 100) return 'written but not verified';
  if (pct >= 40 && pct <= 60) return 'half written';
  return `${pct} % written`;
}

/** "stopped after 2 of 3 regions; 0x10000 app.bin was half written" */
export function describeProgress(j: Journal): string {
  const parts = [`stopped after ${j.verified.length} of ${j.regions.length} region${j.regions.length === 1 ? '' : 's'}`];
  const w = j.writing && j.regions.find((r) => r.address === j.writing!.address);
  if (w && j.writing) parts.push(`${label(w)} was ${share(j.writing.done, j.writing.total)}`);
  return parts.join('; ');
}

/** Each region's state, one line each, for Ctrl-C and `anyflash status`. */
export function regionStates(j: Journal): string[] {
  return j.regions.map((r) => {
    if (j.verified.includes(r.address)) return `${label(r)}: written and verified`;
    if (j.writing?.address === r.address) return `${label(r)}: ${share(j.writing.done, j.writing.total)} — incomplete`;
    return `${label(r)}: not written yet`;
  });
}

/**
 * What the device will do at its next boot, given which regions are incomplete. Regions that were
 * only partly written hold a mix of old and new bytes; untouched regions still hold the old image.
 */
export function bootOutlook(j: Journal): string {
  const incomplete = j.regions.filter((r) => !j.verified.includes(r.address));
  if (incomplete.length === 0) return 'Every region is written and verified: the device boots the new image.';
  const touched = incomplete.filter((r) => j.writing?.address === r.address);
  const criticalTouched = touched.filter((r) => r.critical);
  if (j.family === 'esp') {
    if (criticalTouched.some((r) => r.address < 0x8000)) return 'The bootloader is partly written: the chip will not boot until it is written again (download mode still works).';
    if (criticalTouched.length) return 'The partition table is partly written: the bootloader will not find an app until it is written again.';
    if (touched.length) return `${touched.map(label).join(', ')} is partly written: the bootloader will reject that image (checksum) and the device will not start it until it is written again.`;
    return 'Only untouched regions remain: the device boots what it held before, mixed with the regions already written.';
  }
  if (j.family === 'beken') {
    if (criticalTouched.length) return 'The bootloader area is partly written: the chip may not boot or answer on UART again (T-family loader); only SPI flashing recovers it if so.';
    if (touched.length) return `${touched.map(label).join(', ')} is partly written: the bootloader will refuse that image (CRC) and the firmware will not start until it is written again.`;
    return 'Only untouched regions remain: the device boots what it held before.';
  }
  if (touched.length) return `${touched.map(label).join(', ')} is partly written: the ROM's download mode still works, but the firmware there will not run until it is written again.`;
  return 'Only untouched regions remain: the device boots what it held before.';
}
