/**
 * Request builders for every command of the Beken download protocol (reference §1.2), plus the
 * part of each reply that must echo the request. Pure data: the client session and the tests use it.
 */
import { concatBytes, u32le } from '../../core/bytes.js';
import { EraseSize, Long, longRequest, REBOOT_MAGIC, Short, shortRequest, type FrameForm } from './frames.js';

/** One request: its bytes, the reply it expects, and the echo rule. */
export interface Request {
  name: string;
  bytes: Uint8Array;
  payload: Uint8Array;
  reply: { form: FrameForm; code: number } | null;
  /** Reply payload slice [from, to) (status byte included on long frames) that must equal request payload [0, to−from). */
  echo?: [number, number];
}

function short(name: string, code: number, payload: Uint8Array, reply: Request['reply'], echo?: [number, number]): Request {
  return { name, bytes: shortRequest(code, payload), payload, reply, echo };
}

function long(name: string, code: number, payload: Uint8Array, echo?: [number, number]): Request {
  return { name, bytes: longRequest(code, payload), payload, reply: { form: 'long', code }, echo };
}

const none = new Uint8Array(0);

export const linkCheck = (): Request => short('LinkCheck', Short.LinkCheck, none, { form: 'short', code: 0x01 });
export const writeReg = (address: number, value: number): Request =>
  short('WriteReg', Short.WriteReg, concatBytes([u32le(address), u32le(value)]), { form: 'short', code: Short.WriteReg }, [0, 8]);
export const readReg = (address: number): Request =>
  short('ReadReg', Short.ReadReg, u32le(address), { form: 'short', code: Short.ReadReg }, [0, 4]);
/** No reply: the chip resets by watchdog. */
export const reboot = (): Request => short('Reboot', Short.Reboot, Uint8Array.of(REBOOT_MAGIC), null);
export const setBaudRate = (baud: number, delayMs: number): Request =>
  short('SetBaudRate', Short.SetBaudRate, concatBytes([u32le(baud), Uint8Array.of(delayMs)]), { form: 'short', code: Short.SetBaudRate }, [0, 5]);
/** `end` is inclusive on FULL loaders, exclusive on BASIC ones: the caller decides. */
export const checkCrc = (start: number, end: number): Request =>
  short('CheckCRC', Short.CheckCrc, concatBytes([u32le(start), u32le(end)]), { form: 'short', code: Short.CheckCrc });
export const readBootVersion = (): Request => short('ReadBootVersion', Short.ReadBootVersion, none, { form: 'short', code: Short.ReadBootVersion });
/** "SEAN": watchdog reset without a reply (FULL). */
export const resetSean = (): Request => short('RESET', Short.Reset, Uint8Array.of(0x53, 0x45, 0x41, 0x4e), null);
export const stayRom = (): Request => short('StayRom', Short.StayRom, Uint8Array.of(0x55), { form: 'short', code: Short.StayRom });

export const flashWrite = (address: number, data: Uint8Array): Request => {
  if (data.length > 256) throw new RangeError('FlashWrite takes at most 256 bytes');
  return long('FlashWrite', Long.FlashWrite, concatBytes([u32le(address), data]), [1, 5]);
};
export const flashWrite4K = (address: number, data: Uint8Array): Request => {
  if (data.length !== 4096) throw new RangeError('FlashWrite4K takes exactly 4096 bytes');
  return long('FlashWrite4K', Long.FlashWrite4K, concatBytes([u32le(address), data]), [1, 5]);
};
export const flashRead = (address: number, length: number): Request =>
  long('FlashRead', Long.FlashRead, concatBytes([u32le(address), Uint8Array.of(length)]), [1, 5]);
export const flashRead4K = (address: number): Request => long('FlashRead4K', Long.FlashRead4K, u32le(address), [1, 5]);
export const flashEraseAll = (): Request => long('FlashEraseAll', Long.FlashEraseAll, Uint8Array.of(0x04));
export const flashErase4K = (address: number): Request => long('FlashErase4K', Long.FlashErase4K, u32le(address), [1, 5]);
export const flashReadSR = (register: number): Request => long('FlashReadSR', Long.FlashReadSR, Uint8Array.of(register), [1, 2]);
/** `values`: one byte (8-bit SR write) or two (SR1, SR2 in one 16-bit write). */
export const flashWriteSR = (values: readonly number[]): Request =>
  long('FlashWriteSR', Long.FlashWriteSR, Uint8Array.of(0x01, ...values), [1, 2 + values.length]);
export const flashGetMID = (): Request => long('FlashGetMID', Long.FlashGetMID, Uint8Array.of(0x9f, 0, 0, 0));
/** Sized erase; the reply echoes size and address but carries no status check in the tools. */
export const flashErase = (sizeCode: number, address: number): Request =>
  long('FlashErase', Long.FlashErase, concatBytes([Uint8Array.of(sizeCode), u32le(address)]), [1, 6]);

export const ERASE_BYTES: Readonly<Record<number, number>> = {
  [EraseSize.Sector4K]: 0x1000,
  [EraseSize.Block32K]: 0x8000,
  [EraseSize.Block64K]: 0x10000,
};
