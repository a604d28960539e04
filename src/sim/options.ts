import type { SimClock } from './clock.js';
import type { FlashBacking, FlashTimings } from './flash.js';

/** Options every family simulator accepts (CLI `anyflash sim`, tests, web demo). */
export interface SimOptions {
  /** Chip model name, lower case (`esp32`, `esp32s3`, `bk7231n`, `sf32lb52`, …). */
  chip: string;
  clock: SimClock;
  flashSize?: number;
  /** Initial flash contents (e.g. loaded from `--flash-file`). */
  flashInitial?: Uint8Array;
  /** Persists every flash change (e.g. to `--flash-file`). */
  flashBacking?: FlashBacking;
  timings?: Partial<FlashTimings>;
  /** State at start: in the download/boot ROM, or running the firmware. */
  boot?: 'download' | 'firmware';
  /** False when DTR/RTS are not wired to the chip: only a power cycle with BOOT held enters download mode. */
  autoReset?: boolean;
  /** Family-specific knobs (e.g. max baud, SiFli RTS power switch). */
  extra?: Record<string, unknown>;
}
