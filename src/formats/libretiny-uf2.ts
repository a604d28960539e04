/**
 * LibreTiny UF2 (reference/beken.md §7): block addresses are relative to a partition named by the
 * OTA_PART_INFO tag for each OTA scheme; a flasher uses the FLASHER_SINGLE scheme and finds the
 * partition in the FAL_PTABLE tag or the board layout.
 */
import { AnyflashError } from '../core/errors.js';
import { hexAddr } from '../core/bytes.js';
import type { Chunk } from './regions.js';
import type { Uf2File } from './uf2.js';

export const LT_TAG = {
  VERSION: 0x9fc7bc,
  BOARD: 0xca25c8,
  FIRMWARE: 0x00de43,
  OTA_PART_INFO: 0xc0ee0c,
  FAL_PTABLE: 0x8288ed,
} as const;

/** OTA scheme indexes in OTA_PART_INFO; a serial flasher writes the single-image flasher scheme. */
export const SCHEME_FLASHER_SINGLE = 3;

export interface PartitionPlace {
  offset: number;
  length: number;
}

/** Partitions at the same place in every Beken board layout (the others differ per board). */
export const BEKEN_FIXED_PARTITIONS: Readonly<Record<string, PartitionPlace>> = {
  bootloader: { offset: 0x0, length: 0x11000 },
  app: { offset: 0x11000, length: 0x121000 },
};

export interface LibreTinyImage {
  chunks: Chunk[];
  board?: string;
  firmware?: string;
  version?: string;
  partitions: string[];
}

function text(b: Uint8Array | undefined): string | undefined {
  return b ? new TextDecoder().decode(b).replace(/\0+$/, '') : undefined;
}

/** FAL partition table entries: magic 0x45503130, name[16], flash name[16], offset, length, 4 pad. */
function parseFalTable(b: Uint8Array): Map<string, PartitionPlace> {
  const out = new Map<string, PartitionPlace>();
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let o = 0; o + 48 <= b.length; o += 48) {
    if (v.getUint32(o, true) !== 0x45503130) break;
    out.set(text(b.subarray(o + 4, o + 20))!, { offset: v.getUint32(o + 36, true), length: v.getUint32(o + 40, true) });
  }
  return out;
}

/** Names the partition for `scheme` from an OTA_PART_INFO tag: 6 index nibbles, then NUL-separated names. */
function partFor(info: Uint8Array, scheme: number): string | undefined {
  const nibbles = Array.from(info.subarray(0, 3)).flatMap((b) => [b >> 4, b & 15]);
  const names = new TextDecoder().decode(info.subarray(3)).split('\0').filter(Boolean);
  const index = nibbles[scheme] ?? 0;
  return index === 0 ? undefined : names[index - 1];
}

export function resolveLibreTinyUf2(uf2: Uf2File, file: string, layout: Readonly<Record<string, PartitionPlace>> = BEKEN_FIXED_PARTITIONS): LibreTinyImage {
  const global = new Map<number, Uint8Array>();
  for (const b of uf2.blocks) for (const [k, v] of b.tags) if (!global.has(k)) global.set(k, v);
  if (![...uf2.blocks].some((b) => b.tags.has(LT_TAG.OTA_PART_INFO))) {
    throw new AnyflashError('bad-input', `${file} is a LibreTiny UF2 without partition information (legacy format).`, {
      file, advice: ['Rebuild it with a current LibreTiny, or extract the app with ltchiptool and write that .bin at 0x11000.'],
    });
  }
  const fal = global.has(LT_TAG.FAL_PTABLE) ? parseFalTable(global.get(LT_TAG.FAL_PTABLE)!) : undefined;
  const chunks: Chunk[] = [];
  const used = new Set<string>();
  let part: string | undefined;
  for (const block of uf2.blocks) {
    const info = block.tags.get(LT_TAG.OTA_PART_INFO);
    if (info) part = partFor(info, SCHEME_FLASHER_SINGLE);
    if (!part || block.data.length === 0) continue;
    const place = fal?.get(part) ?? layout[part];
    if (!place) {
      throw new AnyflashError('bad-input', `${file} writes partition "${part}", whose place depends on the board layout.`, {
        file, advice: ['Write it with ltchiptool, which knows the board, or extract that partition and give its address.'],
      });
    }
    if (block.address + block.data.length > place.length) {
      throw new AnyflashError('bad-input', `${file} writes ${hexAddr(block.address)} into partition "${part}", which is only ${hexAddr(place.length)} long.`, { file });
    }
    used.add(part);
    chunks.push({ address: place.offset + block.address, data: block.data });
  }
  return {
    chunks, partitions: [...used],
    ...(global.has(LT_TAG.BOARD) ? { board: text(global.get(LT_TAG.BOARD))! } : {}),
    ...(global.has(LT_TAG.FIRMWARE) ? { firmware: text(global.get(LT_TAG.FIRMWARE))! } : {}),
    ...(global.has(LT_TAG.VERSION) ? { version: text(global.get(LT_TAG.VERSION))! } : {}),
  };
}
