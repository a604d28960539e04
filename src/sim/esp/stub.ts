import { Unzlib } from 'fflate';
import { eraseSectors, type LoaderContext, type LoaderPersonality } from './loader-context.js';
import { md5 } from '../../core/md5.js';
import { Op, StubError, checksum, encodeReply, parseRequest, word, type Request } from './protocol.js';
import { securityInfo } from './rom.js';
import { slipEncode } from './slip.js';

const EMPTY = new Uint8Array(0);
const SYNC_REPLIES = 8;
const SECTOR = 0x1000;
const BLOCK = 0x10000;
/** Largest FLASH_DATA block the stub's receive buffers hold (0x4000 data + header slack). */
const MAX_BLOCK = 0x4000;

interface WriteSession {
  offset: number;
  /** Bytes still expected (FLASH_BEGIN word 0). */
  remaining: number;
  next: number;
  /** Everything below this address inside the session has been erased. */
  erasedTo: number;
  end: number;
  /** esp-flasher-stub skips erasing sectors that are already blank until it meets the first dirty one. */
  skipBlank: boolean;
  inflater: Unzlib | null;
}

/**
 * The flasher stub's behaviour (esp-flasher-stub / legacy stub, reference esp.md §1.6, §4, §5):
 * 2-byte status, ACK-then-write with the write error carried into the next reply, lazy
 * 4 KiB/64 KiB erases, zlib inflate, READ_FLASH streaming, raw MD5.
 */
export class StubLoader implements LoaderPersonality {
  readonly name = 'stub' as const;
  private session: WriteSession | null = null;
  /** An error found while writing after the ACK; reported by the next reply. */
  private pendingError = 0;
  /** Output of the inflater for the block being handled, written after it returns. */
  private inflated: Uint8Array[] = [];

  constructor(private readonly ctx: LoaderContext) {}

  async handle(frame: Uint8Array): Promise<void> {
    const req = parseRequest(frame);
    if (!req) return;
    if (req.declaredLength !== req.data.length) return this.reply(req.op, EMPTY, StubError.badDataLen);
    switch (req.op) {
      case Op.SYNC:
        for (let i = 0; i < SYNC_REPLIES; i++) this.reply(req.op);
        return;
      case Op.READ_REG:
        return this.reply(req.op, EMPTY, 0, this.ctx.regs.read(word(req.data, 0)));
      case Op.WRITE_REG:
        return this.writeReg(req);
      case Op.SPI_ATTACH:
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
        return this.flashData(req, false);
      case Op.FLASH_DEFL_DATA:
        return this.flashData(req, true);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        this.session = null;
        this.reply(req.op);
        if (word(req.data, 0) === 0) this.ctx.exit('reboot');
        return;
      case Op.SPI_FLASH_MD5:
        return this.md5(req);
      case Op.ERASE_FLASH:
        await this.ctx.clock.busy(this.ctx.flash.erase(0, this.ctx.flash.size));
        return this.reply(req.op);
      case Op.ERASE_REGION:
        return this.eraseRegion(req);
      case Op.READ_FLASH:
        return this.readFlash(req);
      case Op.CHANGE_BAUDRATE:
        this.reply(req.op);
        this.ctx.setBaud(word(req.data, 0));
        return;
      case Op.RUN_USER_CODE:
        this.ctx.exit('run');
        return;
      case Op.GET_SECURITY_INFO:
        if (this.ctx.chip.securityInfo === 'none') return this.reply(req.op, EMPTY, StubError.invalidCommand);
        return this.reply(req.op, securityInfo(this.ctx));
      default:
        return this.reply(req.op, EMPTY, StubError.invalidCommand);
    }
  }

  private reply(op: number, body: Uint8Array = EMPTY, error = 0, value = 0): void {
    if (!this.ctx.alive()) return;
    if (!error && this.pendingError) error = this.pendingError;
    this.pendingError = 0;
    this.ctx.send(encodeReply(op, value, body, Uint8Array.of(error, 0)));
  }

  private async writeReg(req: Request): Promise<void> {
    if (req.data.length === 0 || req.data.length % 16 !== 0) return this.reply(req.op, EMPTY, StubError.badDataLen);
    for (let i = 0; i < req.data.length / 16; i++) {
      const [address, value, mask, delayUs] = [0, 1, 2, 3].map((k) => word(req.data, i * 4 + k)) as [number, number, number, number];
      if (delayUs) await this.ctx.clock.sleep(delayUs / 1000);
      this.ctx.regs.write(address, value, mask);
    }
    this.reply(req.op);
  }

  private memData(req: Request): void {
    const payload = req.data.subarray(16);
    if (word(req.data, 0) !== payload.length) return this.reply(req.op, EMPTY, StubError.badDataLen);
    if (checksum(payload) !== (req.checksum & 0xff)) return this.reply(req.op, EMPTY, StubError.badChecksum);
    if (!this.ctx.ram.block(word(req.data, 1), payload)) return this.reply(req.op, EMPTY, StubError.tooMuchData);
    this.reply(req.op);
  }

  private memEnd(req: Request): void {
    this.reply(req.op);
    if (word(req.data, 0) !== 0) return;
    const entry = word(req.data, 1);
    if (this.ctx.ram.contains(entry)) this.ctx.startStub(entry);
    else this.ctx.exit('reboot');
  }

