import { ESP_CHIP_RECORDS, type EspMemoryRange } from '../chips/esp.js';

export type { EspMemoryRange } from '../chips/esp.js';

/**
 * What the ESP image format needs to know about each chip: image chip id, flash-mapped address
 * windows, memory map, header encodings of flash size/frequency, MMU page sizes, bootloader offset
 * and UF2 family id — a view of the chip records in chips/esp.ts.
 */
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

export const ESP_IMAGE_CHIPS: readonly EspImageChip[] = ESP_CHIP_RECORDS.map((r) => ({
  id: r.name,
  name: r.description,
  imageChipId: r.imageChipId,
  bootloaderOffset: r.bootloaderOffset,
  ...r.image,
}));

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
