import {
  ESP_CHIP_RECORDS,
  type BitField,
  type CrystalRule,
  type EspChipRecord,
  type SpiRegs,
  type WatchdogRegs,
} from '../../chips/esp.js';

import type { FamilyFacts } from '../types.js';

export type { BitField, CrystalRule, SpiRegs, WatchdogRegs } from '../../chips/esp.js';

/**
 * The client's view of every supported Espressif chip (the rows live in chips/esp.ts). Detection,
 * info reads, flash ID, stub choice and watchdog reset are driven from these rows.
 */
export interface EspChip {
  /** Lower-case name accepted by `--chip`. */
  name: string;
  /** Marketing name, as esptool prints it. */
  description: string;
  /** Chip id of GET_SECURITY_INFO and of the image extended header; undefined for ESP8266. */
  chipId?: number;
  /** True when GET_SECURITY_INFO returns the 20-byte form with `chipId`. */
  securityInfoHasChipId: boolean;
  /** Values of the word at 0x40001000 (grows with every ECO). */
  magic: readonly number[];
  efuseBase: number;
  /** Address of the low MAC word; the high 16 bits of the MAC are in the next word. */
  macReg: number;
  /** Revision fields; `esp32` uses its special major-revision rule. */
  revision: { major: readonly BitField[]; minor: readonly BitField[] } | 'esp32' | 'none';
  pkg?: readonly BitField[];
  packages?: Readonly<Record<number, string>>;
  spi: SpiRegs;
  uartClkdiv: number;
  crystal: CrystalRule;
  bootloaderOffset: number;
  /** File name (without `.json`) of the flasher stub; null where none is published (ROM only). */
  stub: string | null;
  /** ROM status is `status, error, 0, 0` (4 bytes) on ESP32 and later, 2 bytes on ESP8266. */
  romStatusLen: 2 | 4;
  /** The ROM understands CHANGE_BAUDRATE, so the baud can be raised before the stub upload. */
  romChangeBaud: boolean;
  /** C2 ROM with a 26 MHz crystal assumes 40 MHz: the requested baud must be scaled by 40/26. */
  romBaudScale26MHz?: boolean;
  /** ROM FLASH_BEGIN takes the 5th (encrypted) word. */
  romFlashBeginEncryptWord: boolean;
  /** ROM needs SPI_ATTACH (and SPI_SET_PARAMS) before flash access; ESP8266 lacks both. */
  romSpiAttach: boolean;
  /** Image header flash-size nibble → bytes. */
  flashSizes: Readonly<Record<number, number>>;
  features: readonly string[];
  /** RTC/LP watchdog registers for `--after watchdog-reset`; absent where unsupported. */
  watchdog?: WatchdogRegs;
}

const MB = 1024 * 1024;
const KB = 1024;

/** Header flash-size nibble → bytes, read off the image table's names ('4MB' → 0x20 → 2: 4 MiB). */
function flashSizesByCode(names: Readonly<Record<string, number>>): Record<number, number> {
  const out: Record<number, number> = {};
  for (const [name, code] of Object.entries(names)) {
    const m = /^(\d+)(KB|MB)/.exec(name);
    if (m) out[code >>> 4] = Number(m[1]) * (m[2] === 'KB' ? KB : MB);
  }
  return out;
}

function clientRow(r: EspChipRecord): EspChip {
  const { imageChipId, securityInfo, image, ...facts } = r;
  return {
    ...facts,
    ...(imageChipId === null ? {} : { chipId: imageChipId }),
    securityInfoHasChipId: securityInfo === 'full',
    flashSizes: flashSizesByCode(image.flashSizes),
  };
}

/** The client's view of the chip records (chips/esp.ts). */
export const ESP_CHIPS: readonly EspChip[] = ESP_CHIP_RECORDS.map(clientRow);

export function chipByName(name: string): EspChip | undefined {
  const key = name.toLowerCase().replace(/[-_]/g, '');
  return ESP_CHIPS.find((c) => c.name === key);
}

