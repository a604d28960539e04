import { bk7231gui } from './bk7231gui.js';
import { bk7231tools } from './bk7231tools.js';
import { esptool } from './esptool.js';
import { esptoolJs } from './esptool-js.js';
import { espflash } from './espflash.js';
import { esphome } from './esphome.js';
import { esptoolCk } from './esptool-ck.js';
import { hidDownload } from './hid-download.js';
import { generic } from './generic.js';
import { idf } from './idf.js';
import { ltchiptool } from './ltchiptool.js';
import { arduino, platformio } from './platformio.js';
import { sftool } from './sftool.js';
import { west } from './west.js';
import type { ToolSignatures } from './types.js';

/**
 * Every tool's table. Order breaks ties when a log has no banner: more specific tools first, and
 * esptool before esptool-js (lines both print, like "Connecting....", are far more often esptool's).
 */
export const TOOL_TABLES: readonly ToolSignatures[] = [
  idf, west, platformio, arduino, esphome, espflash, esptool, esptoolJs, esptoolCk, bk7231tools, ltchiptool, bk7231gui, hidDownload, sftool,
];

export { generic };
export type { LineKind, LogFacts, Signature, Step, ToolSignatures } from './types.js';
