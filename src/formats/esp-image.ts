/**
 * ESP application/bootloader images (reference/esp.md §6): parsing for `image info` and for the
 * checks `write` makes (chip id, revision range), and the header patch esptool applies when a
 * bootloader is written.
 */
import { AnyflashError } from '../core/errors.js';
import { readU16le, readU32le, toHex } from '../core/bytes.js';
import { sha256 } from './sha256.js';
import {
  ESP_IMAGE_CHIPS, FLASH_MODES, espChipByImageId, findEspImageChip, memoryTypes, type EspImageChip,
} from './esp-chips.js';

export const ESP_IMAGE_MAGIC = 0xe9;
export const ESP8266_V2_MAGIC = 0xea;
export const CHECKSUM_SEED = 0xef;
export const APP_DESC_MAGIC = 0xabcd5432;
export const BOOTLOADER_DESC_MAGIC = 0x50;
export const WP_PIN_DISABLED = 0xee;

export interface EspExtendedHeader {
  wpPin: number;
  /** SPI pin drive strengths, two per byte in the file. */
  drive: { clk: number; q: number; d: number; cs: number; hd: number; wp: number };
  chipId: number;
  minRev: number;
  minRevFull: number;
  maxRevFull: number;
  hashAppended: boolean;
}

export interface EspImageSegment {
  addr: number;
  length: number;
  /** Offset of the segment header in the file. */
  fileOffset: number;
  regions: string[];
  data: Uint8Array;
}

export interface EspAppDescriptor {
  secureVersion: number;
  version: string;
  projectName: string;
  time: string;
  date: string;
  idfVersion: string;
  elfSha256: string;
  minEfuseBlkRevFull: number;
  maxEfuseBlkRevFull: number;
  /** Bytes; null when the descriptor does not say (IDF < 5.4). */
  mmuPageSize: number | null;
}

export interface EspBootloaderDescriptor {
  version: number;
  idfVersion: string;
  dateTime: string;
}

export interface EspImageInfo {
  chip: EspImageChip;
  /** 1 for 0xE9 images, 2 for ESP8266 V2 (0xEA) images. */
  imageVersion: 1 | 2;
  entry: number;
  flashMode: number;
  flashModeName: string;
  flashSizeCode: number;
  flashSizeName: string;
  flashFreqCode: number;
  flashFreqName: string;
  extended: EspExtendedHeader | null;
  segments: EspImageSegment[];
  checksum: { stored: number; computed: number; valid: boolean };
  /** Null when no SHA-256 is appended. */
  hash: { stored: string; computed: string; valid: boolean } | null;
  /** Bytes of header + segments + checksum (where the SHA-256, if any, begins). */
  dataLength: number;
  appDescriptor: EspAppDescriptor | null;
  bootloaderDescriptor: EspBootloaderDescriptor | null;
}

export function espChecksum(data: Uint8Array, seed = CHECKSUM_SEED): number {
  let c = seed;
  for (let i = 0; i < data.length; i++) c ^= data[i]!;
  return c;
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
}

export function parseAppDescriptor(data: Uint8Array): EspAppDescriptor | null {
  if (data.length < 256 || readU32le(data, 0) !== APP_DESC_MAGIC) return null;
  const mmu = data[180]!;
  return {
    secureVersion: readU32le(data, 4),
    version: cString(data.subarray(16, 48)),
    projectName: cString(data.subarray(48, 80)),
    time: cString(data.subarray(80, 96)),
    date: cString(data.subarray(96, 112)),
    idfVersion: cString(data.subarray(112, 144)),
    elfSha256: toHex(data.subarray(144, 176)),
    minEfuseBlkRevFull: readU16le(data, 176),
    maxEfuseBlkRevFull: readU16le(data, 178),
    mmuPageSize: mmu === 0 ? null : 2 ** mmu,
  };
}

export function parseBootloaderDescriptor(data: Uint8Array): EspBootloaderDescriptor | null {
  if (data.length < 80 || data[0] !== BOOTLOADER_DESC_MAGIC) return null;
  return { version: readU32le(data, 4), idfVersion: cString(data.subarray(8, 40)), dateTime: cString(data.subarray(40, 64)) };
}

function nameOf(table: Record<string, number>, code: number): string {
  return Object.entries(table).find(([, v]) => v === code)?.[0] ?? `unknown (0x${code.toString(16)})`;
}

/** Guesses the chip from the extended header as esptool does: a known chip id and a 0/1 hash flag. */
export function detectImageChip(image: Uint8Array): EspImageChip {
  const esp8266 = ESP_IMAGE_CHIPS[0]!;
  if (image[0] === ESP8266_V2_MAGIC || image.length < 24) return esp8266;
  if (image[23] !== 0 && image[23] !== 1) return esp8266;
  return espChipByImageId(readU16le(image, 12)) ?? esp8266;
}

