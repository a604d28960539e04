import { concatBytes, packU32le, readU16le, readU32le } from '../../core/bytes.js';

/** Command opcodes of the ROM loader and the flasher stub (reference §1.4). */
export const Op = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  READ_FLASH_SLOW: 0x0e,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
} as const;

export type OpName = keyof typeof Op;

export function opName(op: number): string {
  for (const [name, value] of Object.entries(Op)) if (value === op) return name;
  return `0x${op.toString(16).padStart(2, '0')}`;
}

export const CHECKSUM_SEED = 0xef;

/** XOR of every byte, seeded with 0xEF: the only integrity check *_DATA payloads carry. */
export function checksum(data: Uint8Array, seed = CHECKSUM_SEED): number {
  let c = seed;
  for (const b of data) c ^= b;
  return c;
}

/** Request packet (before SLIP): direction 0, opcode, u16 length, u32 checksum, data. */
export function encodeRequest(op: number, data: Uint8Array = new Uint8Array(0), check = 0): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  const v = new DataView(out.buffer);
  out[0] = 0x00;
  out[1] = op;
  v.setUint16(2, data.length, true);
  v.setUint32(4, check >>> 0, true);
  out.set(data, 8);
  return out;
}

/** SYNC payload: `07 07 12 20` followed by 32 × `55`. */
export const SYNC_DATA = concatBytes([Uint8Array.of(0x07, 0x07, 0x12, 0x20), new Uint8Array(32).fill(0x55)]);

/** Data payload of MEM_DATA / FLASH_DATA / FLASH_DEFL_DATA: 16-byte header, data, checksum over the data. */
export function dataPacket(block: Uint8Array, seq: number): { data: Uint8Array; check: number } {
  return { data: concatBytes([packU32le([block.length, seq, 0, 0]), block]), check: checksum(block) };
}

export interface Response {
  op: number;
  value: number;
  /** Everything after the 8-byte header, status bytes included. */
  data: Uint8Array;
}

/** Parses a frame as a response (direction 1); null for anything else. */
export function parseResponse(frame: Uint8Array): Response | null {
  if (frame.length < 8 || frame[0] !== 0x01) return null;
  const len = readU16le(frame, 2);
  const data = frame.subarray(8, 8 + Math.min(len, frame.length - 8));
  return { op: frame[1]!, value: readU32le(frame, 4), data };
}

/** Error codes of the ROM loader (second status byte). */
export const ROM_ERRORS: Readonly<Record<number, string>> = {
  0x00: 'undefined error',
  0x01: 'invalid parameter',
  0x02: 'malloc failed',
  0x03: 'send message failed',
  0x04: 'receive message failed',
  0x05: 'invalid message format (unsupported command)',
  0x06: 'result was wrong',
  0x07: 'checksum error',
  0x08: 'flash write error (read-back CRC mismatch)',
  0x09: 'flash read error',
  0x0a: 'flash read length error',
  0x0b: 'deflate error',
  0x0c: 'deflate adler32 error',
  0x0d: 'deflate parameter error',
  0x0e: 'invalid RAM binary size',
  0x0f: 'invalid RAM binary address',
  0x64: 'invalid parameter',
  0x65: 'invalid format',
  0x66: 'description too long',
  0x67: 'bad encoding',
  0x69: 'insufficient storage',
};

/** Error codes of the flasher stub (first status byte). */
export const STUB_ERRORS: Readonly<Record<number, string>> = {
  0xc0: 'bad data length',
  0xc1: 'bad data checksum',
  0xc2: 'bad block size',
  0xc3: 'invalid command',
  0xc4: 'SPI operation failed',
  0xc5: 'SPI unlock failed',
  0xc6: 'not in flash mode',
  0xc7: 'inflate error',
  0xc8: 'not enough data',
  0xc9: 'too much data',
  0xca: 'NAND program failed',
  0xcb: 'NAND erase failed',
  0xff: 'command not implemented',
};

export interface Status {
  ok: boolean;
  /** Both status bytes as one big-endian u16, as esptool prints them (`0x0107`, `0xc100`). */
  code: number;
  name: string;
}

/**
 * Decodes the status at the tail of `data`. ROM: byte0 = fail flag, byte1 = ROM error code;
 * stub: byte0 = error code, byte1 = extra. Failure iff byte0 ≠ 0 in both formats.
 */
export function decodeStatus(data: Uint8Array, statusLen: 2 | 4, stub: boolean): Status {
  if (data.length < statusLen) return { ok: false, code: 0xffff, name: 'reply too short for a status' };
  const at = data.length - statusLen;
  const b0 = data[at]!;
  const b1 = data[at + 1]!;
  const code = (b0 << 8) | b1;
  if (b0 === 0) return { ok: true, code, name: 'ok' };
  const name = stub
    ? STUB_ERRORS[b0] ?? (ROM_ERRORS[b1] !== undefined && b0 === 1 ? ROM_ERRORS[b1]! : 'unknown stub error')
    : ROM_ERRORS[b1] ?? 'unknown ROM error';
  return { ok: false, code, name };
}

/** `timeout_per_mb`: at least 3 s, else `secondsPerMb` per decimal megabyte, in ms. */
export function timeoutPerMb(secondsPerMb: number, bytes: number, floorMs = 3000): number {
  return Math.max(floorMs, (secondsPerMb * bytes) / 1e6 * 1000);
}

export const DEFAULT_TIMEOUT_MS = 3000;
export const SYNC_TIMEOUT_MS = 100;
export const CHIP_ERASE_TIMEOUT_MS = 120_000;
export const MAX_TIMEOUT_MS = 240_000;
export const ERASE_PER_MB_S = 40;
export const MD5_PER_MB_S = 8;

export const RAM_BLOCK = 0x1800;
export const ROM_FLASH_BLOCK = 0x400;
export const STUB_FLASH_BLOCK = 0x4000;
/** RAM and stub flash block over the native USB-OTG CDC of the S2/S3/P4 (small endpoint buffers). */
export const USB_OTG_BLOCK = 0x800;
export const SECTOR = 0x1000;
