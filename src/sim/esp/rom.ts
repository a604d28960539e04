import { Unzlib } from 'fflate';
import { toHex } from '../../core/bytes.js';
import { eraseSectors, type LoaderContext, type LoaderPersonality } from './loader-context.js';
import { md5 } from '../../core/md5.js';
import { Op, RomError, SYNC_PAYLOAD, checksum, encodeReply, parseRequest, word, type Request } from './protocol.js';

const EMPTY = new Uint8Array(0);
/** The value field of a SYNC reply (`07 07 12 20`). */
const SYNC_VALUE = 0x20120707;
const SYNC_REPLIES = 8;
const READ_SLOW_BLOCK = 64;
/** What a ROM in Secure Download Mode still accepts. */
const SECURE_DOWNLOAD_COMMANDS: readonly number[] = [
  Op.SYNC,
  Op.SPI_ATTACH,
  Op.SPI_SET_PARAMS,
  Op.CHANGE_BAUDRATE,
  Op.FLASH_BEGIN,
  Op.FLASH_DATA,
  Op.FLASH_END,
  Op.GET_SECURITY_INFO,
];
/** GET_SECURITY_INFO flag bit SECURE_DOWNLOAD_ENABLE. */
const FLAG_SECURE_DOWNLOAD = 1 << 2;

interface FlashSession {
  offset: number;
  size: number;
  blockSize: number;
  /** Next flash address for inflated output (compressed sessions write sequentially). */
  next: number;
  inflater: Unzlib | null;
  inflateError: boolean;
}

/**
 * The mask ROM's serial loader: writes before it acknowledges, erases the whole region at
 * FLASH_BEGIN, answers MD5 in ASCII hex, and rejects opcodes it does not have with "invalid
 * message" (reference esp.md §1).
 */
export class RomLoader implements LoaderPersonality {
  readonly name = 'rom' as const;
  /** The ROM reuses its reply buffer: replies that carry no register value repeat the last one. */
  private value = 0;
  private session: FlashSession | null = null;
  /** Program time of the output the inflater produced for the block being handled. */
  private inflatedWriteMs = 0;

  constructor(private readonly ctx: LoaderContext) {}

  async handle(frame: Uint8Array): Promise<void> {
    const req = parseRequest(frame);
    if (!req) return;
    if (!this.ctx.chip.romCommands.includes(req.op)) return this.reject();
    if (this.ctx.secureDownloadMode && !SECURE_DOWNLOAD_COMMANDS.includes(req.op)) return this.reject();
    if (req.declaredLength !== req.data.length) return this.reply(req.op, EMPTY, RomError.invalidMessage);
    switch (req.op) {
      case Op.SYNC:
        return this.sync(req);
      case Op.READ_REG:
        this.value = this.ctx.regs.read(word(req.data, 0));
        return this.reply(req.op);
      case Op.WRITE_REG:
        return this.writeReg(req);
      case Op.SPI_ATTACH:
        this.ctx.regs.spi.attached = true;
        return this.reply(req.op);
      case Op.SPI_SET_PARAMS:
        return this.reply(req.op);
      case Op.MEM_BEGIN:
        this.ctx.ram.begin(word(req.data, 3), word(req.data, 0), word(req.data, 2));
        return this.reply(req.op);
      case Op.MEM_DATA:
        return this.memData(req);
      case Op.MEM_END:
        return this.memEnd(req);
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
        return this.flashBegin(req);
      case Op.FLASH_DATA:
        return this.flashData(req);
      case Op.FLASH_DEFL_DATA:
        return this.flashDeflData(req);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        this.session = null;
        this.reply(req.op);
        this.ctx.exit(word(req.data, 0) === 0 ? 'reboot' : 'run');
        return;
      case Op.SPI_FLASH_MD5:
        return this.md5(req);
      case Op.READ_FLASH_SLOW:
        return this.readSlow(req);
      case Op.CHANGE_BAUDRATE: {
        this.reply(req.op);
        const chip = this.ctx.chip;
        const scale = chip.crystalMhz / (chip.romAssumedCrystalMhz ?? chip.crystalMhz);
        this.ctx.setBaud(Math.round(word(req.data, 0) * scale));
        return;
      }
      case Op.GET_SECURITY_INFO:
        return this.reply(req.op, securityInfo(this.ctx));
      default:
        return this.reject();
    }
  }

