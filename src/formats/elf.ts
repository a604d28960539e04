/** A small ELF32 little-endian reader: enough for ESP (Xtensa/RISC-V) and SiFli (ARM) firmware. */
import { AnyflashError } from '../core/errors.js';

export const EM_ARM = 0x28;
export const EM_XTENSA = 0x5e;
export const EM_RISCV = 0xf3;

export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHT_INIT_ARRAY = 14;
export const SHT_FINI_ARRAY = 15;
export const SHT_PREINIT_ARRAY = 16;
export const PT_LOAD = 1;

export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  align: number;
  /** File bytes; empty for NOBITS sections. */
  data: Uint8Array;
}

export interface ElfSegment {
  type: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  flags: number;
  align: number;
  data: Uint8Array;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** st_info's type: 1 object, 2 function (STT_*). */
  type?: number;
  /** Index of the section it lies in (0: undefined). */
  shndx?: number;
}

export const STT_NOTYPE = 0;
export const STT_FUNC = 2;
export const SHF_EXECINSTR = 0x4;

export interface ElfFile {
  machine: number;
  entry: number;
  sections: ElfSection[];
  segments: ElfSegment[];
  symbols: ElfSymbol[];
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function machineName(machine: number): string {
  return machine === EM_XTENSA ? 'Xtensa' : machine === EM_RISCV ? 'RISC-V' : machine === EM_ARM ? 'ARM' : `machine 0x${machine.toString(16)}`;
}

function cString(table: Uint8Array, offset: number): string {
  let end = offset;
  while (end < table.length && table[end] !== 0) end++;
  return new TextDecoder().decode(table.subarray(offset, end));
}

export function parseElf(bytes: Uint8Array, file = 'input'): ElfFile {
  const bad = (what: string): AnyflashError =>
    new AnyflashError('bad-input', `${file} is not a usable ELF file: ${what}.`, {
      file,
      advice: ['Pass the .elf the build produced (not a .bin or .map), and check that it was copied completely.'],
    });
  if (!isElf(bytes)) throw bad('no ELF magic (7F 45 4C 46) at the start');
  if (bytes.length < 0x34) throw bad(`truncated header (${bytes.length} bytes)`);
  if (bytes[4] !== 1) throw bad('only 32-bit ELF is supported');
  if (bytes[5] !== 1) throw bad('only little-endian ELF is supported');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number): number => v.getUint16(o, true);
  const u32 = (o: number): number => v.getUint32(o, true);
  const slice = (offset: number, size: number, what: string): Uint8Array => {
    if (offset + size > bytes.length) throw bad(`${what} lies beyond the end of the file (truncated?)`);
    return bytes.subarray(offset, offset + size);
  };

  const machine = u16(18);
  const entry = u32(24);
  const phoff = u32(28);
  const shoff = u32(32);
  const phentsize = u16(42);
  const phnum = u16(44);
  const shentsize = u16(46);
  const shnum = u16(48);
  const shstrndx = u16(50);

  const segments: ElfSegment[] = [];
  if (phnum > 0) {
    if (phentsize !== 0x20) throw bad(`unexpected program header size ${phentsize}`);
    slice(phoff, phnum * 0x20, 'the program header table');
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * 0x20;
      const type = u32(o);
      const offset = u32(o + 4);
      const filesz = u32(o + 16);
      segments.push({
        type, offset, vaddr: u32(o + 8), paddr: u32(o + 12), filesz, memsz: u32(o + 20),
        flags: u32(o + 24), align: u32(o + 28),
        data: type === PT_LOAD && filesz > 0 ? slice(offset, filesz, `segment ${i}`) : new Uint8Array(0),
      });
    }
  }

  const sections: ElfSection[] = [];
  if (shnum > 0) {
    if (shentsize !== 0x28) throw bad(`unexpected section header size ${shentsize}`);
    slice(shoff, shnum * 0x28, 'the section header table');
    const raw = Array.from({ length: shnum }, (_, i) => {
      const o = shoff + i * 0x28;
      return {
        nameOff: u32(o), type: u32(o + 4), flags: u32(o + 8), addr: u32(o + 12),
        offset: u32(o + 16), size: u32(o + 20), align: u32(o + 32),
      };
    });
    const strtab = shstrndx < shnum ? raw[shstrndx]! : undefined;
    const names = strtab ? slice(strtab.offset, strtab.size, 'the section name table') : new Uint8Array(0);
    for (const s of raw) {
      const name = cString(names, s.nameOff);
      const data = s.type === SHT_NOBITS || s.type === 0 ? new Uint8Array(0) : slice(s.offset, s.size, `section ${name}`);
      sections.push({ name, type: s.type, flags: s.flags, addr: s.addr, offset: s.offset, size: s.size, align: s.align, data });
    }
  }
  if (sections.length === 0 && segments.length === 0) throw bad('it has neither sections nor segments');

  const symbols: ElfSymbol[] = [];
  const symtabIndex = sections.findIndex((s) => s.type === SHT_SYMTAB);
  if (symtabIndex >= 0) {
    const symtab = sections[symtabIndex]!;
    const link = v.getUint32(shoff + symtabIndex * 0x28 + 24, true);
    const strs = sections[link]?.data ?? new Uint8Array(0);
    const sv = new DataView(symtab.data.buffer, symtab.data.byteOffset, symtab.data.byteLength);
    for (let o = 0; o + 16 <= symtab.data.length; o += 16) {
      const name = cString(strs, sv.getUint32(o, true));
      if (name) {
        symbols.push({
          name, value: sv.getUint32(o + 4, true), size: sv.getUint32(o + 8, true),
          type: symtab.data[o + 12]! & 0xf, shndx: sv.getUint16(o + 14, true),
        });
      }
    }
  }
  return { machine, entry, sections, segments, symbols };
}
