/** `image merge`: several files at their flash offsets into one raw image, Intel HEX or UF2 (as esptool merge-bin). */
import { AnyflashError } from '../core/errors.js';
import { hexAddr } from '../core/bytes.js';
import { findEspImageChip } from './esp-chips.js';
import { patchBootloaderHeader, type FlashParams } from './esp-image.js';
import { writeIntelHex } from './ihex.js';
import { writeUf2 } from './uf2.js';
import type { Region } from './regions.js';

export type MergeFormat = 'raw' | 'hex' | 'uf2';

export interface MergeOptions extends FlashParams {
  format: MergeFormat;
  /** raw: flash address of the output's first byte. */
  targetOffset?: number;
  /** raw: pad with 0xFF up to this flash size. */
  padToSize?: number;
  /** uf2: payload bytes per block. */
  chunkSize?: number;
  /** uf2: add the MD5 part to each block (default true). */
  md5?: boolean;
}

/** Checks the inputs for overlaps and sorts them by address. */
export function sortAndCheck(inputs: readonly Region[]): Region[] {
  const sorted = [...inputs].sort((a, b) => a.address - b.address);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.address < prev.address + prev.data.length) {
      throw new AnyflashError('regions-overlap', `${cur.name} at ${hexAddr(cur.address)} overlaps ${prev.name} (${hexAddr(prev.address)}–${hexAddr(prev.address + prev.data.length)}).`, {
        advice: ['Check the offsets; each file needs its own range.'],
      });
    }
  }
  return sorted;
}

export function mergeImages(inputs: readonly Region[], opts: MergeOptions): Uint8Array {
  if (inputs.length === 0) throw new AnyflashError('bad-input', 'Nothing to merge.', { advice: ['Give pairs like: 0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 app.bin'] });
  const chip = findEspImageChip(opts.chip ?? 'esp32');
  if (!chip) throw new AnyflashError('unknown-chip', `Unknown ESP chip "${opts.chip}".`);
  // As esptool: the file at the bootloader offset gets the requested flash mode/frequency/size.
  const files = sortAndCheck(inputs).map((r) =>
    r.address === chip.bootloaderOffset ? { ...r, data: patchBootloaderHeader(r.data, { ...opts, chip: chip.id }) } : r);
  if (opts.format === 'hex') return new TextEncoder().encode(writeIntelHex(files));
  if (opts.format === 'uf2') {
    return writeUf2(files, chip.uf2FamilyId, {
      ...(opts.chunkSize !== undefined ? { chunkSize: opts.chunkSize } : {}),
      ...(opts.md5 !== undefined ? { md5: opts.md5 } : {}),
    });
  }
  const base = opts.targetOffset ?? 0;
  if (files[0]!.address < base) {
    throw new AnyflashError('bad-input', `${files[0]!.name} at ${hexAddr(files[0]!.address)} lies before the target offset ${hexAddr(base)}.`, {
      advice: ['Lower --target-offset or drop that file.'],
    });
  }
  const last = files[files.length - 1]!;
  const end = Math.max(last.address + last.data.length - base, (opts.padToSize ?? 0) - base);
  const out = new Uint8Array(end).fill(0xff);
  for (const f of files) out.set(f.data, f.address - base);
  return out;
}
