/**
 * Beken UART download protocol frames (reference §1.1). Opcodes are reused between the short and
 * the long form (short 0E = Reboot, long 0E = FlashGetMID), so every command is a (form, code) pair.
 */
import { concatBytes } from '../../core/bytes.js';

export type FrameForm = 'short' | 'long';

/** Short-form command codes. */
export const Short = {
  LinkCheck: 0x00,
  WriteReg: 0x01,
  ReadReg: 0x03,
  Reboot: 0x0e,
  SetBaudRate: 0x0f,
  CheckCrc: 0x10,
  ReadBootVersion: 0x11,
  Reset: 0x70,
  StayRom: 0xaa,
} as const;

/** Long-form ("flash") command codes. */
export const Long = {
  FlashWrite: 0x06,
  FlashWrite4K: 0x07,
  FlashRead: 0x08,
  FlashRead4K: 0x09,
  FlashEraseAll: 0x0a,
  FlashErase4K: 0x0b,
  FlashReadSR: 0x0c,
  FlashWriteSR: 0x0d,
  FlashGetMID: 0x0e,
  FlashErase: 0x0f,
} as const;

/** FlashErase size codes are the SPI opcodes. */
export const EraseSize = { Sector4K: 0x20, Block32K: 0x52, Block64K: 0xd8 } as const;

/** The LinkCheck reply carries code 01 (CMD+1), which is also the WriteReg code. */
export const LINK_CHECK_REPLY = 0x01;
/** Reboot's magic argument; anything else is echoed back instead of rebooting. */
export const REBOOT_MAGIC = 0xa5;
/** Frames the chip drops: LEN16 at or above this. */
export const MAX_LONG_LEN = 4200;

/** Status codes (Beken type.h). */
export const STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'STATUS_OK',
  1: 'FLASH_STATUS_BUSY',
  2: 'SPI_OP_T_OUT',
  3: 'FLASH_OP_T_OUT',
  4: 'PACK_LEN_ERROR',
  5: 'PACK_PAYLOAD_LACK',
  6: 'PARAM_ERROR',
  7: 'UNKNOW_CMD',
  8: 'INTERNAL_ERR',
  9: 'SPI_FLASH_WRITE_ERR',
  10: 'OPERATE_PROTECTED_AREA',
};

export const Status = { Ok: 0, FlashOpTimeout: 3, PackLenError: 4, ParamError: 6, UnknownCmd: 7 } as const;

export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `status ${status}`;
}

const REQ_HEAD = [0x01, 0xe0, 0xfc];
const RESP_HEAD = [0x04, 0x0e];

/** `01 E0 FC LEN CMD payload…`, LEN = 1 + len(payload). */
export function shortRequest(code: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (payload.length + 1 >= 0xff) throw new RangeError('short frame payload too long');
  return concatBytes([Uint8Array.of(...REQ_HEAD, payload.length + 1, code), payload]);
}

/** `01 E0 FC FF F4 LENlo LENhi CMD payload…`, LEN16 = 1 + len(payload). */
export function longRequest(code: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const n = payload.length + 1;
  return concatBytes([Uint8Array.of(...REQ_HEAD, 0xff, 0xf4, n & 0xff, n >> 8, code), payload]);
}

/** `04 0E LEN 01 E0 FC CMD payload…`, LEN = 4 + len(payload). */
export function shortResponse(code: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concatBytes([Uint8Array.of(...RESP_HEAD, payload.length + 4, ...REQ_HEAD, code), payload]);
}

/** `04 0E FF 01 E0 FC F4 LENlo LENhi CMD STATUS payload…`, LEN16 = 2 + len(payload). */
export function longResponse(code: number, status: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const n = payload.length + 2;
  return concatBytes([Uint8Array.of(...RESP_HEAD, 0xff, ...REQ_HEAD, 0xf4, n & 0xff, n >> 8, code, status), payload]);
}

/** How chips answer a command they do not know: status 7 in the request's form. */
export function unknownCommandResponse(form: FrameForm, code: number): Uint8Array {
  return form === 'short' ? shortResponse(code, Uint8Array.of(Status.UnknownCmd)) : longResponse(code, Status.UnknownCmd);
}