  private status(error: number): Uint8Array {
    const s = new Uint8Array(this.ctx.chip.romStatusBytes);
    if (error) {
      s[0] = 1;
      s[1] = error;
    }
    return s;
  }

  private reply(op: number, body: Uint8Array = EMPTY, error = 0): void {
    if (!this.ctx.alive()) return;
    this.ctx.send(encodeReply(op, this.value, body, this.status(error)));
  }

  /** An opcode this ROM lacks: a failure with "invalid message" under opcode 0, sent 8 times. */
  private reject(): void {
    const frame = encodeReply(0x00, this.value, EMPTY, this.status(RomError.invalidMessage));
    for (let i = 0; i < SYNC_REPLIES; i++) this.ctx.send(frame);
  }

  private sync(req: Request): void {
    if (req.data.length !== SYNC_PAYLOAD.length || req.data.some((b, i) => b !== SYNC_PAYLOAD[i])) {
      return this.reply(req.op, EMPTY, RomError.invalidMessage);
    }
    this.value = SYNC_VALUE;
    for (let i = 0; i < SYNC_REPLIES; i++) this.reply(req.op);
  }

  private async writeReg(req: Request): Promise<void> {
    if (req.data.length === 0 || req.data.length % 16 !== 0) return this.reply(req.op, EMPTY, RomError.invalidMessage);
    for (let i = 0; i < req.data.length / 16; i++) {
      const [address, value, mask, delayUs] = [0, 1, 2, 3].map((k) => word(req.data, i * 4 + k)) as [number, number, number, number];
      if (delayUs) await this.ctx.clock.sleep(delayUs / 1000);
      this.ctx.regs.write(address, value, mask);
    }
    this.reply(req.op);
  }

  private memData(req: Request): void {
    const len = word(req.data, 0);
    const payload = req.data.subarray(16);
    if (len !== payload.length) return this.reply(req.op, EMPTY, RomError.invalidMessage);
    if (checksum(payload) !== (req.checksum & 0xff)) return this.reply(req.op, EMPTY, RomError.checksum);
    if (!this.ctx.ram.block(word(req.data, 1), payload)) return this.reply(req.op, EMPTY, RomError.ramSize);
    this.reply(req.op);
  }

  private memEnd(req: Request): void {
    const noEntry = word(req.data, 0);
    const entry = word(req.data, 1);
    this.reply(req.op);
    if (noEntry !== 0) return;
    // The CPU jumps to `entry`: uploaded code there is the flasher stub; anything else crashes.
    if (this.ctx.ram.contains(entry)) this.ctx.startStub(entry);
    else this.ctx.exit('reboot');
  }

  /** The ESP8266 ROM has no SPI_ATTACH: its FLASH_BEGIN routes the pins (esptool relies on this). */
  private attachOnBegin(): void {
    if (this.ctx.chip.name === 'esp8266') this.ctx.regs.spi.attached = true;
  }

  /** Whether flash commands reach the chip; unattached, erases and writes go nowhere and reads see 0xFF. */
  private get attached(): boolean {
    return this.ctx.regs.spi.attached;
  }

  private readFlash(address: number, size: number): Uint8Array {
    return this.attached ? this.ctx.flash.read(address, size) : new Uint8Array(size).fill(0xff);
  }

  private async flashBegin(req: Request): Promise<void> {
    this.attachOnBegin();
    const compressed = req.op === Op.FLASH_DEFL_BEGIN;
    const size = word(req.data, 0);
    const blockSize = word(req.data, 2);
    const offset = word(req.data, 3);
    let eraseSize = size;
    if (compressed && blockSize > 0) eraseSize = Math.ceil(size / blockSize) * blockSize;
    else if (this.ctx.chip.name === 'esp8266') eraseSize = esp8266RomEraseSize(offset, size);
    if (this.attached) this.ctx.flash.beginWrite(offset, size);
    this.session = {
      offset,
      size,
      blockSize,
      next: offset,
      inflater: null,
      inflateError: false,
    };
    if (eraseSize > 0 && this.attached) {
      const ms = eraseSectors(this.ctx.flash, offset, offset + eraseSize);
      await this.ctx.clock.busy(ms);
    }
    this.reply(req.op);
  }

