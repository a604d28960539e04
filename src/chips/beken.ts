/**
 * Every BK72xx chip as one record: the loader protocol it answers with, its SCTRL_CHIP_ID, where its
 * bootloader lives, the Tuya MAC block, the erase sizes its loader knows, and its UF2 family id
 * (LibreTiny). Facts from reference/beken.md §1–§3 (see docs/chips.md for sources).
 *
 * Pure data, importable from every layer: the client (families/beken/chips.ts), UF2
 * (formats/uf2.ts), the log diagnosis (diagnose/signatures) and the simulator (sim/beken/chips.ts)
 * derive their lists from these rows.
 */

export type BekenProtocol = 'FULL' | 'BASIC_BEKEN' | 'BASIC_TUYA';

export interface BekenChipRecord {
  name: string;
  description: string;
  /** The loader the chip answers with in download mode. */
  protocol: BekenProtocol;
  /** Value of SCTRL_CHIP_ID (ReadReg 0x800000), FULL chips only. */
  chipId?: number;
  /** The flash bootloader runs from 0–0x11000 (XIP): erasing it leaves only SPI recovery. */
  bootloaderInFlash: boolean;
  /** Tuya TLV block holding the MAC, when the vendor layout is known. */
  macTlv?: number;
  /** FlashErase 0x52 (32 KiB) is known to the loader. */
  erase32K: boolean;
  /** LibreTiny's UF2 family id, where it has one. */
  uf2FamilyId?: number;
}

export const BEKEN_CHIP_RECORDS: readonly BekenChipRecord[] = [
  { name: 'bk7231n', description: 'BK7231N', protocol: 'FULL', chipId: 0x7231c, bootloaderInFlash: false, macTlv: 0x1d0000, erase32K: true, uf2FamilyId: 0x7b3ef230 },
  // The BK7231N's BootROM and chip id with an empty eFuse key (the GUI tool's "BK7231M"): told
  // apart from a key-protected BK7231N only by --chip, so detection names the N unless asked.
  { name: 'bk7231m', description: 'BK7231M', protocol: 'FULL', chipId: 0x7231c, bootloaderInFlash: false, erase32K: true },
  { name: 'bk7238', description: 'BK7238', protocol: 'FULL', chipId: 0x7238, bootloaderInFlash: false, erase32K: true, uf2FamilyId: 0x159ac324 },
  { name: 'bk7231t', description: 'BK7231T', protocol: 'BASIC_TUYA', chipId: 0x7231a, bootloaderInFlash: true, macTlv: 0x1e0000, erase32K: false, uf2FamilyId: 0x675a40b0 },
  { name: 'bk7231u', description: 'BK7231U', protocol: 'BASIC_BEKEN', chipId: 0x0001, bootloaderInFlash: true, erase32K: false },
  { name: 'bk7231q', description: 'BK7231Q', protocol: 'BASIC_BEKEN', chipId: 0x7231, bootloaderInFlash: true, erase32K: false, uf2FamilyId: 0xafe81d49 },
  { name: 'bk7252', description: 'BK7252', protocol: 'BASIC_BEKEN', chipId: 0x7252, bootloaderInFlash: true, erase32K: false, uf2FamilyId: 0x6a82cc42 },
];

/** Chip ids that only the GUI tool lists; we name them but have no chip row for them. */
export const BEKEN_OTHER_CHIP_IDS: Readonly<Record<number, string>> = {
  0x7236: 'BK7236/BK7258',
  0x7256: 'BK7256',
  0x7252a: 'BK7252N',
  0x7259: 'BK7259',
};

export interface BootloaderEntry {
  /** zlib-form CRC-32 (chip raw ^ 0xFFFFFFFF) of CheckCRC(0, 0x100). */
  crc: number;
  name: string;
  chip: string;
  protocol: BekenProtocol;
  /** These loaders come with a fixed flash size. */
  flashSize?: number;
}

/** Bootloader identification by CheckCRC(0, 0x100): 257 bytes on FULL, 256 on BASIC (reference §3). */
export const BEKEN_BOOTLOADERS: readonly BootloaderEntry[] = [
  { crc: 0xe14191ba, name: 'BK7231N 1.0.1', chip: 'bk7231n', protocol: 'FULL' },
  { crc: 0xf42f8c32, name: 'BK7238 "T1" 2.0.0', chip: 'bk7238', protocol: 'FULL' },
  { crc: 0x6beb0924, name: 'BK7238 1.0.14', chip: 'bk7238', protocol: 'FULL' },
  { crc: 0xf0231ef6, name: 'BK7231Q', chip: 'bk7231q', protocol: 'BASIC_BEKEN' },
  { crc: 0xff5a3eac, name: 'BK7231Q (tysdk)', chip: 'bk7231q', protocol: 'BASIC_BEKEN' },
  { crc: 0xc1eca871, name: 'BK7231S/T 1.0.1', chip: 'bk7231t', protocol: 'BASIC_TUYA', flashSize: 0x200000 },
  { crc: 0x4b31e44d, name: 'BK7231S/T 1.0.3', chip: 'bk7231t', protocol: 'BASIC_TUYA', flashSize: 0x200000 },
  { crc: 0xba54c1b8, name: 'BK7231S/T 1.0.5', chip: 'bk7231t', protocol: 'BASIC_TUYA', flashSize: 0x200000 },
  { crc: 0xe5cbc953, name: 'BK7231S/T 1.0.6', chip: 'bk7231t', protocol: 'BASIC_TUYA', flashSize: 0x200000 },
  { crc: 0x2739019f, name: 'BK7231U 1.0.6', chip: 'bk7231u', protocol: 'BASIC_BEKEN', flashSize: 0x200000 },
  { crc: 0x39f9b50c, name: 'BK7252 0.1.3', chip: 'bk7252', protocol: 'BASIC_BEKEN' },
  { crc: 0xe3a27c26, name: 'BK7252 SDK', chip: 'bk7252', protocol: 'BASIC_BEKEN' },
];
