/**
 * Beken BK72xx file formats (reference/beken.md §5, §7): CRC16-interleaved app/bootloader
 * partitions, full dumps, RBL headers and Tuya UG wrappers — recognised so `write` can place a
 * file without an address and `image info` can describe it.
 */
import { readU32le, toHex } from '../core/bytes.js';
import { crc32 } from './crc32.js';

/** Every 32 data bytes are followed by a big-endian CRC16/CMS in bootloader and app partitions. */
export const CRC_BLOCK = 32;
export const APP_OFFSET = 0x11000;
/** Largest app partition of the 2 MiB layouts (SDK layout). */
export const APP_MAX_LENGTH = 0x121000;
export const DOWNLOAD_OFFSET = 0x132000;
/** First bytes of an encrypted, CRC-interleaved Beken app (what ltchiptool looks for). */
export const APP_MAGIC = Uint8Array.of(0x2f, 0x07, 0xb5, 0x94, 0x35, 0xff, 0x2a, 0x9b);

/** CRC16/CMS: poly 0x8005, init 0xFFFF, not reflected, no final XOR. */
export function crc16Cms(data: Uint8Array): number {
  let crc = 0xffff;
  for (let i = 0; i < data.length; i++) {
    crc ^= data[i]! << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** True when the first `blocks` 34-byte blocks from `offset` carry valid CRC16s. */
export function hasCrcInterleave(bytes: Uint8Array, offset = 0, blocks = 16): boolean {
  const n = Math.min(blocks, Math.floor((bytes.length - offset) / (CRC_BLOCK + 2)));
  if (n < 1) return false;
  for (let i = 0; i < n; i++) {
    const at = offset + i * (CRC_BLOCK + 2);
    const stored = (bytes[at + CRC_BLOCK]! << 8) | bytes[at + CRC_BLOCK + 1]!;
    if (crc16Cms(bytes.subarray(at, at + CRC_BLOCK)) !== stored) return false;
  }
  return true;
}

/** Removes the CRC16s of an interleaved partition, giving the logical bytes. */
export function stripCrcInterleave(bytes: Uint8Array): Uint8Array {
  const blocks = Math.floor(bytes.length / (CRC_BLOCK + 2));
  const out = new Uint8Array(blocks * CRC_BLOCK);
  for (let i = 0; i < blocks; i++) out.set(bytes.subarray(i * (CRC_BLOCK + 2), i * (CRC_BLOCK + 2) + CRC_BLOCK), i * CRC_BLOCK);
  return out;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array, at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

export interface RblHeader {
  encryption: 'none' | 'xor' | 'aes256' | `unknown (${number})`;
  compression: 'none' | 'gzip' | 'quicklz' | 'fastlz' | `unknown (${number})`;
  timestamp: number;
  name: string;
  version: string;
  sn: string;
  dataCrc32: number;
  rawFnv1a: number;
  rawSize: number;
  dataSize: number;
  headerCrc32: number;
  headerCrcValid: boolean;
  /** Null when the file is shorter than header + data. */
  dataCrcValid: boolean | null;
}

export const RBL_MAGIC = Uint8Array.of(0x52, 0x42, 0x4c, 0x00);
export const RBL_HEADER_SIZE = 96;

export function isRbl(bytes: Uint8Array, at = 0): boolean {
  return startsWith(bytes, RBL_MAGIC, at) && bytes.length >= at + RBL_HEADER_SIZE;
}

function text(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder('latin1').decode(end < 0 ? b : b.subarray(0, end));
}

/** Parses the 96-byte RBL header at `at`; null when there is none. */
export function parseRbl(bytes: Uint8Array, at = 0): RblHeader | null {
  if (!isRbl(bytes, at)) return null;
  const h = bytes.subarray(at, at + RBL_HEADER_SIZE);
  const enc = ['none', 'xor', 'aes256'] as const;
  const comp = ['none', 'gzip', 'quicklz', 'fastlz'] as const;
  const dataCrc32 = readU32le(h, 76);
  const dataSize = readU32le(h, 88);
  const headerCrc32 = readU32le(h, 92);
  const dataStart = at + RBL_HEADER_SIZE;
  return {
    encryption: enc[h[4]!] ?? `unknown (${h[4]!})`,
    compression: comp[h[5]!] ?? `unknown (${h[5]!})`,
    timestamp: readU32le(h, 8),
    name: text(h.subarray(12, 28)),
    version: text(h.subarray(28, 52)),
    sn: text(h.subarray(52, 76)),
    dataCrc32,
    rawFnv1a: readU32le(h, 80),
    rawSize: readU32le(h, 84),
    dataSize,
    headerCrc32,
    headerCrcValid: crc32(h.subarray(0, 92)) === headerCrc32,
    dataCrcValid: bytes.length >= dataStart + dataSize ? crc32(bytes.subarray(dataStart, dataStart + dataSize)) === dataCrc32 : null,
  };
}

export interface TuyaUg {
  version: string;
  length: number;
  byteSumValid: boolean;
  /** The wrapped file (an OTA RBL). */
  inner: Uint8Array;
}

export const UG_HEADER_SIZE = 0x20;

/** Unwraps a Tuya UG file (`55AA55AA`, version[12], BE len, BE byte-sum, BE header-sum, `AA55AA55`). */
export function parseTuyaUg(bytes: Uint8Array): TuyaUg | null {
  if (!startsWith(bytes, Uint8Array.of(0x55, 0xaa, 0x55, 0xaa)) || !startsWith(bytes, Uint8Array.of(0xaa, 0x55, 0xaa, 0x55), 28)) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = v.getUint32(16, false);
  const inner = bytes.subarray(UG_HEADER_SIZE, UG_HEADER_SIZE + length);
  let sum = 0;
  for (let i = 0; i < inner.length; i++) sum = (sum + inner[i]!) >>> 0;
  return { version: text(bytes.subarray(4, 16)), length, byteSumValid: inner.length === length && sum === v.getUint32(20, false), inner };
}

export interface BekenPlacement {
  /** Flash address of the first byte written. */
  address: number;
  /** Bytes of the file skipped before writing. */
  skip: number;
  length: number;
  description: string;
}

/**
 * Where a Beken file goes when no address is given, following ltchiptool's auto-detection:
 * app (UA) images at 0x11000, full (QIO) dumps from their 0x11000 (the bootloader is not
 * rewritten), OTA RBLs to the download partition, UG files unwrapped.
 */
export function detectBekenDump(bytes: Uint8Array): BekenPlacement | null {
  if (startsWith(bytes, APP_MAGIC) && hasCrcInterleave(bytes)) {
    return { address: APP_OFFSET, skip: 0, length: Math.min(bytes.length, APP_MAX_LENGTH), description: 'Beken app image (UA, CRC16-interleaved)' };
  }
  if (bytes.length > APP_OFFSET && startsWith(bytes, APP_MAGIC, APP_OFFSET) && hasCrcInterleave(bytes, APP_OFFSET)) {
    return {
      address: APP_OFFSET, skip: APP_OFFSET, length: Math.min(bytes.length - APP_OFFSET, APP_MAX_LENGTH),
      description: 'full flash dump (QIO); only its app part is written, the bootloader is kept',
    };
  }
  if (isRbl(bytes)) return { address: DOWNLOAD_OFFSET, skip: 0, length: bytes.length, description: 'OTA RBL package for the download partition' };
  const ug = parseTuyaUg(bytes);
  if (ug && isRbl(ug.inner)) {
    return { address: DOWNLOAD_OFFSET, skip: UG_HEADER_SIZE, length: ug.inner.length, description: `Tuya UG package (version ${ug.version}) unwrapped to its OTA RBL` };
  }
  return null;
}

/** Physical offset of the bootloader's RBL header in a full dump (logical 0xFFA0, CRC16-interleaved). */
export const BOOTLOADER_RBL_PHYSICAL = 0x10f9a;

/** The bootloader's RBL header from a full dump, with the CRC16s taken out; null when absent. */
export function bootloaderRbl(dump: Uint8Array): RblHeader | null {
  const span = dump.subarray(BOOTLOADER_RBL_PHYSICAL, BOOTLOADER_RBL_PHYSICAL + (RBL_HEADER_SIZE / CRC_BLOCK) * (CRC_BLOCK + 2));
  if (span.length < RBL_HEADER_SIZE) return null;
  return parseRbl(stripCrcInterleave(span));
}

export interface BekenImageInfo {
  kind: 'app' | 'full-dump' | 'rbl' | 'tuya-ug';
  placement: BekenPlacement | null;
  rbl: RblHeader | null;
  /** Full dumps: the bootloader's RBL header. */
  bootloader?: RblHeader;
  ug: Omit<TuyaUg, 'inner'> | null;
  /** First bytes, for the eye. */
  head: string;
}

/** Describes a Beken file for `image info`; null when it is none of the known kinds. */
export function describeBekenImage(bytes: Uint8Array): BekenImageInfo | null {
  const placement = detectBekenDump(bytes);
  const head = toHex(bytes.subarray(0, 16), ' ');
  if (isRbl(bytes)) return { kind: 'rbl', placement, rbl: parseRbl(bytes), ug: null, head };
  const ug = parseTuyaUg(bytes);
  if (ug) {
    const { inner, ...rest } = ug;
    return { kind: 'tuya-ug', placement, rbl: parseRbl(inner), ug: rest, head };
  }
  if (!placement) return null;
  if (placement.skip === 0) return { kind: 'app', placement, rbl: null, ug: null, head };
  const bootloader = bootloaderRbl(bytes);
  return { kind: 'full-dump', placement, rbl: null, ug: null, head, ...(bootloader ? { bootloader } : {}) };
}