export function isEspImage(image: Uint8Array): boolean {
  return image.length >= 8 && (image[0] === ESP_IMAGE_MAGIC || image[0] === ESP8266_V2_MAGIC);
}

/** Parses an ESP image. `chip` overrides detection from the extended header. */
export function parseEspImage(image: Uint8Array, opts: { chip?: string; file?: string } = {}): EspImageInfo {
  const file = opts.file ?? 'image';
  const bad = (what: string): AnyflashError =>
    new AnyflashError('bad-input', `${file} is not a valid ESP image: ${what}.`, {
      file, advice: ['Pass an image made by elf2image / the ESP-IDF build (bootloader.bin, app .bin), not a raw dump or an ELF.'],
    });
  if (image.length < 8) throw bad(`only ${image.length} bytes`);
  if (!isEspImage(image)) throw bad(`magic byte is 0x${image[0]!.toString(16).padStart(2, '0')}, expected 0xe9`);
  let chip: EspImageChip;
  if (opts.chip) {
    const found = findEspImageChip(opts.chip);
    if (!found) throw new AnyflashError('unknown-chip', `Unknown ESP chip "${opts.chip}".`, {
      advice: [`Use one of: ${ESP_IMAGE_CHIPS.map((c) => c.id).join(', ')}.`],
    });
    chip = found;
  } else {
    chip = detectImageChip(image);
  }

  let pos = 0;
  let imageVersion: 1 | 2 = 1;
  const segments: EspImageSegment[] = [];
  const readSegment = (): EspImageSegment => {
    if (pos + 8 > image.length) throw bad(`segment header at 0x${pos.toString(16)} is beyond the end of the file (truncated?)`);
    const addr = readU32le(image, pos);
    const length = readU32le(image, pos + 4);
    if (pos + 8 + length > image.length) {
      throw bad(`segment at 0x${pos.toString(16)} (load 0x${addr.toString(16)}, ${length} bytes) runs past the end of the file`);
    }
    const seg = { addr, length, fileOffset: pos, regions: memoryTypes(chip, addr), data: image.subarray(pos + 8, pos + 8 + length) };
    pos += 8 + length;
    return seg;
  };

  if (image[0] === ESP8266_V2_MAGIC) {
    // V2: a first header and the IROM segment (load address 0, not checksummed), then a V1 image.
    imageVersion = 2;
    pos = 8;
    segments.push(readSegment());
    if (image[pos] !== ESP_IMAGE_MAGIC) throw bad('second header of the V2 image is missing');
  }
  const count = image[pos + 1]!;
  const flashMode = image[pos + 2]!;
  const sizeFreq = image[pos + 3]!;
  const entry = readU32le(image, pos + 4);
  pos += 8;

  let extended: EspExtendedHeader | null = null;
  if (chip.imageChipId !== null) {
    if (image.length < 24) throw bad('extended header is truncated');
    const e = image.subarray(8, 24);
    extended = {
      wpPin: e[0]!,
      drive: { clk: e[1]! & 15, q: e[1]! >> 4, d: e[2]! & 15, cs: e[2]! >> 4, hd: e[3]! & 15, wp: e[3]! >> 4 },
      chipId: readU16le(e, 4),
      minRev: e[6]!,
      minRevFull: readU16le(e, 7),
      maxRevFull: readU16le(e, 9),
      hashAppended: e[15] === 1,
    };
    pos += 16;
  }
  const firstChecked = segments.length;
  for (let i = 0; i < count; i++) segments.push(readSegment());

  let computed = CHECKSUM_SEED;
  for (const s of segments.slice(firstChecked)) computed = espChecksum(s.data, computed);
  pos += 15 - (pos % 16);
  if (pos >= image.length) throw bad('the checksum byte is missing (truncated?)');
  const stored = image[pos]!;
  pos += 1;
  const dataLength = pos;

  let hash: EspImageInfo['hash'] = null;
  if (extended?.hashAppended) {
    if (pos + 32 > image.length) throw bad('the appended SHA-256 is missing (truncated?)');
    const storedHash = toHex(image.subarray(pos, pos + 32));
    const computedHash = toHex(sha256(image.subarray(0, pos)));
    hash = { stored: storedHash, computed: computedHash, valid: storedHash === computedHash };
  }

  let appDescriptor: EspAppDescriptor | null = null;
  let bootloaderDescriptor: EspBootloaderDescriptor | null = null;
  for (const s of segments) {
    // As esptool: the first DROM segment starts with esp_app_desc_t, a DRAM one with the bootloader's.
    if (s.regions.includes('DROM') && appDescriptor === null) appDescriptor = parseAppDescriptor(s.data);
    else if (s.regions.includes('DRAM') && bootloaderDescriptor === null) bootloaderDescriptor = parseBootloaderDescriptor(s.data);
  }
  return {
    chip, imageVersion, entry, flashMode,
    flashModeName: nameOf(FLASH_MODES, flashMode),
    flashSizeCode: sizeFreq & 0xf0,
    flashSizeName: nameOf(chip.flashSizes, sizeFreq & 0xf0),
    flashFreqCode: sizeFreq & 0x0f,
    flashFreqName: nameOf(chip.flashFreqs, sizeFreq & 0x0f),
    extended, segments,
    checksum: { stored, computed, valid: stored === computed },
    hash, dataLength, appDescriptor, bootloaderDescriptor,
  };
}

