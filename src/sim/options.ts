import { fromHex, toHex } from '../core/bytes.js';
import { AnyflashError } from '../core/errors.js';
import { macHex } from '../core/mac.js';
import type { FlashTimings } from '../core/nor.js';
import type { SimClock } from './clock.js';
import type { FlashBacking } from './flash.js';

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
  /**
   * The board's factory MAC (6 bytes), where its family keeps one: ESP eFuses, a Beken's Tuya MAC
   * block in a fresh flash. Absent: the simulator's fixed MAC.
   */
  mac?: Uint8Array;
  /** Family-specific knobs (e.g. max baud, SiFli RTS power switch). */
  extra?: Record<string, unknown>;
}

/** `aa:bb:cc:dd:ee:ff` (or with `-`, or 12 hex digits) as 6 bytes; `what` names the parameter in the error. */
export function parseMac(text: string, what: string): Uint8Array {
  const hex = macHex(text.trim());
  if (!hex) throw new AnyflashError('bad-input', `${what} "${text}" is not a MAC address.`, { advice: ['Give six hex bytes, e.g. 24:0a:c4:00:00:01.'] });
  return fromHex(hex);
}

/** `aa:bb:cc:dd:ee:ff`. */
export function macText(mac: Uint8Array): string {
  return toHex(mac, ':');
}
