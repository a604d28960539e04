import { slipEncode } from './slip.js';

/** Opcodes of the serial loader (reference esp.md §1.4). */
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

/** ROM error codes (byte 1 of the ROM status). */
export const RomError = {
  invalidMessage: 0x05,
  checksum: 0x07,
  flashWrite: 0x08,
  readLength: 0x0a,
  deflate: 0x0b,
  ramSize: 0x0e,
} as const;

/** Stub error codes (byte 0 of the stub status). */
export const StubError = {
  badDataLen: 0xc0,
  badChecksum: 0xc1,
  badBlockSize: 0xc2,
  invalidCommand: 0xc3,
  spiFailed: 0xc4,
  notInFlashMode: 0xc6,
  inflate: 0xc7,
  notEnoughData: 0xc8,
  tooMuchData: 0xc9,
} as const;

export const SYNC_PAYLOAD = Uint8Array.from([0x07, 0x07, 0x12, 0x20, ...new Array<number>(32).fill(0x55)]);

export interface Request {
  op: number;
  /** The u16 length field, which a well-formed request matches with data.length. */
  declaredLength: number;
  checksum: number;
  data: Uint8Array;
}

/** Parses a host frame; null when it is not a request at all (too short, wrong direction). */
export function parseRequest(frame: Uint8Array): Request | null {
  if (frame.length < 8 || frame[0] !== 0x00) return null;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return {
    op: frame[1]!,
    declaredLength: view.getUint16(2, true),
    checksum: view.getUint32(4, true),
    data: frame.subarray(8),
  };
}

export function checksum(data: Uint8Array): number {
  let c = 0xef;
  for (const b of data) c ^= b;
  return c;
}

export function word(data: Uint8Array, index: number): number {
  const o = index * 4;
  if (o + 4 > data.length) return 0;
  return (data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24)) >>> 0;
}

/** A response frame, SLIP-encoded: direction 1, opcode echo, length, value, data + status. */
export function encodeReply(op: number, value: number, body: Uint8Array, status: Uint8Array): Uint8Array {
  const payload = new Uint8Array(8 + body.length + status.length);
  const view = new DataView(payload.buffer);
  payload[0] = 0x01;
  payload[1] = op;
  view.setUint16(2, body.length + status.length, true);
  view.setUint32(4, value >>> 0, true);
  payload.set(body, 8);
  payload.set(status, 8 + body.length);
  return slipEncode(payload);
}