function revText(full: number): string {
  return `v${Math.floor(full / 100)}.${full % 100}`;
}

/** A chip revision as major*100+minor, from that number or from text like "v1.3" / "1.3". */
export function revisionFull(revision: number | string): number | undefined {
  if (typeof revision === 'number') return revision;
  const m = /^v?(\d+)\.(\d+)$/.exec(revision.trim());
  return m ? Number(m[1]) * 100 + Number(m[2]) : undefined;
}

/**
 * Why an app image must not go to the connected chip, or null when it fits: the image's chip id
 * differs, or the chip's revision (major*100+minor, or "v1.3") lies outside the image's min/max range.
 */
export function espImageChipCheck(image: Uint8Array, chipId: string, revision?: number | string): string | null {
  const chip = findEspImageChip(chipId);
  if (!chip || chip.imageChipId === null || !isEspImage(image) || image[0] !== ESP_IMAGE_MAGIC || image.length < 24) return null;
  // Only images whose extended header is well-formed are judged (a raw blob may start with 0xE9).
  if (image[23] !== 0 && image[23] !== 1) return null;
  const imageChipId = readU16le(image, 12);
  if (imageChipId !== chip.imageChipId) {
    const other = espChipByImageId(imageChipId);
    return `the image was built for ${other ? other.name : `chip id ${imageChipId}`}, but the device is ${chip.name}`;
  }
  const rev = revision === undefined ? undefined : revisionFull(revision);
  if (rev === undefined) return null;
  const minFull = readU16le(image, 15);
  const maxFull = readU16le(image, 17);
  if (rev < minFull) {
    return `the image needs chip revision ${revText(minFull)} or newer, but the ${chip.name} is ${revText(rev)}`;
  }
  if (maxFull !== 0xffff && rev > maxFull) {
    return `the image supports chip revisions up to ${revText(maxFull)}, but the ${chip.name} is ${revText(rev)}`;
  }
  return null;
}

export interface FlashParams {
  /** Chip whose header encodings apply (ESP8266 differs); default esp32. */
  chip?: string;
  /** qio/qout/dio/dout, or 'keep'. */
  flashMode?: string;
  /** e.g. 40m, 80m, or 'keep'. */
  flashFreq?: string;
  /** e.g. 4MB, or 'keep'. */
  flashSize?: string;
}

function encodeParam(table: Record<string, number>, value: string, what: string, chip: EspImageChip): number {
  const key = Object.keys(table).find((k) => k.toLowerCase() === value.toLowerCase());
  if (key === undefined) {
    throw new AnyflashError('bad-input', `Flash ${what} "${value}" is not valid for ${chip.name}.`, {
      chip: chip.name, advice: [`Use one of: ${Object.keys(table).join(', ')}, or keep.`],
    });
  }
  return table[key]!;
}

/**
 * Rewrites header bytes 2–3 (flash mode, size/frequency) of a bootloader image as esptool does on
 * write, and recomputes the appended SHA-256. Returns the image unchanged when all are 'keep' or
 * when the data is not a parseable image.
 */
export function patchBootloaderHeader(image: Uint8Array, params: FlashParams): Uint8Array {
  const keep = (v?: string): boolean => v === undefined || v === 'keep';
  if (keep(params.flashMode) && keep(params.flashFreq) && keep(params.flashSize)) return image;
  if (image.length < 8 || image[0] !== ESP_IMAGE_MAGIC) return image;
  const chip = findEspImageChip(params.chip ?? 'esp32');
  if (!chip) throw new AnyflashError('unknown-chip', `Unknown ESP chip "${params.chip}".`);
  let info: EspImageInfo;
  try {
    info = parseEspImage(image, { chip: chip.id });
  } catch {
    return image;
  }
  const out = image.slice();
  if (!keep(params.flashMode)) out[2] = encodeParam(FLASH_MODES, params.flashMode!, 'mode', chip);
  let freq = out[3]! & 0x0f;
  let size = out[3]! & 0xf0;
  if (!keep(params.flashFreq)) freq = encodeParam(chip.flashFreqs, params.flashFreq!, 'frequency', chip);
  if (!keep(params.flashSize)) size = encodeParam(chip.flashSizes, params.flashSize!, 'size', chip);
  out[3] = size | freq;
  if (info.hash && out.length >= info.dataLength + 32) out.set(sha256(out.subarray(0, info.dataLength)), info.dataLength);
  return out;
}
