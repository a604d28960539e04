import { findEspImageChip } from '../../formats/esp-chips.js';

/**
 * Every supported Espressif chip as one data row (reference §2). Detection, info reads, flash ID,
 * stub choice and watchdog reset are driven from these rows; adding a chip means adding a row.
 */

/** A bit field of an eFuse/register word. Several fields concatenate MSB first. */
export interface BitField {
  addr: number;
  shift: number;
  bits: number;
}

export interface SpiRegs {
  base: number;
  usr: number;
  usr1: number;
  usr2: number;
  /** Separate data-length registers (ESP32 and later); ESP8266 packs the lengths into USR1. */
  mosiDlen?: number;
  misoDlen?: number;
  w0: number;
}

export interface WatchdogRegs {
  config0: number;
  config1: number;
  wprotect: number;
}

export type CrystalRule =
  | { kind: 'fixed'; mhz: number }
  /** Measured from the ROM's UART divider at the current baud, normalised to the nearest candidate. */
  | { kind: 'measure'; divider: number; candidates: number[] };

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
  /** File name (without `.json`) of the flasher stub. */
  stub: string;
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

const ESP32_FLASH_SIZES = { 0: 1 * MB, 1: 2 * MB, 2: 4 * MB, 3: 8 * MB, 4: 16 * MB, 5: 32 * MB, 6: 64 * MB, 7: 128 * MB };
const ESP8266_FLASH_SIZES = { 0: 512 * KB, 1: 256 * KB, 2: 1 * MB, 3: 2 * MB, 4: 4 * MB, 5: 2 * MB, 6: 4 * MB, 8: 8 * MB, 9: 16 * MB };

const f = (addr: number, shift: number, bits: number): BitField => ({ addr, shift, bits });
/** Word `n` of eFuse BLOCK1 (which starts at `base + 0x44`, or `+0x40` on the C2). */
const blk1 = (base: number, n: number, off = 0x44): number => base + off + 4 * n;

/** SPI1 user-command registers of the ESP32-S2 and later. */
const newSpi = (base: number): SpiRegs => ({ base, usr: 0x18, usr1: 0x1c, usr2: 0x20, mosiDlen: 0x24, misoDlen: 0x28, w0: 0x58 });

const LP_WDT = (base: number): WatchdogRegs => ({ config0: base, config1: base + 0x4, wprotect: base + 0x18 });

const S3_EFUSE = 0x60007000;
const C3_EFUSE = 0x60008800;
const C6_EFUSE = 0x600b0800;
const C5_EFUSE = 0x600b4800;
const P4_EFUSE = 0x5012d000;

/** Image facts (chip id, bootloader offset) come from the one image table in `formats/`. */
function imageFacts(name: string): { chipId?: number; bootloaderOffset: number } {
  const row = findEspImageChip(name);
  if (!row) throw new Error(`no image row for ${name}`);
  return { ...(row.imageChipId === null ? {} : { chipId: row.imageChipId }), bootloaderOffset: row.bootloaderOffset };
}

