/**
 * Every Espressif chip as one record: what identifies it on the wire (magic, chip id, security
 * info), where its eFuses, SPI1 and UART registers are, how its ROM loader behaves, and what its
 * firmware images look like (memory map, header codes, MMU pages, bootloader offset, UF2 family).
 * Facts from reference/esp.md §1–§6 and esptool's target definitions (see docs/chips.md).
 *
 * Pure data, importable from every layer: the image format (formats/esp-chips.ts), the client
 * (families/esp/chips.ts), UF2 (formats/uf2.ts) and the simulator (sim/esp/chips.ts) derive their
 * views from these rows, so a new chip is one row here (plus a simulator row for its eFuse values).
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
  /** ESP32/ESP8266 expect the address left-aligned in SPI_ADDR (`addr << (32 - bits)`). */
  addrMsb?: boolean;
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

export interface EspMemoryRange {
  start: number;
  end: number;
  name: string;
}

/** What the image format needs: flash-mapped windows, memory map, header encodings, MMU pages. */
export interface EspImageFacts {
  irom: [number, number];
  drom: [number, number];
  memoryMap: EspMemoryRange[];
  /** Flash size name → header byte (high nibble). */
  flashSizes: Record<string, number>;
  flashFreqs: Record<string, number>;
  /** Default flash MMU page size (alignment of flash-mapped segments); 0 on ESP8266. */
  mmuPageSize: number;
  /** Page sizes the chip can be configured with; empty when fixed. */
  mmuPageSizes: number[];
  uf2FamilyId: number;
}

/** GET_SECURITY_INFO: not known to the ROM, 12 bytes (S2, no chip id) or 20 bytes with the chip id. */
export type SecurityInfoKind = 'none' | 'short' | 'full';

export interface EspChipRecord {
  /** Lower-case name accepted by `--chip`, as esptool spells it. */
  name: string;
  /** Marketing name, as esptool prints it. */
  description: string;
  /**
   * The strapping pin that selects the serial download mode when held low at reset, and the other
   * strapping pins that must not be pulled the wrong way (esptool "Boot Mode Selection", hardware
   * design guidelines). Absent where not published here.
   */
  bootStrap?: { pin: string; also?: string };
  /** Chip id of the image extended header and of GET_SECURITY_INFO; null for ESP8266. */
  imageChipId: number | null;
  securityInfo: SecurityInfoKind;
  bootloaderOffset: number;
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
  /** File name (without `.json`) of the flasher stub; null where no stub is published (ROM only). */
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
  /**
   * The ROM routes the SPI1 pins to the flash by itself (esptool's tests skip the "flash
   * unreachable before attach" check on the S2 and P4); elsewhere the flash reads 0xFF until
   * SPI_ATTACH (ESP8266: FLASH_BEGIN) or the flasher stub attaches it.
   */
  romAttachesFlash?: boolean;
  features: readonly string[];
  /** RTC/LP watchdog registers for `--after watchdog-reset`; absent where unsupported. */
  watchdog?: WatchdogRegs;
  image: EspImageFacts;
}

const m = (start: number, end: number, name: string): EspMemoryRange => ({ start, end, name });

const ESP32_SIZES: Record<string, number> = {
  '1MB': 0x00, '2MB': 0x10, '4MB': 0x20, '8MB': 0x30, '16MB': 0x40, '32MB': 0x50, '64MB': 0x60, '128MB': 0x70,
};
const ESP8266_SIZES: Record<string, number> = {
  '512KB': 0x00, '256KB': 0x10, '1MB': 0x20, '2MB': 0x30, '4MB': 0x40, '2MB-c1': 0x50, '4MB-c1': 0x60,
  '8MB': 0x80, '16MB': 0x90,
};
const FREQ_80: Record<string, number> = { '80m': 0xf, '40m': 0x0, '26m': 0x1, '20m': 0x2 };
const FREQ_C5: Record<string, number> = { '80m': 0xf, '40m': 0x0, '20m': 0x2 };

