/**
 * What the ESP image format needs to know about each chip, one row per chip (facts from
 * reference/esp.md §2 and §6): image chip id, flash-mapped address windows, memory map,
 * header encodings of flash size/frequency, MMU page sizes, bootloader offset and UF2 family id.
 */
export interface EspMemoryRange {
  start: number;
  end: number;
  name: string;
}

export interface EspImageChip {
  /** esptool-style chip name: esp32, esp32c3, … */
  id: string;
  /** Human name: ESP32-C3. */
  name: string;
  /** Extended-header chip id; null for ESP8266 (no extended header). */
  imageChipId: number | null;
  irom: [number, number];
  drom: [number, number];
  memoryMap: EspMemoryRange[];
  flashSizes: Record<string, number>;
  flashFreqs: Record<string, number>;
  /** Default flash MMU page size (alignment of flash-mapped segments); 0 on ESP8266. */
  mmuPageSize: number;
  /** Page sizes the chip can be configured with; empty when fixed. */
  mmuPageSizes: number[];
  bootloaderOffset: number;
  uf2FamilyId: number;
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

export const ESP_IMAGE_CHIPS: readonly EspImageChip[] = [
  {
    id: 'esp8266', name: 'ESP8266', imageChipId: null, irom: [0x40200000, 0x40300000], drom: [0, 0],
    memoryMap: [m(0x3ff00000, 0x3ff00010, 'DPORT'), m(0x3ffe8000, 0x40000000, 'DRAM'),
      m(0x40100000, 0x40108000, 'IRAM'), m(0x40201010, 0x402e1010, 'IROM')],
    flashSizes: ESP8266_SIZES, flashFreqs: FREQ_80, mmuPageSize: 0, mmuPageSizes: [], bootloaderOffset: 0,
    uf2FamilyId: 0x7eab61ed,
  },
  {
    id: 'esp32', name: 'ESP32', imageChipId: 0, irom: [0x400d0000, 0x40400000], drom: [0x3f400000, 0x3f800000],
    memoryMap: [m(0x00000000, 0x00010000, 'PADDING'), m(0x3f400000, 0x3f800000, 'DROM'),
      m(0x3f800000, 0x3fc00000, 'EXTRAM_DATA'), m(0x3ff80000, 0x3ff82000, 'RTC_DRAM'),
      m(0x3ff90000, 0x40000000, 'BYTE_ACCESSIBLE'), m(0x3ffae000, 0x40000000, 'DRAM'),
      m(0x3ffe0000, 0x3ffffffc, 'DIRAM_DRAM'), m(0x40000000, 0x40070000, 'IROM'),
      m(0x40070000, 0x40078000, 'CACHE_PRO'), m(0x40078000, 0x40080000, 'CACHE_APP'),
      m(0x40080000, 0x400a0000, 'IRAM'), m(0x400a0000, 0x400bfffc, 'DIRAM_IRAM'),
      m(0x400c0000, 0x400c2000, 'RTC_IRAM'), m(0x400d0000, 0x40400000, 'IROM'),
      m(0x50000000, 0x50002000, 'RTC_DATA')],
    flashSizes: ESP32_SIZES, flashFreqs: FREQ_80, mmuPageSize: 0x10000, mmuPageSizes: [], bootloaderOffset: 0x1000,
    uf2FamilyId: 0x1c5f21b0,
  },
  {
    id: 'esp32s2', name: 'ESP32-S2', imageChipId: 2, irom: [0x40080000, 0x40b80000], drom: [0x3f000000, 0x3f3f0000],
    memoryMap: [m(0x00000000, 0x00010000, 'PADDING'), m(0x3f000000, 0x3ff80000, 'DROM'),
      m(0x3f500000, 0x3ff80000, 'EXTRAM_DATA'), m(0x3ff9e000, 0x3ffa0000, 'RTC_DRAM'),
      m(0x3ff9e000, 0x40000000, 'BYTE_ACCESSIBLE'), m(0x3ff9e000, 0x40072000, 'MEM_INTERNAL'),
      m(0x3ffb0000, 0x40000000, 'DRAM'), m(0x40000000, 0x4001a100, 'IROM_MASK'),
      m(0x40020000, 0x40070000, 'IRAM'), m(0x40070000, 0x40072000, 'RTC_IRAM'),
      m(0x40080000, 0x40800000, 'IROM'), m(0x50000000, 0x50002000, 'RTC_DATA')],
    flashSizes: ESP32_SIZES, flashFreqs: FREQ_80, mmuPageSize: 0x10000, mmuPageSizes: [], bootloaderOffset: 0x1000,
    uf2FamilyId: 0xbfdd4eee,
  },
  {
    id: 'esp32s3', name: 'ESP32-S3', imageChipId: 9, irom: [0x42000000, 0x44000000], drom: [0x3c000000, 0x3e000000],
    memoryMap: [m(0x00000000, 0x00010000, 'PADDING'), m(0x3c000000, 0x3d000000, 'DROM'),
      m(0x3d000000, 0x3e000000, 'EXTRAM_DATA'), m(0x600fe000, 0x60100000, 'RTC_DRAM'),
      m(0x3fc88000, 0x3fd00000, 'BYTE_ACCESSIBLE'), m(0x3fc88000, 0x403e2000, 'MEM_INTERNAL'),
      m(0x3fc88000, 0x3fd00000, 'DRAM'), m(0x40000000, 0x4001a100, 'IROM_MASK'),
      m(0x40370000, 0x403e0000, 'IRAM'), m(0x600fe000, 0x60100000, 'RTC_IRAM'),
      m(0x42000000, 0x42800000, 'IROM'), m(0x50000000, 0x50002000, 'RTC_DATA')],
    flashSizes: ESP32_SIZES, flashFreqs: FREQ_80, mmuPageSize: 0x10000, mmuPageSizes: [], bootloaderOffset: 0,
    uf2FamilyId: 0xc47e5767,
  },
  {
    id: 'esp32c3', name: 'ESP32-C3', imageChipId: 5, irom: [0x42000000, 0x42800000], drom: [0x3c000000, 0x3c800000],
    memoryMap: [m(0x00000000, 0x00010000, 'PADDING'), m(0x3c000000, 0x3c800000, 'DROM'),
      m(0x3fc80000, 0x3fce0000, 'DRAM'), m(0x3fc88000, 0x3fd00000, 'BYTE_ACCESSIBLE'),
      m(0x3ff00000, 0x3ff20000, 'DROM_MASK'), m(0x40000000, 0x40060000, 'IROM_MASK'),
      m(0x42000000, 0x42800000, 'IROM'), m(0x4037c000, 0x403e0000, 'IRAM'),
      m(0x50000000, 0x50002000, 'RTC_IRAM'), m(0x50000000, 0x50002000, 'RTC_DRAM'),
      m(0x600fe000, 0x60100000, 'MEM_INTERNAL2')],
    flashSizes: ESP32_SIZES, flashFreqs: FREQ_80, mmuPageSize: 0x10000, mmuPageSizes: [], bootloaderOffset: 0,
    uf2FamilyId: 0xd42ba06c,
  },
  {
    id: 'esp32c2', name: 'ESP32-C2', imageChipId: 12, irom: [0x42000000, 0x42400000], drom: [0x3c000000, 0x3c400000],
    memoryMap: [m(0x00000000, 0x00010000, 'PADDING'), m(0x3c000000, 0x3c400000, 'DROM'),
      m(0x3fca0000, 0x3fce0000, 'DRAM'), m(0x3fc88000, 0x3fd00000, 'BYTE_ACCESSIBLE'),
      m(0x3ff00000, 0x3ff50000, 'DROM_MASK'), m(0x40000000, 0x40090000, 'IROM_MASK'),
      m(0x42000000, 0x42400000, 'IROM'), m(0x4037c000, 0x403c0000, 'IRAM')],
    flashSizes: ESP32_SIZES, flashFreqs: { '60m': 0xf, '30m': 0x0, '20m': 0x1, '15m': 0x2 },
    mmuPageSize: 0x10000, mmuPageSizes: [0x4000, 0x8000, 0x10000], bootloaderOffset: 0, uf2FamilyId: 0x2b88d29c,
  },
  {
    id: 'esp32c6', name: 'ESP32-C6', imageChipId: 13, irom: [0x42000000, 0x42800000], drom: [0x42800000, 0x43000000],
    memoryMap: C6_MAP, flashSizes: ESP32_SIZES, flashFreqs: { '80m': 0x0, '40m': 0x0, '20m': 0x2 },
    mmuPageSize: 0x10000, mmuPageSizes: [0x2000, 0x4000, 0x8000, 0x10000], bootloaderOffset: 0, uf2FamilyId: 0x540ddf62,
  },
  {
    id: 'esp32c61', name: 'ESP32-C61', imageChipId: 20, irom: [0x42000000, 0x42800000], drom: [0x42800000, 0x43000000],
    memoryMap: C5_MAP.map((r) => (r.name === 'DROM_MASK' ? m(0x4004ac00, 0x40050000, r.name)
      : r.name === 'IROM_MASK' ? m(0x40000000, 0x4004ac00, r.name) : r)),
    flashSizes: ESP32_SIZES, flashFreqs: FREQ_C5,
    mmuPageSize: 0x10000, mmuPageSizes: [0x2000, 0x4000, 0x8000, 0x10000], bootloaderOffset: 0, uf2FamilyId: 0x77d850c4,
  },
  {
    id: 'esp32c5', name: 'ESP32-C5', imageChipId: 23, irom: [0x42000000, 0x44000000], drom: [0x42000000, 0x44000000],
    memoryMap: C5_MAP, flashSizes: ESP32_SIZES, flashFreqs: FREQ_C5,
    mmuPageSize: 0x10000, mmuPageSizes: [], bootloaderOffset: 0x2000, uf2FamilyId: 0xf71c0343,
  },
  {
    id: 'esp32h2', name: 'ESP32-H2', imageChipId: 16, irom: [0x42000000, 0x42800000], drom: [0x42800000, 0x43000000],
    memoryMap: C6_MAP, flashSizes: ESP32_SIZES, flashFreqs: { '48m': 0xf, '24m': 0x0, '16m': 0x1, '12m': 0x2 },
    mmuPageSize: 0x10000, mmuPageSizes: [0x2000, 0x4000, 0x8000, 0x10000], bootloaderOffset: 0, uf2FamilyId: 0x332726f6,
  },
  {
    id: 'esp32p4', name: 'ESP32-P4', imageChipId: 18, irom: [0x40000000, 0x4c000000], drom: [0x40000000, 0x4c000000],
    memoryMap: [m(0x00000000, 0x00010000, 'PADDING'), m(0x40000000, 0x4c000000, 'DROM'),
      m(0x4ff00000, 0x4ffa0000, 'DRAM'), m(0x4ff00000, 0x4ffa0000, 'BYTE_ACCESSIBLE'),
      m(0x4fc00000, 0x4fc20000, 'DROM_MASK'), m(0x4fc00000, 0x4fc20000, 'IROM_MASK'),
      m(0x40000000, 0x4c000000, 'IROM'), m(0x4ff00000, 0x4ffa0000, 'IRAM'),
      m(0x50108000, 0x50110000, 'RTC_IRAM'), m(0x50108000, 0x50110000, 'RTC_DRAM'),
      m(0x600fe000, 0x60100000, 'MEM_INTERNAL2')],
    flashSizes: ESP32_SIZES, flashFreqs: FREQ_80, mmuPageSize: 0x10000, mmuPageSizes: [], bootloaderOffset: 0x2000,
    uf2FamilyId: 0x3d308e94,
  },
];

function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

export function findEspImageChip(name: string): EspImageChip | undefined {
  const key = normalise(name);
  return ESP_IMAGE_CHIPS.find((c) => c.id === key);
}

export function espChipByImageId(imageChipId: number): EspImageChip | undefined {
  return ESP_IMAGE_CHIPS.find((c) => c.imageChipId === imageChipId);
}

export function memoryTypes(chip: EspImageChip, addr: number): string[] {
  return chip.memoryMap.filter((r) => r.start <= addr && addr < r.end).map((r) => r.name);
}

export function isFlashMapped(chip: EspImageChip, addr: number): boolean {
  if (chip.id === 'esp8266') return addr >= chip.irom[0] && addr < chip.irom[1];
  return (addr >= chip.irom[0] && addr < chip.irom[1]) || (addr >= chip.drom[0] && addr < chip.drom[1]);
}

export const FLASH_MODES: Record<string, number> = { qio: 0, qout: 1, dio: 2, dout: 3 };