export const ESP_CHIPS: readonly EspChip[] = [
  {
    name: 'esp8266',
    ...imageFacts('esp8266'),
    description: 'ESP8266',
    securityInfoHasChipId: false,
    magic: [0xfff0c101],
    efuseBase: 0x3ff00050,
    macReg: 0x3ff00050,
    revision: 'none',
    spi: { base: 0x60000200, usr: 0x1c, usr1: 0x20, usr2: 0x24, w0: 0x40 },
    uartClkdiv: 0x60000014,
    crystal: { kind: 'measure', divider: 2, candidates: [26, 40] },
    stub: 'esp8266',
    romStatusLen: 2,
    romChangeBaud: false,
    romFlashBeginEncryptWord: false,
    romSpiAttach: false,
    flashSizes: ESP8266_FLASH_SIZES,
    features: ['WiFi'],
  },
  {
    name: 'esp32',
    ...imageFacts('esp32'),
    description: 'ESP32',
    securityInfoHasChipId: false,
    magic: [0x00f01d83],
    efuseBase: 0x3ff5a000,
    macReg: 0x3ff5a004,
    revision: 'esp32',
    pkg: [f(0x3ff5a00c, 2, 1), f(0x3ff5a00c, 9, 3)],
    packages: { 0: 'ESP32-D0WDQ6', 1: 'ESP32-D0WD', 2: 'ESP32-D2WD', 4: 'ESP32-U4WDH', 5: 'ESP32-PICO-D4', 6: 'ESP32-PICO-V3-02', 7: 'ESP32-D0WDR2-V3' },
    spi: { base: 0x3ff42000, usr: 0x1c, usr1: 0x20, usr2: 0x24, mosiDlen: 0x28, misoDlen: 0x2c, w0: 0x80 },
    uartClkdiv: 0x3ff40014,
    crystal: { kind: 'measure', divider: 1, candidates: [26, 40] },
    stub: 'esp32',
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: false,
    romSpiAttach: true,
    flashSizes: ESP32_FLASH_SIZES,
    features: ['WiFi', 'BT', 'Dual Core', '240MHz'],
  },
  {
    name: 'esp32s2',
    ...imageFacts('esp32s2'),
    description: 'ESP32-S2',
    securityInfoHasChipId: false,
    magic: [0x000007c6],
    efuseBase: 0x3f41a000,
    macReg: 0x3f41a044,
    revision: {
      major: [f(blk1(0x3f41a000, 3), 18, 2)],
      minor: [f(blk1(0x3f41a000, 3), 20, 1), f(blk1(0x3f41a000, 4), 4, 3)],
    },
    pkg: [f(blk1(0x3f41a000, 4), 0, 4)],
    spi: newSpi(0x3f402000),
    uartClkdiv: 0x3f400014,
    crystal: { kind: 'fixed', mhz: 40 },
    stub: 'esp32s2',
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: true,
    romSpiAttach: true,
    flashSizes: ESP32_FLASH_SIZES,
    features: ['WiFi', 'Single Core', '240MHz'],
    watchdog: { config0: 0x3f408094, config1: 0x3f408098, wprotect: 0x3f4080ac },
  },
  {
    name: 'esp32s3',
    ...imageFacts('esp32s3'),
    description: 'ESP32-S3',
    securityInfoHasChipId: true,
    magic: [0x00000009],
    efuseBase: S3_EFUSE,
    macReg: S3_EFUSE + 0x44,
    revision: {
      major: [f(blk1(S3_EFUSE, 5), 24, 2)],
      minor: [f(blk1(S3_EFUSE, 5), 23, 1), f(blk1(S3_EFUSE, 3), 18, 3)],
    },
    pkg: [f(blk1(S3_EFUSE, 3), 21, 3)],
    spi: newSpi(0x60002000),
    uartClkdiv: 0x60000014,
    crystal: { kind: 'fixed', mhz: 40 },
    stub: 'esp32s3',
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: true,
    romSpiAttach: true,
    flashSizes: ESP32_FLASH_SIZES,
    features: ['WiFi', 'BLE', 'Dual Core', '240MHz'],
    watchdog: { config0: 0x60008098, config1: 0x6000809c, wprotect: 0x600080b0 },
  },
  {
    name: 'esp32c2',
    ...imageFacts('esp32c2'),
    description: 'ESP32-C2',
    securityInfoHasChipId: true,
    magic: [0x6f51306f, 0x7c41a06f, 0x0c21e06f],
    efuseBase: C3_EFUSE,
    macReg: C3_EFUSE + 0x40,
    revision: {
      major: [f(blk1(C3_EFUSE, 1, 0x40), 20, 2)],
      minor: [f(blk1(C3_EFUSE, 1, 0x40), 16, 4)],
    },
    pkg: [f(blk1(C3_EFUSE, 1, 0x40), 22, 3)],
    spi: newSpi(0x60002000),
    uartClkdiv: 0x60000014,
    crystal: { kind: 'measure', divider: 1, candidates: [26, 40] },
    stub: 'esp32c2',
    romStatusLen: 4,
    romChangeBaud: true,
    romBaudScale26MHz: true,
    romFlashBeginEncryptWord: true,
    romSpiAttach: true,
    flashSizes: ESP32_FLASH_SIZES,
    features: ['WiFi', 'BLE', 'Single Core', '120MHz'],
  },
  {
    name: 'esp32c3',
    ...imageFacts('esp32c3'),
    description: 'ESP32-C3',
    securityInfoHasChipId: true,
    magic: [0x6921506f, 0x1b31506f, 0x4881606f, 0x4361606f],
    efuseBase: C3_EFUSE,
    macReg: C3_EFUSE + 0x44,
    revision: {
      major: [f(blk1(C3_EFUSE, 5), 24, 2)],
      minor: [f(blk1(C3_EFUSE, 5), 23, 1), f(blk1(C3_EFUSE, 3), 18, 3)],
    },
    pkg: [f(blk1(C3_EFUSE, 3), 21, 3)],
    spi: newSpi(0x60002000),
    uartClkdiv: 0x60000014,
    crystal: { kind: 'fixed', mhz: 40 },
    stub: 'esp32c3',
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: true,
    romSpiAttach: true,
    flashSizes: ESP32_FLASH_SIZES,
    features: ['WiFi', 'BLE', 'Single Core', '160MHz'],
    watchdog: { config0: 0x60008090, config1: 0x60008094, wprotect: 0x600080a8 },
  },
  {
    name: 'esp32c5',
    ...imageFacts('esp32c5'),
    description: 'ESP32-C5',
    securityInfoHasChipId: true,
    magic: [0x1101406f, 0x63e1406f, 0x5fd1406f],
    efuseBase: C5_EFUSE,
    macReg: C5_EFUSE + 0x44,
    revision: { major: [f(blk1(C5_EFUSE, 2), 4, 2)], minor: [f(blk1(C5_EFUSE, 2), 0, 4)] },
    pkg: [f(blk1(C5_EFUSE, 2), 26, 3)],
    spi: newSpi(0x60003000),
    uartClkdiv: 0x60000014,
    crystal: { kind: 'measure', divider: 1, candidates: [40, 48] },
    stub: 'esp32c5',
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: true,
    romSpiAttach: true,
    flashSizes: ESP32_FLASH_SIZES,
    features: ['WiFi 6 (dual band)', 'BT 5 (LE)', 'IEEE802.15.4', 'Single Core + LP Core', '240MHz'],
    watchdog: LP_WDT(0x600b1c00),
  },
  {
    name: 'esp32c6',
    ...imageFacts('esp32c6'),
    description: 'ESP32-C6',
    securityInfoHasChipId: true,
    magic: [0x2ce0806f],
    efuseBase: C6_EFUSE,
    macReg: C6_EFUSE + 0x44,
    revision: { major: [f(blk1(C6_EFUSE, 3), 22, 2)], minor: [f(blk1(C6_EFUSE, 3), 18, 4)] },
    pkg: [f(blk1(C6_EFUSE, 3), 24, 3)],
    spi: newSpi(0x60003000),
    uartClkdiv: 0x60000014,
    crystal: { kind: 'fixed', mhz: 40 },
    stub: 'esp32c6',
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: true,
    romSpiAttach: true,
    flashSizes: ESP32_FLASH_SIZES,
    // Watchdog reset is left out on purpose: it can make the USB-Serial/JTAG port vanish on the C6.
    features: ['WiFi 6', 'BT 5 (LE)', 'IEEE802.15.4', 'Single Core + LP Core', '160MHz'],
  },
  {
    name: 'esp32c61',
    ...imageFacts('esp32c61'),
    description: 'ESP32-C61',
    securityInfoHasChipId: true,
    magic: [0x33f0206f, 0x2421606f, 0x4f81606f, 0x7211606f],
    efuseBase: C5_EFUSE,
    macReg: C5_EFUSE + 0x44,
    revision: { major: [f(blk1(C5_EFUSE, 2), 4, 2)], minor: [f(blk1(C5_EFUSE, 2), 0, 4)] },
    pkg: [f(blk1(C5_EFUSE, 2), 26, 3)],
    spi: newSpi(0x60003000),
    uartClkdiv: 0x60000014,
    crystal: { kind: 'fixed', mhz: 40 },
    stub: 'esp32c61',
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: true,
    romSpiAttach: true,
    flashSizes: ESP32_FLASH_SIZES,
    features: ['WiFi 6', 'BT 5 (LE)', 'Single Core', '160MHz'],
    watchdog: LP_WDT(0x600b1c00),
  },
  {
    name: 'esp32h2',
    ...imageFacts('esp32h2'),
    description: 'ESP32-H2',
    securityInfoHasChipId: true,
    magic: [0xd7b73e80, 0x97e30068],
    efuseBase: C6_EFUSE,
    macReg: C6_EFUSE + 0x44,
    revision: { major: [f(blk1(C6_EFUSE, 3), 21, 2)], minor: [f(blk1(C6_EFUSE, 3), 18, 3)] },
    pkg: [f(blk1(C6_EFUSE, 4), 0, 3)],
    spi: newSpi(0x60003000),
    uartClkdiv: 0x60000014,
    crystal: { kind: 'fixed', mhz: 32 },
    stub: 'esp32h2',
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: true,
    romSpiAttach: true,
    flashSizes: ESP32_FLASH_SIZES,
    features: ['BT 5 (LE)', 'IEEE802.15.4', 'Single Core', '96MHz'],
  },
  {
    name: 'esp32p4',
    ...imageFacts('esp32p4'),
    description: 'ESP32-P4',
    securityInfoHasChipId: true,
    magic: [0x00000000, 0x0addbad0, 0x07039ad9],
    efuseBase: P4_EFUSE,
    macReg: P4_EFUSE + 0x44,
    revision: {
      major: [f(blk1(P4_EFUSE, 2), 23, 1), f(blk1(P4_EFUSE, 2), 4, 2)],
      minor: [f(blk1(P4_EFUSE, 2), 0, 4)],
    },
    pkg: [f(blk1(P4_EFUSE, 2), 20, 3)],
    spi: newSpi(0x5008d000),
    uartClkdiv: 0x500ca014,
    crystal: { kind: 'fixed', mhz: 40 },
    stub: 'esp32p4',
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: true,
    romSpiAttach: true,
    flashSizes: ESP32_FLASH_SIZES,
    features: ['Dual Core + LP Core', '400MHz'],
    watchdog: LP_WDT(0x50116000),
  },
];

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