  private flashBegin(req: Request): void {
    const size = word(req.data, 0);
    const blockSize = word(req.data, 2);
    const offset = word(req.data, 3);
    if (blockSize > MAX_BLOCK) return this.reply(req.op, EMPTY, StubError.badBlockSize);
    this.ctx.flash.beginWrite(offset, size);
    this.session = {
      offset,
      remaining: size,
      next: offset,
      erasedTo: offset - (offset % SECTOR),
      end: Math.ceil((offset + size) / SECTOR) * SECTOR,
      skipBlank: true,
      inflater: null,
    };
    this.reply(req.op);
  }

  private async flashData(req: Request, compressed: boolean): Promise<void> {
    const payload = req.data.subarray(16);
    if (!this.session) return this.reply(req.op, EMPTY, StubError.notInFlashMode);
    if (word(req.data, 0) !== payload.length || payload.length > MAX_BLOCK + 16) {
      return this.reply(req.op, EMPTY, StubError.badDataLen);
    }
    if (checksum(payload) !== (req.checksum & 0xff)) return this.reply(req.op, EMPTY, StubError.badChecksum);
    const s = this.session;
    // Acknowledge first: the host sends the next block while this one is written.
    this.reply(req.op);
    if (!compressed) return this.write(s, payload, true);
    if (word(req.data, 1) === 0 || !s.inflater) s.inflater = this.inflater();
    try {
      s.inflater.push(payload);
    } catch {
      this.pendingError = StubError.inflate;
    }
    const output = this.inflated.splice(0);
    for (const chunk of output) await this.write(s, chunk, false);
  }

  private inflater(): Unzlib {
    return new Unzlib((chunk) => this.inflated.push(chunk));
  }

  /**
   * Writes at the session's cursor, erasing lazily ahead of it, and takes the flash's time for each
   * erase and program step. Bytes past the announced size are dropped; for plain FLASH_DATA they
   * are the 0xFF padding of the last block.
   */
  private async write(s: WriteSession, bytes: Uint8Array, padded: boolean): Promise<void> {
    const n = Math.min(bytes.length, s.remaining);
    if (n < bytes.length && !(padded && bytes.subarray(n).every((b) => b === 0xff))) {
      this.pendingError = StubError.tooMuchData;
    }
    s.remaining -= n;
    let done = 0;
    while (done < n) {
      if (!this.ctx.alive()) return;
      if (s.erasedTo <= s.next) {
        const size = s.erasedTo % BLOCK === 0 && s.end - s.erasedTo >= BLOCK ? BLOCK : SECTOR;
        const start = s.erasedTo;
        s.erasedTo += size;
        if (s.skipBlank && this.ctx.flash.read(start, size).every((b) => b === 0xff)) {
          await this.ctx.clock.busy(this.ctx.flash.readTimeMs(size));
          continue;
        }
        s.skipBlank = false;
        await this.ctx.clock.busy(eraseSectors(this.ctx.flash, start, start + size));
        continue;
      }
      const piece = Math.min(n - done, s.erasedTo - s.next, SECTOR - (s.next % SECTOR));
      const ms = this.ctx.flash.program(s.next, bytes.subarray(done, done + piece));
      s.next += piece;
      done += piece;
      await this.ctx.clock.busy(ms);
    }
  }

  private async md5(req: Request): Promise<void> {
    const address = word(req.data, 0);
    const size = word(req.data, 1);
    await this.ctx.clock.busy(this.ctx.flash.readTimeMs(size));
    this.reply(req.op, md5(this.ctx.flash.read(address, size)));
  }

  private async eraseRegion(req: Request): Promise<void> {
    const offset = word(req.data, 0);
    const size = word(req.data, 1);
    if (offset % SECTOR || size % SECTOR) return this.reply(req.op, EMPTY, StubError.badDataLen);
    await this.ctx.clock.busy(eraseSectors(this.ctx.flash, offset, offset + size));
    this.reply(req.op);
  }

  /** READ_FLASH: raw frames of `packet` bytes, at most `inFlight` unacknowledged, then the MD5. */
  private async readFlash(req: Request): Promise<void> {
    const offset = word(req.data, 0);
    const length = word(req.data, 1);
    const packet = word(req.data, 2);
    const inFlight = word(req.data, 3);
    if (packet === 0 || inFlight === 0) return this.reply(req.op, EMPTY, StubError.badDataLen);
    this.reply(req.op);
    const data = this.ctx.flash.read(offset, length);
    let sent = 0;
    let acked = 0;
    while (acked < length) {
      while (sent < length && sent - acked < packet * inFlight) {
        const n = Math.min(packet, length - sent);
        await this.ctx.clock.busy(this.ctx.flash.readTimeMs(n));
        if (!this.ctx.alive()) return;
        this.ctx.send(slipEncode(data.subarray(sent, sent + n)));
        sent += n;
      }
      const ack = await this.ctx.nextFrame();
      if (!ack) return;
      if (ack.length === 4) acked = Math.max(acked, word(ack, 0));
    }
    this.ctx.send(slipEncode(md5(data)));
  }
}