export function chipById(id: number): EspChip | undefined {
  return ESP_CHIPS.find((c) => c.chipId === id && c.securityInfoHasChipId);
}

export function chipByMagic(magic: number): EspChip | undefined {
  return ESP_CHIPS.find((c) => c.magic.includes(magic >>> 0));
}

export function readField(fields: readonly BitField[], read: (addr: number) => number): number {
  let v = 0;
  for (const fl of fields) v = (v << fl.bits) | ((read(fl.addr) >>> fl.shift) & ((1 << fl.bits) - 1));
  return v;
}

/** Addresses a chip row needs read to decode revision and package. */
export function revisionAddresses(chip: EspChip): number[] {
  const fields: BitField[] = [...(chip.pkg ?? [])];
  if (chip.revision === 'esp32') return [...new Set([...fields.map((x) => x.addr), 0x3ff5a00c, 0x3ff5a014, ESP32_APB_CTL_DATE])];
  if (chip.revision !== 'none') fields.push(...chip.revision.major, ...chip.revision.minor);
  return [...new Set(fields.map((x) => x.addr))];
}

export const ESP32_APB_CTL_DATE = 0x3ff6607c;

/** Major/minor revision from register values (read through `read`). */
export function decodeRevision(chip: EspChip, read: (addr: number) => number): { major: number; minor: number } | undefined {
  if (chip.revision === 'none') return undefined;
  if (chip.revision === 'esp32') {
    const word3 = read(0x3ff5a00c);
    const word5 = read(0x3ff5a014);
    const bits = (((read(ESP32_APB_CTL_DATE) >>> 31) & 1) << 2) | (((word5 >>> 20) & 1) << 1) | ((word3 >>> 15) & 1);
    const major = ({ 0: 0, 1: 1, 3: 2, 7: 3 } as Record<number, number>)[bits] ?? 0;
    return { major, minor: (word5 >>> 24) & 3 };
  }
  return { major: readField(chip.revision.major, read), minor: readField(chip.revision.minor, read) };
}

/** Flash size from a JEDEC RDID answer; undefined when the size code is unknown. */
export function flashSizeFromId(id: number): number | undefined {
  const manufacturer = id & 0xff;
  const code = (id >>> 16) & 0xff;
  if (manufacturer === 0x1f) {
    // Adesto encodes the density in the low 5 bits of the device-type byte: 4 = 512 KB … 9 = 16 MB.
    const density = (id >>> 8) & 0x1f;
    return density >= 4 && density <= 9 ? 2 ** (density + 15) : undefined;
  }
  if (code >= 0x12 && code <= 0x1c) return 2 ** code;
  if (code >= 0x20 && code <= 0x22) return 64 * MB * 2 ** (code - 0x20);
  if (code >= 0x32 && code <= 0x3a) return 2 ** (code - 0x20);
  return undefined;
}

/** RDID answers that mean "no flash chip answered". */
export function isNoFlashId(id: number): boolean {
  const v = id & 0xffffff;
  return v === 0xffffff || v === 0x000000 || v === 0xffff3f;
}

/** Names of the GET_SECURITY_INFO flag bits, in bit order. */
export const SECURITY_FLAGS = [
  'SECURE_BOOT_EN',
  'SECURE_BOOT_AGGRESSIVE_REVOKE',
  'SECURE_DOWNLOAD_ENABLE',
  'SECURE_BOOT_KEY_REVOKE0',
  'SECURE_BOOT_KEY_REVOKE1',
  'SECURE_BOOT_KEY_REVOKE2',
  'SOFT_DIS_JTAG',
  'HARD_DIS_JTAG',
  'DIS_USB',
  'DIS_DOWNLOAD_DCACHE',
  'DIS_DOWNLOAD_ICACHE',
] as const;

export function securityFlagNames(flags: number): string[] {
  return SECURITY_FLAGS.filter((_, i) => (flags >>> i) & 1);
}

export const ESP_FAMILY: FamilyFacts = { name: 'esp', title: 'ESP', chips: ESP_CHIPS.map((c) => c.name), probeCost: 1 };
