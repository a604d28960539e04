import type { BootContext } from '../../core/boot-entry.js';
import type { ErrorCode } from '../../core/errors.js';

/** Where in a flashing run a log line belongs. */
export type Step = 'open-port' | 'connect' | 'stub' | 'write' | 'erase' | 'read' | 'verify' | 'boot' | 'done';

/**
 * What a matched line says about the run:
 * - `fatal`: the tool gave up here;
 * - `retry`: a failure the tool retried (an address here feeds the pattern-of-evidence rules);
 * - `warning`: worth saying, never a cause (e.g. bk7231tools' "Unknown bootloader CRC");
 * - `progress`: work advanced (a "good start" before later failures);
 * - `attempt`: one more try at connecting (link-check spam, "Connecting....");
 * - `success`: the run finished well;
 * - `info`: facts only.
 */
export type LineKind = 'fatal' | 'retry' | 'warning' | 'progress' | 'attempt' | 'success' | 'info';

/** Facts a log can tell us, used to build the equivalent anyflash command. */
export interface LogFacts {
  port?: string;
  chip?: string;
  baud?: number;
  /** Address the line is about (a progress position or where a failure happened). */
  address?: number;
  flashId?: string;
  /** The chip a tool was told to expect when the log says the connected one is another (`This chip is X, not Y`). */
  wrongChip?: string;
}

export interface Signature {
  /** Tested against each line (ANSI codes stripped, no line terminator). */
  pattern: RegExp;
  kind: LineKind;
  /** The step the line belongs to; rows without one inherit the step the log is in. */
  step?: Step;
  /** Causes this line points to, each with a weight in 0..1 (how strongly it alone implies the cause). */
  implies?: ReadonlyArray<readonly [ErrorCode, number]>;
  /** Pulls facts out of the match. */
  facts?: (m: RegExpExecArray) => LogFacts;
  /** A short sentence for `warning` rows, shown as a note. */
  note?: string;
  /** Count every occurrence on the line (tools that print many progress items on one line). */
  repeat?: boolean;
  /**
   * The first step for this message when it decides the cause, ahead of the code's general advice
   * (e.g. esptool's "[Errno 71] Protocol error" is fixed by entering download mode by hand).
   */
  lead?: (ctx: BootContext) => string;
}

export interface ToolSignatures {
  /** Stable id used in results (`esptool`, `espflash`, …; `generic` for lines any tool prints). */
  tool: string;
  /** Lines that name the tool; `version` extracts its version. Without any banner, rows vote on the tool. */
  banners: ReadonlyArray<{ pattern: RegExp; version?: (m: RegExpExecArray) => string | undefined }>;
  /** Tested in order; the first row that matches a line wins within this table. */
  signatures: readonly Signature[];
  /** Set for tools that run another flasher (idf.py, west): they are reported as the wrapper. */
  wrapper?: boolean;
}

export function hex(s: string): number {
  return Number.parseInt(s, 16);
}

/** `ESP32-D0WD-V3`, `ESP32-S3`, `esp32c3` → `esp32`, `esp32s3`, `esp32c3`. */
export function espChipName(raw: string): string | undefined {
  const m = /^esp(8266|8285|32)(?:-?([a-z]\d+))?/i.exec(raw.trim());
  if (!m) return undefined;
  if (m[1] === '8266' || m[1] === '8285') return 'esp8266';
  const variant = m[2]?.toLowerCase();
  // ESP32-D0WD, ESP32-U4WDH, ESP32-PICO are ESP32 packages, not chips.
  return variant && /^[schp]\d+$/.test(variant) ? `esp32${variant}` : 'esp32';
}