const C6_MAP = [
  m(0x00000000, 0x00010000, 'PADDING'), m(0x42000000, 0x43000000, 'DROM'), m(0x40800000, 0x40880000, 'DRAM'),
  m(0x40800000, 0x40880000, 'BYTE_ACCESSIBLE'), m(0x4004ac00, 0x40050000, 'DROM_MASK'),
  m(0x40000000, 0x4004ac00, 'IROM_MASK'), m(0x42000000, 0x43000000, 'IROM'), m(0x40800000, 0x40880000, 'IRAM'),
  m(0x50000000, 0x50004000, 'RTC_IRAM'), m(0x50000000, 0x50004000, 'RTC_DRAM'),
  m(0x600fe000, 0x60100000, 'MEM_INTERNAL2'),
];
const C5_MAP = [
  m(0x00000000, 0x00010000, 'PADDING'), m(0x42000000, 0x44000000, 'DROM'), m(0x40800000, 0x40860000, 'DRAM'),
  m(0x40800000, 0x40860000, 'BYTE_ACCESSIBLE'), m(0x4003a000, 0x40040000, 'DROM_MASK'),
  m(0x40000000, 0x4003a000, 'IROM_MASK'), m(0x42000000, 0x44000000, 'IROM'), m(0x40800000, 0x40860000, 'IRAM'),
  m(0x50000000, 0x50004000, 'RTC_IRAM'), m(0x50000000, 0x50004000, 'RTC_DRAM'),
  m(0x600fe000, 0x60100000, 'MEM_INTERNAL2'),
];

const f = (addr: number, shift: number, bits: number): BitField => ({ addr, shift, bits });
/** Word `n` of eFuse BLOCK1 (which starts at `base + 0x44`; `+0x40` on the C2, `+0x50` on the S31). */
const blk1 = (base: number, n: number, off = 0x44): number => base + off + 4 * n;

/** SPI1 user-command registers of the ESP32-S2 and later. */
const newSpi = (base: number): SpiRegs => ({ base, usr: 0x18, usr1: 0x1c, usr2: 0x20, mosiDlen: 0x24, misoDlen: 0x28, w0: 0x58 });

const LP_WDT = (base: number): WatchdogRegs => ({ config0: base, config1: base + 0x4, wprotect: base + 0x18 });

const S3_EFUSE = 0x60007000;
const C3_EFUSE = 0x60008800;
const C6_EFUSE = 0x600b0800;
const C5_EFUSE = 0x600b4800;
const P4_EFUSE = 0x5012d000;
const H4_EFUSE = 0x600b1800;
const H21_EFUSE = 0x600b4000;
const S31_EFUSE = 0x20715000;

