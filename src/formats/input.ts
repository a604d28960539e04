/**
 * Turns one input file of `write` into flash regions: Intel HEX, UF2, ELF (converted for ESP,
 * PT_LOAD segments for SiFli), ESP images and raw binaries. Pure: the caller reads the file.
 */
import { AnyflashError } from '../core/errors.js';
import { hexAddr } from '../core/bytes.js';
import { EM_ARM, isElf, machineName, parseElf, PT_LOAD } from './elf.js';
import { elfToImage } from './elf2image.js';
import { findEspImageChip } from './esp-chips.js';
import { isEspImage, parseEspImage } from './esp-image.js';
import { looksLikeIntelHex, parseIntelHex } from './ihex.js';
import { isUf2, parseUf2, uf2FamilyName, UF2_FAMILIES } from './uf2.js';
import { joinChunks, type Region } from './regions.js';
import { resolveLibreTinyUf2 } from './libretiny-uf2.js';
import { detectBekenDump } from './beken.js';
import { PARTITION_DATA_MAX, PARTITION_TABLE_OFFSET, isPartitionTableBinary, parsePartitionBinary } from './partition-table.js';

export type InputFamily = 'esp' | 'beken' | 'sifli';
export type InputKind = 'raw' | 'ihex' | 'uf2' | 'elf' | 'esp-image';

export interface LoadInputOptions {
  /** Where the file goes (raw binaries, ESP images, ESP ELF → app image). */
  address?: number;
  chip?: string;
  family?: InputFamily;
  /** elf2image settings when an ESP ELF is converted on the fly. */
  flashMode?: string;
  flashFreq?: string;
  flashSize?: string;
}

export interface LoadedInput {
  regions: Region[];
  kind: InputKind;
  warnings: string[];
}

/** Where an ESP app goes when no address is given (ESP-IDF's default factory partition). */
export const DEFAULT_ESP_APP_OFFSET = 0x10000;

function familyOf(opts: LoadInputOptions): InputFamily | undefined {
  if (opts.family) return opts.family;
  if (!opts.chip) return undefined;
  const c = opts.chip.toLowerCase();
  // --chip may also name a family.
  if (c === 'esp' || c === 'beken' || c === 'sifli') return c;
  if (findEspImageChip(c) || c.startsWith('esp')) return 'esp';
  if (c.startsWith('bk')) return 'beken';
  if (c.startsWith('sf32')) return 'sifli';
  return undefined;
}

function loadElf(name: string, bytes: Uint8Array, opts: LoadInputOptions, warnings: string[]): Region[] {
  const elf = parseElf(bytes, name);
  const family = familyOf(opts) ?? (elf.machine === EM_ARM ? 'sifli' : 'esp');
  if (family === 'sifli') {
    if (elf.machine !== EM_ARM) {
      throw new AnyflashError('wrong-chip-image', `${name} is a ${machineName(elf.machine)} ELF, but SiFli chips are ARM.`, {
        file: name, advice: ['Pass the ELF of a SiFli SDK build.'],
      });
    }
    const chunks = elf.segments
      .filter((s) => s.type === PT_LOAD && s.filesz > 0)
      .map((s) => ({ address: s.paddr, data: s.data }));
    if (chunks.length === 0) throw new AnyflashError('bad-input', `${name} has no loadable segments.`, { file: name });
    return joinChunks(chunks, name);
  }
  if (family === 'beken') {
    throw new AnyflashError('bad-input', `${name} is an ELF; Beken chips are flashed from binaries.`, {
      file: name, advice: ['Pass the UA/QIO .bin or the .uf2 the build produced.'],
    });
  }
  if (!opts.chip || !findEspImageChip(opts.chip)) {
    throw new AnyflashError('bad-input', `${name} is an ELF; converting it to an image needs the exact chip.`, {
      file: name, advice: ['Connect to the device (the chip is detected), or pass --chip (e.g. esp32c3).'],
    });
  }
  const result = elfToImage(bytes, {
    chip: opts.chip, file: name,
    ...(opts.flashMode ? { flashMode: opts.flashMode } : {}),
    ...(opts.flashFreq ? { flashFreq: opts.flashFreq } : {}),
    ...(opts.flashSize ? { flashSize: opts.flashSize } : {}),
  });
  warnings.push(...result.warnings);
  if (result.chip.id === 'esp8266') {
    if (opts.address !== undefined && opts.address !== 0) {
      warnings.push(`${name}: an ESP8266 V1 image goes to 0x0 and its IROM to its own offset; the address ${hexAddr(opts.address)} is ignored.`);
    }
    return result.parts.map((p) => ({ address: p.offset, data: p.data, name: p.offset === 0 ? name : `${name} (IROM)` }));
  }
  const address = opts.address ?? DEFAULT_ESP_APP_OFFSET;
  if (opts.address === undefined) warnings.push(`${name}: converted to an app image and placed at ${hexAddr(address)} (the default app offset).`);
  return [{ address, data: result.parts[0]!.data, name }];
}

