/** Erase, program and read timings of a NOR flash; the simulators take overrides. */
export interface FlashTimings {
  sectorEraseMs: number;
  block32EraseMs: number;
  block64EraseMs: number;
  pageProgramMs: number;
  chipEraseMsPerMiB: number;
  /** On-chip read/hash throughput, bytes per second. */
  readBytesPerSecond: number;
}

/**
 * Typical SPI NOR timings (GD25Q32/W25Q32 class datasheets): the simulators' flash model, and what
 * the engine weighs erases and programming by when it plans a write.
 */
export const TYPICAL_NOR: FlashTimings = {
  sectorEraseMs: 45,
  block32EraseMs: 120,
  block64EraseMs: 150,
  pageProgramMs: 0.5,
  chipEraseMsPerMiB: 3000,
  readBytesPerSecond: 40e6,
};