export const ESP_CHIP_RECORDS: readonly EspChipRecord[] = [
  {
    name: 'esp8266',
    description: 'ESP8266',
    bootStrap: { pin: 'GPIO0', also: 'GPIO2 high, GPIO15 low' },
    imageChipId: null,
    securityInfo: 'none',
    bootloaderOffset: 0,
    magic: [0xfff0c101],
    efuseBase: 0x3ff00050,
    macReg: 0x3ff00050,
    revision: 'none',
    spi: { base: 0x60000200, usr: 0x1c, usr1: 0x20, usr2: 0x24, w0: 0x40, addrMsb: true },
    uartClkdiv: 0x60000014,
    crystal: { kind: 'measure', divider: 2, candidates: [26, 40] },
    stub: 'esp8266',
    romStatusLen: 2,
    romChangeBaud: false,
    romFlashBeginEncryptWord: false,
    romSpiAttach: false,
    features: ['WiFi'],
    image: {
      irom: [0x40200000, 0x40300000], drom: [0, 0],
      memoryMap: [
        m(0x3ff00000, 0x3ff00010, 'DPORT'), m(0x3ffe8000, 0x40000000, 'DRAM'),
        m(0x40100000, 0x40108000, 'IRAM'), m(0x40201010, 0x402e1010, 'IROM'),
      ],
      flashSizes: ESP8266_SIZES, flashFreqs: FREQ_80,
      mmuPageSize: 0, mmuPageSizes: [], uf2FamilyId: 0x7eab61ed,
    },
  },
  {
    name: 'esp32',
    description: 'ESP32',
    bootStrap: { pin: 'GPIO0', also: 'GPIO2 low or floating' },
    imageChipId: 0,
    securityInfo: 'none',
    bootloaderOffset: 0x1000,
    magic: [0x00f01d83],
    efuseBase: 0x3ff5a000,
    macReg: 0x3ff5a004,
    revision: 'esp32',
    pkg: [f(0x3ff5a00c, 2, 1), f(0x3ff5a00c, 9, 3)],
    packages: { 0: 'ESP32-D0WDQ6', 1: 'ESP32-D0WD', 2: 'ESP32-D2WD', 4: 'ESP32-U4WDH', 5: 'ESP32-PICO-D4', 6: 'ESP32-PICO-V3-02', 7: 'ESP32-D0WDR2-V3' },
    spi: { base: 0x3ff42000, usr: 0x1c, usr1: 0x20, usr2: 0x24, mosiDlen: 0x28, misoDlen: 0x2c, w0: 0x80, addrMsb: true },
    uartClkdiv: 0x3ff40014,
    crystal: { kind: 'measure', divider: 1, candidates: [26, 40] },
    stub: 'esp32',
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: false,
    romSpiAttach: true,
    features: ['WiFi', 'BT', 'Dual Core', '240MHz'],
    image: {
      irom: [0x400d0000, 0x40400000], drom: [0x3f400000, 0x3f800000],
      memoryMap: [
        m(0x00000000, 0x00010000, 'PADDING'), m(0x3f400000, 0x3f800000, 'DROM'),
        m(0x3f800000, 0x3fc00000, 'EXTRAM_DATA'), m(0x3ff80000, 0x3ff82000, 'RTC_DRAM'),
        m(0x3ff90000, 0x40000000, 'BYTE_ACCESSIBLE'), m(0x3ffae000, 0x40000000, 'DRAM'),
        m(0x3ffe0000, 0x3ffffffc, 'DIRAM_DRAM'), m(0x40000000, 0x40070000, 'IROM'),
        m(0x40070000, 0x40078000, 'CACHE_PRO'), m(0x40078000, 0x40080000, 'CACHE_APP'),
        m(0x40080000, 0x400a0000, 'IRAM'), m(0x400a0000, 0x400bfffc, 'DIRAM_IRAM'),
        m(0x400c0000, 0x400c2000, 'RTC_IRAM'), m(0x400d0000, 0x40400000, 'IROM'),
        m(0x50000000, 0x50002000, 'RTC_DATA'),
      ],
      flashSizes: ESP32_SIZES, flashFreqs: FREQ_80,
      mmuPageSize: 0x10000, mmuPageSizes: [], uf2FamilyId: 0x1c5f21b0,
    },
  },
  {
    name: 'esp32s2',
    description: 'ESP32-S2',
    bootStrap: { pin: 'GPIO0', also: 'GPIO46 low or floating' },
    imageChipId: 2,
    securityInfo: 'short',
    bootloaderOffset: 0x1000,
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
    romAttachesFlash: true,
    features: ['WiFi', 'Single Core', '240MHz'],
    watchdog: { config0: 0x3f408094, config1: 0x3f408098, wprotect: 0x3f4080ac },
    image: {
      irom: [0x40080000, 0x40b80000], drom: [0x3f000000, 0x3f3f0000],
      memoryMap: [
        m(0x00000000, 0x00010000, 'PADDING'), m(0x3f000000, 0x3ff80000, 'DROM'),
        m(0x3f500000, 0x3ff80000, 'EXTRAM_DATA'), m(0x3ff9e000, 0x3ffa0000, 'RTC_DRAM'),
        m(0x3ff9e000, 0x40000000, 'BYTE_ACCESSIBLE'), m(0x3ff9e000, 0x40072000, 'MEM_INTERNAL'),
        m(0x3ffb0000, 0x40000000, 'DRAM'), m(0x40000000, 0x4001a100, 'IROM_MASK'),
        m(0x40020000, 0x40070000, 'IRAM'), m(0x40070000, 0x40072000, 'RTC_IRAM'),
        m(0x40080000, 0x40800000, 'IROM'), m(0x50000000, 0x50002000, 'RTC_DATA'),
      ],
      flashSizes: ESP32_SIZES, flashFreqs: FREQ_80,
      mmuPageSize: 0x10000, mmuPageSizes: [], uf2FamilyId: 0xbfdd4eee,
    },
  },
  {
    name: 'esp32s3',
    description: 'ESP32-S3',
    bootStrap: { pin: 'GPIO0', also: 'GPIO46 low or floating' },
    imageChipId: 9,
    securityInfo: 'full',
    bootloaderOffset: 0,
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
    features: ['WiFi', 'BLE', 'Dual Core', '240MHz'],
    watchdog: { config0: 0x60008098, config1: 0x6000809c, wprotect: 0x600080b0 },
    image: {
      irom: [0x42000000, 0x44000000], drom: [0x3c000000, 0x3e000000],
      memoryMap: [
        m(0x00000000, 0x00010000, 'PADDING'), m(0x3c000000, 0x3d000000, 'DROM'),
        m(0x3d000000, 0x3e000000, 'EXTRAM_DATA'), m(0x600fe000, 0x60100000, 'RTC_DRAM'),
        m(0x3fc88000, 0x3fd00000, 'BYTE_ACCESSIBLE'), m(0x3fc88000, 0x403e2000, 'MEM_INTERNAL'),
        m(0x3fc88000, 0x3fd00000, 'DRAM'), m(0x40000000, 0x4001a100, 'IROM_MASK'),
        m(0x40370000, 0x403e0000, 'IRAM'), m(0x600fe000, 0x60100000, 'RTC_IRAM'),
        m(0x42000000, 0x42800000, 'IROM'), m(0x50000000, 0x50002000, 'RTC_DATA'),
      ],
      flashSizes: ESP32_SIZES, flashFreqs: FREQ_80,
      mmuPageSize: 0x10000, mmuPageSizes: [], uf2FamilyId: 0xc47e5767,
    },
  },
  {
    name: 'esp32c2',
    description: 'ESP32-C2',
    bootStrap: { pin: 'GPIO9', also: 'GPIO8 high' },
    imageChipId: 12,
    securityInfo: 'full',
    bootloaderOffset: 0,
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
    features: ['WiFi', 'BLE', 'Single Core', '120MHz'],
    image: {
      irom: [0x42000000, 0x42400000], drom: [0x3c000000, 0x3c400000],
      memoryMap: [
        m(0x00000000, 0x00010000, 'PADDING'), m(0x3c000000, 0x3c400000, 'DROM'),
        m(0x3fca0000, 0x3fce0000, 'DRAM'), m(0x3fc88000, 0x3fd00000, 'BYTE_ACCESSIBLE'),
        m(0x3ff00000, 0x3ff50000, 'DROM_MASK'), m(0x40000000, 0x40090000, 'IROM_MASK'),
        m(0x42000000, 0x42400000, 'IROM'), m(0x4037c000, 0x403c0000, 'IRAM'),
      ],
      flashSizes: ESP32_SIZES, flashFreqs: { '60m': 0xf, '30m': 0x0, '20m': 0x1, '15m': 0x2 },
      mmuPageSize: 0x10000, mmuPageSizes: [0x4000, 0x8000, 0x10000], uf2FamilyId: 0x2b88d29c,
    },
  },
  {
    name: 'esp32c3',
    description: 'ESP32-C3',
    bootStrap: { pin: 'GPIO9', also: 'GPIO8 high' },
    imageChipId: 5,
    securityInfo: 'full',
    bootloaderOffset: 0,
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
    features: ['WiFi', 'BLE', 'Single Core', '160MHz'],
    watchdog: { config0: 0x60008090, config1: 0x60008094, wprotect: 0x600080a8 },
    image: {
      irom: [0x42000000, 0x42800000], drom: [0x3c000000, 0x3c800000],
      memoryMap: [
        m(0x00000000, 0x00010000, 'PADDING'), m(0x3c000000, 0x3c800000, 'DROM'),
        m(0x3fc80000, 0x3fce0000, 'DRAM'), m(0x3fc88000, 0x3fd00000, 'BYTE_ACCESSIBLE'),
        m(0x3ff00000, 0x3ff20000, 'DROM_MASK'), m(0x40000000, 0x40060000, 'IROM_MASK'),
        m(0x42000000, 0x42800000, 'IROM'), m(0x4037c000, 0x403e0000, 'IRAM'),
        m(0x50000000, 0x50002000, 'RTC_IRAM'), m(0x50000000, 0x50002000, 'RTC_DRAM'),
        m(0x600fe000, 0x60100000, 'MEM_INTERNAL2'),
      ],
      flashSizes: ESP32_SIZES, flashFreqs: FREQ_80,
      mmuPageSize: 0x10000, mmuPageSizes: [], uf2FamilyId: 0xd42ba06c,
    },
  },
  {
    name: 'esp32c5',
    description: 'ESP32-C5',
    bootStrap: { pin: 'GPIO28' },
    imageChipId: 23,
    securityInfo: 'full',
    bootloaderOffset: 0x2000,
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
    features: ['WiFi 6 (dual band)', 'BT 5 (LE)', 'IEEE802.15.4', 'Single Core + LP Core', '240MHz'],
    watchdog: LP_WDT(0x600b1c00),
    image: {
      irom: [0x42000000, 0x44000000], drom: [0x42000000, 0x44000000],
      memoryMap: C5_MAP,
      flashSizes: ESP32_SIZES, flashFreqs: FREQ_C5,
      mmuPageSize: 0x10000, mmuPageSizes: [], uf2FamilyId: 0xf71c0343,
    },
  },
  {
    name: 'esp32c6',
    description: 'ESP32-C6',
    bootStrap: { pin: 'GPIO9', also: 'GPIO8 high' },
    imageChipId: 13,
    securityInfo: 'full',
    bootloaderOffset: 0,
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
    // Watchdog reset is left out on purpose: it can make the USB-Serial/JTAG port vanish on the C6.
    features: ['WiFi 6', 'BT 5 (LE)', 'IEEE802.15.4', 'Single Core + LP Core', '160MHz'],
    image: {
      irom: [0x42000000, 0x42800000], drom: [0x42800000, 0x43000000],
      memoryMap: C6_MAP,
      flashSizes: ESP32_SIZES, flashFreqs: { '80m': 0x0, '40m': 0x0, '20m': 0x2 },
      mmuPageSize: 0x10000, mmuPageSizes: [0x2000, 0x4000, 0x8000, 0x10000], uf2FamilyId: 0x540ddf62,
    },
  },
  {
    name: 'esp32c61',
    description: 'ESP32-C61',
    bootStrap: { pin: 'GPIO9', also: 'GPIO8 high' },
    imageChipId: 20,
    securityInfo: 'full',
    bootloaderOffset: 0,
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
    features: ['WiFi 6', 'BT 5 (LE)', 'Single Core', '160MHz'],
    watchdog: LP_WDT(0x600b1c00),
    image: {
      irom: [0x42000000, 0x42800000], drom: [0x42800000, 0x43000000],
      memoryMap: C5_MAP.map((r) => (r.name === 'DROM_MASK' ? m(0x4004ac00, 0x40050000, r.name)
        : r.name === 'IROM_MASK' ? m(0x40000000, 0x4004ac00, r.name) : r)),
      flashSizes: ESP32_SIZES, flashFreqs: FREQ_C5,
      mmuPageSize: 0x10000, mmuPageSizes: [0x2000, 0x4000, 0x8000, 0x10000], uf2FamilyId: 0x77d850c4,
    },
  },
  {
    name: 'esp32h2',
    description: 'ESP32-H2',
    bootStrap: { pin: 'GPIO9', also: 'GPIO8 high' },
    imageChipId: 16,
    securityInfo: 'full',
    bootloaderOffset: 0,
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
    features: ['BT 5 (LE)', 'IEEE802.15.4', 'Single Core', '96MHz'],
    image: {
      irom: [0x42000000, 0x42800000], drom: [0x42800000, 0x43000000],
      memoryMap: C6_MAP,
      flashSizes: ESP32_SIZES, flashFreqs: { '48m': 0xf, '24m': 0x0, '16m': 0x1, '12m': 0x2 },
      mmuPageSize: 0x10000, mmuPageSizes: [0x2000, 0x4000, 0x8000, 0x10000], uf2FamilyId: 0x332726f6,
    },
  },
  {
    name: 'esp32p4',
    description: 'ESP32-P4',
    bootStrap: { pin: 'GPIO35' },
    imageChipId: 18,
    securityInfo: 'full',
    bootloaderOffset: 0x2000,
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
    romAttachesFlash: true,
    features: ['Dual Core + LP Core', '400MHz'],
    watchdog: LP_WDT(0x50116000),
    image: {
      irom: [0x40000000, 0x4c000000], drom: [0x40000000, 0x4c000000],
      memoryMap: [
        m(0x00000000, 0x00010000, 'PADDING'), m(0x40000000, 0x4c000000, 'DROM'),
        m(0x4ff00000, 0x4ffa0000, 'DRAM'), m(0x4ff00000, 0x4ffa0000, 'BYTE_ACCESSIBLE'),
        m(0x4fc00000, 0x4fc20000, 'DROM_MASK'), m(0x4fc00000, 0x4fc20000, 'IROM_MASK'),
        m(0x40000000, 0x4c000000, 'IROM'), m(0x4ff00000, 0x4ffa0000, 'IRAM'),
        m(0x50108000, 0x50110000, 'RTC_IRAM'), m(0x50108000, 0x50110000, 'RTC_DRAM'),
        m(0x600fe000, 0x60100000, 'MEM_INTERNAL2'),
      ],
      flashSizes: ESP32_SIZES, flashFreqs: FREQ_80,
      mmuPageSize: 0x10000, mmuPageSizes: [], uf2FamilyId: 0x3d308e94,
    },
  },
  {
    name: 'esp32h4',
    description: 'ESP32-H4',
    imageChipId: 28,
    securityInfo: 'full',
    bootloaderOffset: 0x2000,
    // Detected by chip id only (esptool: USES_MAGIC_VALUE = False from the C3 on); no magic published.
    magic: [],
    efuseBase: H4_EFUSE,
    macReg: H4_EFUSE + 0x44,
    revision: { major: [f(blk1(H4_EFUSE, 3), 22, 2)], minor: [f(blk1(H4_EFUSE, 3), 18, 4)] },
    pkg: [f(blk1(H4_EFUSE, 4), 12, 3)],
    packages: { 0: 'ESP32-H4 (QFN40)' },
    spi: newSpi(0x60099000),
    uartClkdiv: 0x60000014,
    crystal: { kind: 'fixed', mhz: 32 },
    stub: 'esp32h4',
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: true,
    romSpiAttach: true,
    features: ['BT 5 (LE)', 'IEEE802.15.4', 'Dual Core', '96MHz'],
    image: {
      irom: [0x42000000, 0x42800000], drom: [0x42800000, 0x43000000],
      memoryMap: [
        m(0x00000000, 0x00010000, 'PADDING'), m(0x42000000, 0x44000000, 'DROM'),
        m(0x40810000, 0x40860000, 'DRAM'), m(0x40810000, 0x40860000, 'BYTE_ACCESSIBLE'),
        m(0x40000000, 0x40050000, 'DROM_MASK'), m(0x40000000, 0x40050000, 'IROM_MASK'),
        m(0x42000000, 0x44000000, 'IROM'), m(0x40810000, 0x40860000, 'IRAM'),
        m(0x50000000, 0x50004000, 'RTC_IRAM'), m(0x50000000, 0x50004000, 'RTC_DRAM'),
        m(0x60000000, 0x60100000, 'MEM_INTERNAL2'),
      ],
      flashSizes: ESP32_SIZES, flashFreqs: { '48m': 0xf, '24m': 0x0, '16m': 0x1, '12m': 0x2 },
      mmuPageSize: 0x10000, mmuPageSizes: [], uf2FamilyId: 0x9e0baa8a,
    },
  },
  {
    name: 'esp32h21',
    description: 'ESP32-H21',
    imageChipId: 25,
    securityInfo: 'full',
    bootloaderOffset: 0,
    magic: [],
    efuseBase: H21_EFUSE,
    macReg: H21_EFUSE + 0x44,
    revision: { major: [f(blk1(H21_EFUSE, 5), 8, 2)], minor: [f(blk1(H21_EFUSE, 5), 4, 4)] },
    pkg: [f(blk1(H21_EFUSE, 5), 11, 3)],
    spi: newSpi(0x60003000),
    uartClkdiv: 0x60000014,
    crystal: { kind: 'fixed', mhz: 32 },
    // No flasher stub for the H21 in esptool-js's stub set: ROM loader only.
    stub: null,
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: true,
    romSpiAttach: true,
    features: ['BT 5 (LE)', 'IEEE802.15.4', 'Single Core', '96MHz'],
    image: {
      irom: [0x42000000, 0x42800000], drom: [0x42800000, 0x43000000],
      memoryMap: C6_MAP,
      flashSizes: ESP32_SIZES, flashFreqs: { '48m': 0xf, '24m': 0x0, '16m': 0x1, '12m': 0x2 },
      mmuPageSize: 0x10000, mmuPageSizes: [0x2000, 0x4000, 0x8000, 0x10000], uf2FamilyId: 0xb6dd00af,
    },
  },
  {
    name: 'esp32s31',
    description: 'ESP32-S31',
    imageChipId: 32,
    securityInfo: 'full',
    bootloaderOffset: 0x2000,
    magic: [],
    efuseBase: S31_EFUSE,
    // The S31's BLOCK1 (MAC first) starts at +0x50.
    macReg: S31_EFUSE + 0x50,
    revision: { major: [f(blk1(S31_EFUSE, 3, 0x50), 22, 2)], minor: [f(blk1(S31_EFUSE, 3, 0x50), 18, 4)] },
    pkg: [f(blk1(S31_EFUSE, 4, 0x50), 6, 2)],
    spi: newSpi(0x20501000),
    uartClkdiv: 0x60000014,
    crystal: { kind: 'fixed', mhz: 40 },
    stub: 'esp32s31',
    romStatusLen: 4,
    romChangeBaud: true,
    romFlashBeginEncryptWord: true,
    romSpiAttach: true,
    features: ['Wi-Fi 6', 'BT 5.4 (LE)', 'IEEE802.15.4', 'Dual Core + LP Core', '300MHz'],
    watchdog: LP_WDT(0x20801000),
    image: {
      irom: [0x40000000, 0x54000000], drom: [0x40000000, 0x54000000],
      memoryMap: [
        m(0x00000000, 0x00010000, 'PADDING'), m(0x40000000, 0x54000000, 'DROM'),
        m(0x2f000000, 0x2f080000, 'DRAM'), m(0x2f000000, 0x2f080000, 'BYTE_ACCESSIBLE'),
        m(0x2f800000, 0x2f850000, 'DROM_MASK'), m(0x2f800000, 0x2f850000, 'IROM_MASK'),
        m(0x40000000, 0x54000000, 'IROM'), m(0x2f000000, 0x2f080000, 'IRAM'),
        m(0x2e000000, 0x2e008000, 'RTC_IRAM'), m(0x2e000000, 0x2e008000, 'RTC_DRAM'),
      ],
      flashSizes: ESP32_SIZES, flashFreqs: FREQ_C5, mmuPageSize: 0x10000, mmuPageSizes: [], uf2FamilyId: 0x3101f7c1,
    },
  },
];

export function espChipRecord(name: string): EspChipRecord | undefined {
  const key = name.toLowerCase().replace(/[-_\s]/g, '');
  return ESP_CHIP_RECORDS.find((c) => c.name === key);
}
