/** UF2 (512-byte blocks): parsing with family id, and writing as esptool's merge-bin does. */
import { BEKEN_CHIP_RECORDS } from '../chips/beken.js';
import { ESP_CHIP_RECORDS } from '../chips/esp.js';
import { AnyflashError } from '../core/errors.js';
import { md5 } from '../core/md5.js';
import type { Chunk } from './regions.js';

export const UF2_MAGIC0 = 0x0a324655;
export const UF2_MAGIC1 = 0x9e5d5157;
export const UF2_MAGIC_END = 0x0ab16f30;
export const UF2_FLAG_NOT_MAIN_FLASH = 0x0001;
export const UF2_FLAG_FILE_CONTAINER = 0x1000;
export const UF2_FLAG_FAMILY_ID = 0x2000;
export const UF2_FLAG_MD5 = 0x4000;
export const UF2_FLAG_TAGS = 0x8000;

/** Family ids of the chips anyflash flashes (ESP: esptool; Beken: LibreTiny), from the chip records. */
export const UF2_FAMILIES: ReadonlyArray<{ id: number; chip: string; family: 'esp' | 'beken' }> = [
  ...ESP_CHIP_RECORDS.map((c) => ({ id: c.image.uf2FamilyId, chip: c.name, family: 'esp' as const })),
  ...BEKEN_CHIP_RECORDS.flatMap((c) => (c.uf2FamilyId === undefined ? [] : [{ id: c.uf2FamilyId, chip: c.name, family: 'beken' as const }])),
];

export function uf2FamilyName(id: number): string {
  const f = UF2_FAMILIES.find((x) => x.id === id);
  return f ? f.chip : `0x${id.toString(16).padStart(8, '0')}`;
}

export interface Uf2Block {
  flags: number;
  address: number;
  blockNo: number;
  numBlocks: number;
  /** Family id when flag 0x2000 is set, else the file size field. */
  familyId?: number;
  data: Uint8Array;
  /** Extension tags (flag 0x8000): type → bytes. */
  tags: Map<number, Uint8Array>;
}

export interface Uf2File {
  blocks: Uf2Block[];
  familyIds: number[];
  /** Blocks meant for flash (not "not main flash", not file containers). */
  chunks: Chunk[];
}

export function isUf2(bytes: Uint8Array): boolean {
  if (bytes.length < 512) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return v.getUint32(0, true) === UF2_MAGIC0 && v.getUint32(4, true) === UF2_MAGIC1;
}

/** Extension tags start right after the payload; each is padded to 4 bytes from there. */
function parseTags(block: Uint8Array, start: number): Map<number, Uint8Array> {
  const tags = new Map<number, Uint8Array>();
  let rel = 0;
  while (start + rel + 4 <= 508) {
    const p = start + rel;
    const size = block[p]!;
    if (size === 0) break;
    const type = block[p + 1]! | (block[p + 2]! << 8) | (block[p + 3]! << 16);
    if (size < 4 || p + size > 508) break;
    tags.set(type, block.slice(p + 4, p + size));
    rel = (rel + size + 3) & ~3;
  }
  return tags;
}

export function parseUf2(bytes: Uint8Array, file = 'input.uf2'): Uf2File {
  const bad = (what: string): AnyflashError =>
    new AnyflashError('bad-input', `${file} is not a valid UF2 file: ${what}.`, {
      file, advice: ['Check that the whole file was downloaded; UF2 files are a multiple of 512 bytes.'],
    });
  if (bytes.length === 0 || bytes.length % 512 !== 0) throw bad(`its size ${bytes.length} is not a multiple of 512`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks: Uf2Block[] = [];
  const familyIds = new Set<number>();
  for (let off = 0; off < bytes.length; off += 512) {
    const n = off / 512;
    if (v.getUint32(off, true) !== UF2_MAGIC0 || v.getUint32(off + 4, true) !== UF2_MAGIC1 || v.getUint32(off + 508, true) !== UF2_MAGIC_END) {
      throw bad(`block ${n} has wrong magic numbers`);
    }
    const flags = v.getUint32(off + 8, true);
    const size = v.getUint32(off + 16, true);
    if (size > 476) throw bad(`block ${n} claims ${size} payload bytes (at most 476)`);
    const block = bytes.subarray(off, off + 512);
    const familyId = flags & UF2_FLAG_FAMILY_ID ? v.getUint32(off + 28, true) : undefined;
    if (familyId !== undefined) familyIds.add(familyId);
    blocks.push({
      flags, address: v.getUint32(off + 12, true), blockNo: v.getUint32(off + 20, true), numBlocks: v.getUint32(off + 24, true),
      ...(familyId !== undefined ? { familyId } : {}),
      data: block.slice(32, 32 + size),
      tags: flags & UF2_FLAG_TAGS ? parseTags(block, 32 + size) : new Map(),
    });
  }
  const chunks = blocks
    .filter((b) => !(b.flags & (UF2_FLAG_NOT_MAIN_FLASH | UF2_FLAG_FILE_CONTAINER)) && b.data.length > 0)
    .map((b) => ({ address: b.address, data: b.data }));
  return { blocks, familyIds: [...familyIds], chunks };
}

/**
 * UF2 as esptool's merge-bin writes it: per input file, blocks numbered from 0 with that file's
 * block count, family id flag, and (by default) an MD5 part (address, length, digest) after the data.
 */
export function writeUf2(files: readonly Chunk[], familyId: number, opts: { chunkSize?: number; md5?: boolean } = {}): Uint8Array {
  const withMd5 = opts.md5 ?? true;
  const chunkSize = opts.chunkSize ?? (withMd5 ? 476 - 24 : 476);
  if (chunkSize <= 0 || chunkSize > (withMd5 ? 452 : 476)) {
    throw new AnyflashError('bad-input', `UF2 chunk size ${chunkSize} does not fit in a block.`, {
      advice: [`Use at most ${withMd5 ? 452 : 476} bytes${withMd5 ? ' (476 with --md5-disable)' : ''}.`],
    });
  }
  const blockCount = files.reduce((n, f) => n + Math.ceil(f.data.length / chunkSize), 0);
  const out = new Uint8Array(blockCount * 512);
  const v = new DataView(out.buffer);
  let off = 0;
  for (const f of files) {
    const blocks = Math.ceil(f.data.length / chunkSize);
    for (let i = 0; i < blocks; i++) {
      const chunk = f.data.subarray(i * chunkSize, (i + 1) * chunkSize);
      const addr = f.address + i * chunkSize;
      v.setUint32(off, UF2_MAGIC0, true);
      v.setUint32(off + 4, UF2_MAGIC1, true);
      v.setUint32(off + 8, UF2_FLAG_FAMILY_ID | (withMd5 ? UF2_FLAG_MD5 : 0), true);
      v.setUint32(off + 12, addr, true);
      v.setUint32(off + 16, chunk.length, true);
      v.setUint32(off + 20, i, true);
      v.setUint32(off + 24, blocks, true);
      v.setUint32(off + 28, familyId, true);
      out.set(chunk, off + 32);
      if (withMd5) {
        v.setUint32(off + 32 + chunk.length, addr, true);
        v.setUint32(off + 36 + chunk.length, chunk.length, true);
        out.set(md5(chunk), off + 40 + chunk.length);
      }
      v.setUint32(off + 508, UF2_MAGIC_END, true);
      off += 512;
    }
  }
  return out;
}