function loadUf2(name: string, bytes: Uint8Array, opts: LoadInputOptions, warnings: string[]): Region[] {
  const uf2 = parseUf2(bytes, name);
  const family = familyOf(opts);
  const wantChip = opts.chip?.toLowerCase().replace(/[-_\s]/g, '');
  for (const id of uf2.familyIds) {
    const known = UF2_FAMILIES.find((f) => f.id === id);
    // A chip without a UF2 family of its own (e.g. BK7231U) is checked by family only.
    const chipHasFamily = wantChip !== undefined && UF2_FAMILIES.some((f) => f.chip === wantChip);
    const matchesChip = !chipHasFamily || (known !== undefined && known.chip === wantChip);
    const matchesFamily = family === undefined || (known !== undefined && known.family === family);
    if (!matchesChip || !matchesFamily) {
      throw new AnyflashError('wrong-chip-image', `${name} is a UF2 for ${uf2FamilyName(id)}, not for ${opts.chip ?? family}.`, {
        file: name, ...(opts.chip ? { chip: opts.chip } : {}),
        advice: ['Use the UF2 built for this chip.', 'If you are sure, convert it to a .bin and write that at its address.'],
      });
    }
  }
  if (uf2.familyIds.length === 0) warnings.push(`${name}: the UF2 blocks carry no family id, so the target chip cannot be checked.`);
  const beken = uf2.familyIds.some((id) => UF2_FAMILIES.find((f) => f.id === id)?.family === 'beken');
  let chunks = uf2.chunks;
  if (beken) {
    const lt = resolveLibreTinyUf2(uf2, name);
    chunks = lt.chunks;
    warnings.push(`${name}: LibreTiny UF2${lt.board ? ` for board ${lt.board}` : ''}${lt.firmware ? ` (${lt.firmware}${lt.version ? ` ${lt.version}` : ''})` : ''}; partitions ${lt.partitions.join(', ') || 'none'}.`);
  }
  if (chunks.length === 0) throw new AnyflashError('bad-input', `${name} holds no blocks for flash.`, { file: name });
  return joinChunks(chunks, name);
}

function loadEspImage(name: string, bytes: Uint8Array, opts: LoadInputOptions, warnings: string[]): Region[] {
  if (opts.address !== undefined) return [{ address: opts.address, data: bytes, name }];
  const chip = opts.chip ? findEspImageChip(opts.chip) : undefined;
  let info;
  try {
    info = parseEspImage(bytes, { file: name, ...(chip ? { chip: chip.id } : {}) });
  } catch {
    throw needAddress(name, 'a binary that starts like an ESP image but does not parse as one');
  }
  if (info.appDescriptor) {
    warnings.push(`${name}: ESP-IDF app image placed at ${hexAddr(DEFAULT_ESP_APP_OFFSET)} (the default app offset).`);
    return [{ address: DEFAULT_ESP_APP_OFFSET, data: bytes, name }];
  }
  if (info.bootloaderDescriptor) {
    warnings.push(`${name}: ${info.chip.name} bootloader image placed at ${hexAddr(info.chip.bootloaderOffset)}.`);
    return [{ address: info.chip.bootloaderOffset, data: bytes, name }];
  }
  throw needAddress(name, 'an ESP image without an app or bootloader descriptor');
}

/** A merge-bin output or flash dump from 0x0: a valid partition table at 0x8000. */
function isEspFlashImage(bytes: Uint8Array): boolean {
  const table = bytes.subarray(PARTITION_TABLE_OFFSET, PARTITION_TABLE_OFFSET + PARTITION_DATA_MAX);
  if (table.length < PARTITION_DATA_MAX || !isPartitionTableBinary(table)) return false;
  try {
    parsePartitionBinary(table);
    return true;
  } catch {
    return false;
  }
}

function needAddress(name: string, what: string): AnyflashError {
  return new AnyflashError('bad-input', `${name} is ${what}; say where it goes.`, {
    file: name, advice: [`Give an address: anyflash write 0x10000 ${name} (or ${name}@0x10000).`],
  });
}

export function loadInput(name: string, bytes: Uint8Array, opts: LoadInputOptions = {}): LoadedInput {
  if (bytes.length === 0) {
    throw new AnyflashError('file-empty', `${name} is empty.`, { file: name, advice: ['Check the build output; the file has no bytes.'] });
  }
  const warnings: string[] = [];
  if (isElf(bytes)) return { regions: loadElf(name, bytes, opts, warnings), kind: 'elf', warnings };
  if (isUf2(bytes)) return { regions: loadUf2(name, bytes, opts, warnings), kind: 'uf2', warnings };
  if (looksLikeIntelHex(bytes)) {
    const regions = joinChunks(parseIntelHex(bytes, name).chunks, name);
    if (opts.address !== undefined) warnings.push(`${name}: Intel HEX carries its own addresses; ${hexAddr(opts.address)} is ignored.`);
    if (regions.length === 0) throw new AnyflashError('bad-input', `${name} holds no data records.`, { file: name });
    return { regions, kind: 'ihex', warnings };
  }
  const family = familyOf(opts);
  if ((family === 'esp' || family === undefined) && opts.address === undefined && isEspFlashImage(bytes)) {
    warnings.push(`${name}: a whole ESP flash image (partition table at 0x8000); written from 0x0.`);
    return { regions: [{ address: 0, data: bytes, name }], kind: 'raw', warnings };
  }
  if ((family === 'esp' || family === undefined) && isEspImage(bytes)) {
    return { regions: loadEspImage(name, bytes, opts, warnings), kind: 'esp-image', warnings };
  }
  if (opts.address !== undefined) return { regions: [{ address: opts.address, data: bytes, name }], kind: 'raw', warnings };
  if (family === 'beken') {
    const dump = detectBekenDump(bytes);
    if (dump) {
      warnings.push(`${name}: ${dump.description}; placed at ${hexAddr(dump.address)}.`);
      const data = bytes.subarray(dump.skip, dump.skip + dump.length);
      return { regions: [{ address: dump.address, data, name }], kind: 'raw', warnings };
    }
  }
  throw needAddress(name, 'a raw binary');
}