  private checkData(req: Request): Uint8Array | null {
    const len = word(req.data, 0);
    const payload = req.data.subarray(16);
    if (!this.session) {
      this.reply(req.op, EMPTY, RomError.invalidMessage);
      return null;
    }
    if (len !== payload.length) {
      this.reply(req.op, EMPTY, RomError.invalidMessage);
      return null;
    }
    if (checksum(payload) !== (req.checksum & 0xff)) {
      this.reply(req.op, EMPTY, RomError.checksum);
      return null;
    }
    return payload;
  }

  private async flashData(req: Request): Promise<void> {
    const payload = this.checkData(req);
    if (!payload) return;
    const s = this.session!;
    const at = s.offset + word(req.data, 1) * s.blockSize;
    if (this.attached) await this.ctx.clock.busy(this.ctx.flash.program(at, payload));
    this.reply(req.op);
  }

  private async flashDeflData(req: Request): Promise<void> {
    const payload = this.checkData(req);
    if (!payload) return;
    const s = this.session!;
    if (word(req.data, 1) === 0 || !s.inflater) this.startInflater(s);
    try {
      s.inflater!.push(payload);
    } catch {
      s.inflateError = true;
    }
    const ms = this.inflatedWriteMs;
    this.inflatedWriteMs = 0;
    await this.ctx.clock.busy(ms);
    this.reply(req.op, EMPTY, s.inflateError ? RomError.deflate : 0);
  }

  private startInflater(s: FlashSession): void {
    s.next = s.offset;
    s.inflateError = false;
    s.inflater = new Unzlib((chunk) => {
      const room = s.offset + s.size - s.next;
      const n = Math.min(room, chunk.length);
      if (n < chunk.length) s.inflateError = true;
      if (n > 0 && this.ctx.alive() && this.attached) this.inflatedWriteMs += this.ctx.flash.program(s.next, chunk.subarray(0, n));
      s.next += n;
    });
  }

  private async md5(req: Request): Promise<void> {
    const address = word(req.data, 0);
    const size = word(req.data, 1);
    await this.ctx.clock.busy(this.ctx.flash.readTimeMs(size));
    const digest = toHex(md5(this.readFlash(address, size)));
    this.reply(req.op, new TextEncoder().encode(digest));
  }

  private readSlow(req: Request): void {
    const address = word(req.data, 0);
    const len = word(req.data, 1);
    if (len > READ_SLOW_BLOCK) return this.reply(req.op, EMPTY, RomError.readLength);
    const block = new Uint8Array(READ_SLOW_BLOCK);
    block.set(this.readFlash(address, len));
    this.reply(req.op, block);
  }
}

/** GET_SECURITY_INFO body: flags, flash_crypt_cnt, 7 key purposes, then chip id and API version (not on S2). */
export function securityInfo(ctx: LoaderContext): Uint8Array {
  const full = ctx.chip.securityInfo === 'full';
  const body = new Uint8Array(full ? 20 : 12);
  const view = new DataView(body.buffer);
  view.setUint32(0, ctx.secureDownloadMode ? FLAG_SECURE_DOWNLOAD : 0, true);
  if (full) {
    view.setUint32(12, ctx.chip.chipId, true);
    view.setUint32(16, 0, true);
  }
  return body;
}

/**
 * The ESP8266 ROM's erase routine erases the requested sectors plus, again, up to the number of
 * sectors left in the first 64 KiB block; esptool's `get_erase_size` sends a size that compensates.
 */
function esp8266RomEraseSize(offset: number, size: number): number {
  const sector = 0x1000;
  const count = Math.ceil(size / sector);
  const head = 16 - (Math.floor(offset / sector) % 16);
  return (count + Math.min(count, head)) * sector;
}
