/** BK72xx chip data as tables: protocol variants, bootloader CRCs, chip id register values. */

import {
  BEKEN_BOOTLOADERS,
  BEKEN_CHIP_RECORDS,
  BEKEN_OTHER_CHIP_IDS,
  type BekenChipRecord,
  type BootloaderEntry,
} from '../../chips/beken.js';

import type { FamilyFacts } from '../types.js';

export type { BekenProtocol as Protocol, BootloaderEntry } from '../../chips/beken.js';

/** The client's view of a BK72xx chip record (chips/beken.ts). */
export type BekenChip = BekenChipRecord;

export const CHIPS: readonly BekenChip[] = BEKEN_CHIP_RECORDS;

export const CHIP_NAMES: readonly string[] = CHIPS.map((c) => c.name);

export const BEKEN_FAMILY: FamilyFacts = { name: 'beken', title: 'Beken', chips: CHIP_NAMES, probeCost: 2 };

export function chipByName(name: string): BekenChip | undefined {
  return CHIPS.find((c) => c.name === name);
}

/** The chip with this SCTRL_CHIP_ID; `preferred` wins where chips share an id (BK7231N/M). */
export function chipById(id: number, preferred?: string): BekenChip | undefined {
  const same = CHIPS.filter((c) => c.chipId === id);
  return same.find((c) => c.name === preferred) ?? same.find((c) => c.protocol === 'FULL') ?? same[0];
}

export function otherChipName(id: number): string | undefined {
  return BEKEN_OTHER_CHIP_IDS[id];
}

export const BOOTLOADERS = BEKEN_BOOTLOADERS;

export function bootloaderByCrc(zlibCrc: number): BootloaderEntry | undefined {
  return BOOTLOADERS.find((b) => b.crc === zlibCrc >>> 0);
}

/** The flash bootloaders' own area, which they refuse to touch and which must not be erased. */
export const BOOTLOADER_END = 0x11000;
export const SCTRL_CHIP_ID = 0x800000;
export const EFUSE_CTRL = 0x800074;
export const EFUSE_DATA = 0x800078;
/** Tuya's default eFuse key, as the four coefficients. */
export const TUYA_DEFAULT_KEY = '510fb093 a3cbeadc 5993a17e c7adeb03';
/** Tuya TLV marker at +0x1C of the MAC block; the MAC follows at +0x24. */
export const MAC_TLV_MARKER = Uint8Array.of(0x02, 0x11, 0x11, 0x11, 0x06, 0x00, 0x00, 0x00);
export const DEFAULT_BAUD = 921600;
export const LINK_BAUD = 115200;
/** Baud ladder for the automatic step-down. */
export const BAUD_LADDER: readonly number[] = [2000000, 1500000, 921600, 460800, 115200];
/** CheckCRC throughput the tools assume (bytes/s); used to size timeouts. */
export const CRC_BYTES_PER_SECOND = 400_000;
