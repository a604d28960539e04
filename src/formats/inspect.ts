/** Recognises a firmware file and parses it for `image info`. */
import { AnyflashError } from '../core/errors.js';
import { isElf, machineName, parseElf, PT_LOAD, SHT_NOBITS } from './elf.js';
import { isEspImage, parseEspImage, type EspImageInfo } from './esp-image.js';
import { looksLikeIntelHex, parseIntelHex } from './ihex.js';
import { isUf2, parseUf2, uf2FamilyName } from './uf2.js';
import { joinChunks } from './regions.js';
import { describeBekenImage, type BekenImageInfo } from './beken.js';
import { isPartitionTableBinary, parsePartitionBinary, type PartitionTable } from './partition-table.js';

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
    sections: Array<{ name: string; addr: number; size: number; nobits: boolean }>;
    segments: Array<{ vaddr: number; paddr: number; filesz: number; memsz: number }>;
  }
  | { kind: 'uf2'; blocks: number; families: string[]; regions: RangeSummary[] }
  | { kind: 'ihex'; regions: RangeSummary[]; start?: number }
  | { kind: 'beken'; beken: BekenImageInfo }
  | { kind: 'partition-table'; table: PartitionTable };

export function inspectImage(name: string, bytes: Uint8Array, opts: { chip?: string } = {}): ImageDescription {
  if (bytes.length === 0) throw new AnyflashError('file-empty', `${name} is empty.`, { file: name });
  if (isElf(bytes)) {
    const elf = parseElf(bytes, name);
    return {
      kind: 'elf', machine: machineName(elf.machine), entry: elf.entry,
      sections: elf.sections.filter((s) => s.addr !== 0 && s.size !== 0)
        .map((s) => ({ name: s.name, addr: s.addr, size: s.size, nobits: s.type === SHT_NOBITS })),
      segments: elf.segments.filter((s) => s.type === PT_LOAD)
        .map((s) => ({ vaddr: s.vaddr, paddr: s.paddr, filesz: s.filesz, memsz: s.memsz })),
    };
  }
  if (isUf2(bytes)) {
    const uf2 = parseUf2(bytes, name);
    return {
      kind: 'uf2', blocks: uf2.blocks.length, families: uf2.familyIds.map(uf2FamilyName),
      regions: joinChunks(uf2.chunks, name).map((r) => ({ address: r.address, length: r.data.length })),
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
  const beken = describeBekenImage(bytes);
  if (beken) return { kind: 'beken', beken };
  if (isEspImage(bytes)) return { kind: 'esp-image', esp: parseEspImage(bytes, { file: name, ...(opts.chip ? { chip: opts.chip } : {}) }) };
  throw new AnyflashError('bad-input', `${name} is not a firmware format anyflash recognises.`, {
    file: name,
    advice: ['image info reads ESP images, ELF, UF2, Intel HEX, ESP partition tables and Beken RBL/UG/UA/QIO files; a raw binary has no header to show.'],
  });
}
