/** Recognises a firmware file and parses it for `image info`. */
import { AnyflashError } from '../core/errors.js';
import { isElf, machineName, parseElf, PT_LOAD, SHT_NOBITS, type ElfSymbol } from './elf.js';
import { isEspImage, parseEspImage, type EspImageInfo } from './esp-image.js';
import { looksLikeIntelHex, parseIntelHex } from './ihex.js';
import { isUf2, parseUf2, uf2FamilyName, UF2_FAMILIES } from './uf2.js';
import { resolveLibreTinyUf2 } from './libretiny-uf2.js';
import { joinChunks } from './regions.js';
import { describeBekenImage, type BekenImageInfo } from './beken.js';
import {
  PARTITION_DATA_MAX, PARTITION_TABLE_OFFSET, TYPES, isPartitionTableBinary, parsePartitionBinary, type PartitionTable,
} from './partition-table.js';

export interface RangeSummary {
  address: number;
  length: number;
}

export type ImageDescription =
  | { kind: 'esp-image'; esp: EspImageInfo }
  | {
    kind: 'elf';
    machine: string;
    entry: number;
    entrySymbol?: string;
    symbols: number;
    sections: Array<{ name: string; addr: number; size: number; nobits: boolean }>;
    segments: Array<{ vaddr: number; paddr: number; filesz: number; memsz: number }>;
  }
  | {
    kind: 'uf2';
    blocks: number;
    families: string[];
    /** Flash ranges (LibreTiny: partition-relative addresses resolved when possible). */
    regions: RangeSummary[];
    libretiny?: { board?: string; firmware?: string; version?: string; partitions: string[] };
  }
  | { kind: 'ihex'; regions: RangeSummary[]; start?: number }
  | { kind: 'beken'; beken: BekenImageInfo }
  | { kind: 'partition-table'; table: PartitionTable }
  | { kind: 'esp-flash'; bootloader: { offset: number; info: EspImageInfo } | null; table: PartitionTable; apps: FlashApp[] };

/** An app partition of a flash dump: its image, or why it is not one. */
export interface FlashApp {
  partition: string;
  offset: number;
  info: EspImageInfo | null;
  problem?: string;
}

/**
 * A whole ESP flash (a dump or merge-bin output): the partition table at 0x8000, the bootloader
 * at whichever of the chips' offsets holds an image, and each app partition's image.
 */
function inspectEspFlash(name: string, bytes: Uint8Array, chip: string | undefined): ImageDescription | null {
  const tableAt = PARTITION_TABLE_OFFSET;
  if (bytes.length < tableAt + PARTITION_DATA_MAX || !isPartitionTableBinary(bytes.subarray(tableAt, tableAt + PARTITION_DATA_MAX))) return null;
  const table = parsePartitionBinary(bytes.subarray(tableAt, tableAt + PARTITION_DATA_MAX), `${name} (table at 0x8000)`);
  let bootloader: { offset: number; info: EspImageInfo } | null = null;
  for (const offset of [0x0, 0x1000, 0x2000]) {
    if (!isEspImage(bytes.subarray(offset))) continue;
    try {
      bootloader = { offset, info: parseEspImage(bytes.subarray(offset, tableAt), { file: name, ...(chip ? { chip } : {}) }) };
      break;
    } catch {
      // Not an image at this offset; try the next one.
    }
  }
  const imageChip = chip ?? bootloader?.info.chip.id;
  const apps = table.partitions.filter((p) => p.type === TYPES.app).map((p): FlashApp => {
    const data = bytes.subarray(p.offset, Math.min(bytes.length, p.offset + p.size));
    if (data.length === 0) return { partition: p.name, offset: p.offset, info: null, problem: 'beyond the end of the file' };
    if (data[0] === 0xff) return { partition: p.name, offset: p.offset, info: null, problem: 'empty (erased)' };
    try {
      return { partition: p.name, offset: p.offset, info: parseEspImage(data, { file: `${name}@${p.name}`, ...(imageChip ? { chip: imageChip } : {}) }) };
    } catch (e) {
      return { partition: p.name, offset: p.offset, info: null, problem: e instanceof Error ? e.message : String(e) };
    }
  });
  return { kind: 'esp-flash', bootloader, table, apps };
}

function entrySymbol(symbols: readonly ElfSymbol[], entry: number): { entrySymbol?: string } {
  // ARM Thumb entry points have bit 0 set, like their symbols.
  const hit = symbols.find((s) => s.value === entry && s.size > 0) ?? symbols.find((s) => (s.value & ~1) === (entry & ~1) && s.size > 0);
  return hit ? { entrySymbol: hit.name } : {};
}

export function inspectImage(name: string, bytes: Uint8Array, opts: { chip?: string } = {}): ImageDescription {
  if (bytes.length === 0) throw new AnyflashError('file-empty', `${name} is empty.`, { file: name });
  if (isElf(bytes)) {
    const elf = parseElf(bytes, name);
    return {
      kind: 'elf', machine: machineName(elf.machine), entry: elf.entry, symbols: elf.symbols.length,
      ...entrySymbol(elf.symbols, elf.entry),
      sections: elf.sections.filter((s) => s.addr !== 0 && s.size !== 0)
        .map((s) => ({ name: s.name, addr: s.addr, size: s.size, nobits: s.type === SHT_NOBITS })),
      segments: elf.segments.filter((s) => s.type === PT_LOAD)
        .map((s) => ({ vaddr: s.vaddr, paddr: s.paddr, filesz: s.filesz, memsz: s.memsz })),
    };
  }
  if (isUf2(bytes)) {
    const uf2 = parseUf2(bytes, name);
    const beken = uf2.familyIds.some((id) => UF2_FAMILIES.find((f) => f.id === id)?.family === 'beken');
    let chunks = uf2.chunks;
    let libretiny: { board?: string; firmware?: string; version?: string; partitions: string[] } | undefined;
    if (beken) {
      try {
        const { chunks: resolved, ...rest } = resolveLibreTinyUf2(uf2, name);
        chunks = resolved;
        libretiny = rest;
      } catch {
        // Shown with the addresses as stored when the partitions cannot be placed.
      }
    }
    return {
      kind: 'uf2', blocks: uf2.blocks.length, families: uf2.familyIds.map(uf2FamilyName),
      regions: joinChunks(chunks, name).map((r) => ({ address: r.address, length: r.data.length })),
      ...(libretiny ? { libretiny } : {}),
    };
  }
  if (looksLikeIntelHex(bytes)) {
    const hex = parseIntelHex(bytes, name);
    return {
      kind: 'ihex', regions: joinChunks(hex.chunks, name).map((r) => ({ address: r.address, length: r.data.length })),
      ...(hex.start !== undefined ? { start: hex.start } : {}),
    };
  }
  if (isPartitionTableBinary(bytes)) return { kind: 'partition-table', table: parsePartitionBinary(bytes, name) };
  const flash = inspectEspFlash(name, bytes, opts.chip);
  if (flash) return flash;
  const beken = describeBekenImage(bytes);
  if (beken) return { kind: 'beken', beken };
  if (isEspImage(bytes)) return { kind: 'esp-image', esp: parseEspImage(bytes, { file: name, ...(opts.chip ? { chip: opts.chip } : {}) }) };
  throw new AnyflashError('bad-input', `${name} is not a firmware format anyflash recognises.`, {
    file: name,
    advice: ['image info reads ESP images, ELF, UF2, Intel HEX, ESP partition tables and Beken RBL/UG/UA/QIO files; a raw binary has no header to show.'],
  });
}
