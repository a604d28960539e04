/** BK72xx chip data as tables: protocol variants, bootloader CRCs, chip id register values. */

export type Protocol = 'FULL' | 'BASIC_BEKEN' | 'BASIC_TUYA';

export interface BekenChip {
  name: string;
  description: string;
  /** The loader the chip answers with in download mode. */
  protocol: Protocol;
  /** Value of SCTRL_CHIP_ID (ReadReg 0x800000), FULL chips only. */
  chipId?: number;
  /** The flash bootloader runs from 0–0x11000 (XIP): erasing it leaves only SPI recovery. */
  bootloaderInFlash: boolean;
  /** Tuya TLV block holding the MAC, when the vendor layout is known. */
  macTlv?: number;
  /** FlashErase 0x52 (32 KiB) is known to the loader. */
  erase32K: boolean;
}

export const CHIPS: readonly BekenChip[] = [
  { name: 'bk7231n', description: 'BK7231N', protocol: 'FULL', chipId: 0x7231c, bootloaderInFlash: false, macTlv: 0x1d0000, erase32K: true },
  { name: 'bk7238', description: 'BK7238', protocol: 'FULL', chipId: 0x7238, bootloaderInFlash: false, erase32K: true },
  { name: 'bk7231t', description: 'BK7231T', protocol: 'BASIC_TUYA', chipId: 0x7231a, bootloaderInFlash: true, macTlv: 0x1e0000, erase32K: false },
  { name: 'bk7231u', description: 'BK7231U', protocol: 'BASIC_BEKEN', chipId: 0x0001, bootloaderInFlash: true, erase32K: false },
  { name: 'bk7231q', description: 'BK7231Q', protocol: 'BASIC_BEKEN', chipId: 0x7231, bootloaderInFlash: true, erase32K: false },
  { name: 'bk7252', description: 'BK7252', protocol: 'BASIC_BEKEN', chipId: 0x7252, bootloaderInFlash: true, erase32K: false },
];

export const CHIP_NAMES: readonly string[] = CHIPS.map((c) => c.name);

export function chipByName(name: string): BekenChip | undefined {
  return CHIPS.find((c) => c.name === name);
}

/** Chip ids that only the GUI tool lists; we name them but have no chip row for them. */
const OTHER_CHIP_IDS: Readonly<Record<number, string>> = {
  0x7236: 'BK7236/BK7258',
  0x7256: 'BK7256',
  0x7252a: 'BK7252N',
  0x7259: 'BK7259',
};

export function chipById(id: number): BekenChip | undefined {
  return CHIPS.find((c) => c.chipId === id && c.protocol === 'FULL') ?? CHIPS.find((c) => c.chipId === id);
}

export function otherChipName(id: number): string | undefined {
  return OTHER_CHIP_IDS[id];
}

export interface BootloaderEntry {
  /** zlib-form CRC-32 (chip raw ^ 0xFFFFFFFF) of CheckCRC(0, 0x100). */
  crc: number;
  name: string;
  chip: string;
  protocol: Protocol;
  /** These loaders come with a fixed flash size. */
  flashSize?: number;
}

/** Bootloader identification by CheckCRC(0, 0x100): 257 bytes on FULL, 256 on BASIC (reference §3). */
export const BOOTLOADERS: readonly BootloaderEntry[] = [
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
