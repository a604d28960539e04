import { AnyflashError, isLineGlitch } from '../../core/errors.js';
import { bytesEqual, hexAddr, toHex, u32le } from '../../core/bytes.js';
import type { EventSink, Operation } from '../../core/events.js';
import { md5 } from '../../core/md5.js';
import { deadlineIn, throwIfAborted } from '../../core/time.js';
import type { Transport } from '../../transport/types.js';
import type { DeviceInfo, DigestScheme, FlashDevice, OpOptions, ResetMode } from '../types.js';
import type { EspChip } from './chips.js';
import { deflateBlocks, deflateBound } from './deflate-stream.js';
import type { SecurityInfo } from './detect.js';
import { isChecksumReject, type EspLoader } from './loader.js';
import {
  CHIP_ERASE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  ERASE_PER_MB_S,
  MD5_PER_MB_S,
  ROM_FLASH_BLOCK,
  Op,
  SECTOR,
  opName,
  timeoutPerMb,
} from './protocol.js';
import { hardReset, isUsbJtagSerial, runReset } from './reset.js';
import { slipEncode } from './slip.js';

export const md5Digest: DigestScheme = { name: 'md5', compute: md5, maxRange: Infinity };

export interface EspWriteOptions extends OpOptions {
  /** Send raw FLASH_DATA instead of a zlib stream. */
  uncompressed?: boolean;
}

export interface EspDeviceState {
  chip: EspChip;
  description: string;
  revision?: { major: number; minor: number };
  mac?: string;
  crystalMHz?: number;
  flashId?: number;
  flashSize: number;
  security?: SecurityInfo;
  strategy: string;
  /** Never compress writes (connect option `extra.uncompressed`). */
  uncompressed: boolean;
  /** Stub flash block size (0x4000, or 0x800 over USB-OTG CDC). */
  stubBlock: number;
  /** Port baud before the connect raised it; restored after a reset. */
  initialBaud: number;
  /**
   * Uploads the flasher stub and attaches the flash through it. Set when the connect left the chip
   * in its ROM loader because the ROM reads every fact `info` shows and digests flash: the first
   * read, erase or write beyond ROM_WRITE_BUDGET runs it.
   */
  loadStub?: () => Promise<void>;
  events: EventSink;
}

/** Sends of one smallest-size block the loader refused as corrupted, before the session gives up. */
const BLOCK_SEND_ATTEMPTS = 12;
/** Sends of a bigger block before the write goes on with smaller ones (a noisy line rarely passes them). */
const SENDS_BEFORE_SHRINK = 3;
/** Smallest data block a noisy line pushes the write down to. */
const MIN_BLOCK = 0x100;
/** Session restarts in a row without a byte of progress before the failure goes to the engine. */
const STUCK_RESTARTS = 6;
const RESTART_SETTLE_MS = 30;

/**
 * Reply deadline for a block once the line has proved noisy: a request damaged on the way gets no
 * reply at all, and waiting esptool's 3 s for each would dominate the write. 0.4 s plus a
 * generous flash time for the block; a late genuine reply only costs a session restart.
 */
function noisyBlockTimeout(bytesToFlash: number): number {
  return 400 + (bytesToFlash * 15) / 1024;
}

/** What one FLASH_(DEFL_)BEGIN…END session got through: bytes surely written, blocks refused. */
interface Session {
  accepted: number;
  rejects: number;
}

/** The user-visible operation a repeated command belongs to. */
function operationOf(op: number): Operation {
  if (op === Op.SPI_FLASH_MD5) return 'verify';
  if (op === Op.ERASE_REGION) return 'erase';
  if (op === Op.READ_FLASH_SLOW) return 'read';
  return 'write';
}

/**
 * A refused block, a damaged reply or an odd status: the chip is there and answering, so a new
 * session from the last written sector is cheap (a real flash fault repeats and, after the
 * bounded restarts, goes to the engine).
 */
function isBlockTrouble(e: unknown): boolean {
  return e instanceof AnyflashError && (e.code === 'garbled-reply' || e.code === 'device-error');
}
const READ_PACKET = 0x1000;
/** One READ_FLASH request's size while the line is clean: the extra round trips cost nothing measurable. */
const READ_CHUNK = 0x40000;
/** Chunks read again after a digest mismatch, per read, before the error goes to the engine. */
const READ_RETRIES = 64;
/** Of those, the ones that ended in silence (each costs a reply deadline). */
const READ_SILENCES = 4;
/** Time for a stub that was acknowledged in full to finish its stream before the input is dropped. */
const READ_SETTLE_MS = 100;
const READ_IN_FLIGHT = 64;
const ROM_READ_CHUNK = 64;
const WDT_KEY = 0x50d83aa1;
/**
 * Bytes a device whose stub is deferred writes through the ROM before it loads the stub. The ROM
 * writes raw 1 KiB blocks and programs each before answering (~16 ms per KiB at 921600 baud), the
 * stub streams deflate (~7 ms per KiB for an app) after a ~0.13 s upload: below ~16 KiB in all (a
 * reflash of a few changed sectors) the ROM is done first.
 */
const ROM_WRITE_BUDGET = 0x4000;

/**
 * Stub-side timeout for a deflated block: the stub ACKs first and inflates/writes while the next
 * block travels, so the time is charged to the next command, scaled by the *uncompressed* size
 * plus erase headroom (esptool#183).
 */
export function stubDeflBlockTimeout(uncompressed: number): number {
  return timeoutPerMb(ERASE_PER_MB_S, uncompressed + (Math.ceil(uncompressed / 0x8000) + 1) * 0x10000);
}

/** ESP8266 ROM erases too much in FLASH_BEGIN; this size makes it erase the intended range. */
export function esp8266EraseSize(offset: number, size: number): number {
  const sectorsPerBlock = 16;
  const numSectors = Math.ceil(size / SECTOR);
  const startSector = Math.floor(offset / SECTOR);
  let headSectors = sectorsPerBlock - (startSector % sectorsPerBlock);
  if (numSectors < headSectors) headSectors = numSectors;
  if (numSectors < 2 * headSectors) return Math.floor((numSectors + 1) / 2) * SECTOR;
  return (numSectors - headSectors) * SECTOR;
}

export class EspDevice implements FlashDevice {
  readonly family = 'esp' as const;
  readonly sectorSize = SECTOR;
  readonly digest = md5Digest;
  /** Data block for the next session: the full size, or less after a noisy line refused blocks. */
  private blockSize: number;
  /** Bytes written through the ROM while the stub was deferred (see ROM_WRITE_BUDGET). */
  private romWritten = 0;
  /** Bytes per READ_FLASH request: large, or smaller after digests showed a noisy line. */
  private readChunk = READ_CHUNK;

  constructor(
    readonly loader: EspLoader,
    private state: EspDeviceState,
  ) {
    this.blockSize = this.fullBlock;
    loader.onRepeat = (op, attempt, cause) => state.events({ type: 'retry', op: operationOf(op), attempt, cause: `${opName(op)} sent again: ${cause}` });
  }

  get transport(): Transport {
    return this.loader.transport;
  }

  get chip(): string {
    return this.state.chip.name;
  }

  /** The chip's table row (bootloader offset, flash-size nibbles… for image checks). */
  get chipRow(): EspChip {
    return this.state.chip;
  }

  get flashSize(): number {
    return this.state.flashSize;
  }

  /** Writes go through the stub's FLASH_DEFL (loaded now or on the first larger write). */
  get compressesWrites(): boolean {
    return (this.loader.stub || this.state.loadStub !== undefined) && !this.state.uncompressed;
  }

  get mode(): 'rom' | 'stub' {
    return this.loader.stub ? 'stub' : 'rom';
  }

  /** Loads the flasher stub the connect deferred (see `EspDeviceState.loadStub`). */
  private async stubReady(): Promise<void> {
    const load = this.state.loadStub;
    if (!load) return;
    await load();
    this.state.loadStub = undefined;
    this.blockSize = this.fullBlock;
  }

  get blind(): string | undefined {
    return !this.loader.stub && this.state.chip.name === 'esp8266' ? 'the ESP8266 ROM has no SPI_FLASH_MD5 or READ_FLASH (--no-stub)' : undefined;
  }

  async info(): Promise<DeviceInfo> {
    const s = this.state;
    const extra: Record<string, string | number | boolean> = {
      bootloaderOffset: s.chip.bootloaderOffset,
    };
    if (s.security) {
      extra.securityFlags = s.security.flags;
      extra.securityFlagNames = s.security.flagNames.join(',') || 'none';
      extra.flashCryptCnt = s.security.flashCryptCnt;
      if (s.security.chipId !== undefined) extra.chipId = s.security.chipId;
      if (s.security.apiVersion !== undefined) extra.apiVersion = s.security.apiVersion;
    }
    return {
      family: 'esp',
      chip: s.chip.name,
      description: s.description,
      revision: s.revision ? `v${s.revision.major}.${s.revision.minor}` : undefined,
      features: [...s.chip.features],
      mac: s.mac,
      crystalMHz: s.crystalMHz,
      flashId: s.flashId,
      flashSize: s.flashSize,
      strategy: s.strategy,
      baud: this.transport.baud,
      mode: this.mode,
      extra,
    };
  }

  async flashDigest(address: number, size: number, options: OpOptions = {}): Promise<Uint8Array> {
    if (!this.loader.stub && this.state.chip.name === 'esp8266') throw this.romUnsupported('Checking flash contents', 'SPI_FLASH_MD5');
    return this.loader.flashMd5(address, size, timeoutPerMb(MD5_PER_MB_S, size), options.signal);
  }

  async writeFlash(address: number, data: Uint8Array, options: EspWriteOptions = {}): Promise<void> {
    if (data.length === 0) return;
    if (this.state.loadStub && this.romWritten + data.length <= ROM_WRITE_BUDGET) this.romWritten += data.length;
    else await this.stubReady();
    const deflate = this.loader.stub && !options.uncompressed && !this.state.uncompressed;
    let from = 0;
    let troubled = false;
    let lastSilence = -1;
    let stuck = 0;
    for (let restarts = 0; ; restarts++) {
      const session: Session = { accepted: 0, rejects: 0 };
      const start = from;
      const onProgress = options.onProgress && ((n: number) => options.onProgress!(start + n));
      try {
        await this.writeSession(address + from, data.subarray(from), deflate, session, { signal: options.signal, onProgress });
        troubled ||= session.rejects > 0;
        // A clean write lets the next one try bigger blocks again; a noisy one keeps the small size.
        if (!troubled) this.blockSize = Math.min(this.fullBlock, this.blockSize * 2);
        return;
      } catch (e) {
        // A lost request gets no reply at all: one silence is worth a restart here, but silence
        // again without progress is a stalled or reset chip, which the engine handles.
        const reached = from + session.accepted;
        const silence = e instanceof AnyflashError && e.code === 'timeout' && reached > lastSilence;
        const canShrink = isChecksumReject(e) && this.blockSize > MIN_BLOCK;
        stuck = reached > from || canShrink ? 0 : stuck + 1;
        if (!(isBlockTrouble(e) || silence) || stuck >= STUCK_RESTARTS) throw e;
        throwIfAborted(options.signal);
        troubled = true;
        // Everything the loader acknowledged is (or is being) written; go on from the sector it reached.
        from = Math.max(from, Math.floor((address + reached) / SECTOR) * SECTOR - address);
        if (silence) lastSilence = from;
        // Drop whatever is left of the damaged exchange so it is not read as the next reply.
        await this.loader.settle(RESTART_SETTLE_MS, options.signal);
        // Only refused blocks say the blocks are too big for the line; a lost or garbled reply does not.
        // Many refusals in one session mean a line far too noisy for this size: shrink by more than half.
        if (canShrink) this.blockSize = Math.max(MIN_BLOCK, this.blockSize / (session.rejects >= 4 ? 8 : session.rejects >= 2 ? 4 : 2));
        this.state.events({
          type: 'retry',
          op: 'write',
          attempt: restarts + 1,
          address: address + from,
          cause: `${(e as Error).message} Going on with ${this.blockSize}-byte blocks.`,
        });
      }
    }
  }

  private get fullBlock(): number {
    return this.loader.stub ? this.state.stubBlock : ROM_FLASH_BLOCK;
  }

  /**
   * Sends a flash block again while the loader answers that it arrived corrupted; after a few
   * refusals of a big block the session gives up, so the write goes on with smaller ones.
   */
  private async sendBlock(seq: number, session: Session, signal: AbortSignal | undefined, send: () => Promise<void>): Promise<void> {
    const limit = this.blockSize > MIN_BLOCK ? SENDS_BEFORE_SHRINK : BLOCK_SEND_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (e) {
        if (!isChecksumReject(e) || attempt >= limit) throw e;
        throwIfAborted(signal);
        session.rejects++;
        this.state.events({ type: 'retry', op: 'write', attempt, cause: `block ${seq}: ${(e as Error).message}` });
      }
    }
  }

  private async writeSession(address: number, data: Uint8Array, deflate: boolean, session: Session, options: OpOptions): Promise<void> {
    return deflate ? this.writeDeflated(address, data, session, options) : this.writeRaw(address, data, session, options);
  }

  /**
   * Compresses while it sends: the first block leaves once its slice is deflated, and the next
   * ones are compressed while earlier ones cross the wire and are programmed. The block count in
   * FLASH_DEFL_BEGIN is an upper bound (the stub only bounds the compressed input by it and ends
   * with the zlib stream); the chip's MD5 verify afterwards checks what was written.
   */
  private async writeDeflated(address: number, data: Uint8Array, session: Session, options: OpOptions): Promise<void> {
    const { signal, onProgress } = options;
    const block = this.blockSize;
    const noisy = block < this.fullBlock;
    const blocks = Math.ceil(deflateBound(data.length, block) / block);
    await this.loader.flashDeflBegin([data.length, blocks, block, address], DEFAULT_TIMEOUT_MS, signal);
    // The reply to block N arrives before block N is written, so its cost lands on the next command.
    let timeout = DEFAULT_TIMEOUT_MS;
    // Block N+1 is compressed and encoded while block N crosses the wire: it leaves the moment N is answered.
    const produced = deflateBlocks(data, block);
    const prepare = async (seq: number) => {
      const r = await produced.next();
      return r.done ? undefined : { seq, block: r.value, frame: this.loader.encodeDeflData(r.value.data, seq) };
    };
    let following: Promise<Awaited<ReturnType<typeof prepare>>> | undefined;
    try {
      for (let next = await prepare(0); next; next = await following) {
        throwIfAborted(signal);
        const { seq, block: b, frame } = next;
        const t = timeout;
        following = prepare(seq + 1);
        await this.sendBlock(seq, session, signal, () => this.loader.flashDeflData(b.data, seq, t, signal, frame));
        const inflated = b.inflatedAtMost - session.accepted;
        timeout = noisy ? noisyBlockTimeout(inflated) : stubDeflBlockTimeout(inflated);
        // The last block's data is certain only once FLASH_DEFL_END has answered.
        if (b.inflatedAtLeast < data.length) session.accepted = b.inflatedAtLeast;
        onProgress?.(session.accepted);
      }
    } finally {
      // A failed send leaves the next block unwanted: its compression ends with the producer.
      following?.catch(() => undefined);
      await produced.return(undefined);
    }
    // FLASH_DEFL_END answers only after the last block is in flash: the completion barrier.
    await this.loader.flashDeflEnd(true, timeout, signal);
    session.accepted = data.length;
    onProgress?.(data.length);
  }

  private async writeRaw(address: number, data: Uint8Array, session: Session, options: OpOptions): Promise<void> {
    const { signal, onProgress } = options;
    const stub = this.loader.stub;
    const block = this.blockSize;
    const timeout = block < this.fullBlock ? noisyBlockTimeout(block) : DEFAULT_TIMEOUT_MS;
    const blocks = Math.ceil(data.length / block);
    await this.flashBegin(address, data.length, blocks, block, signal);
    for (let seq = 0; seq < blocks; seq++) {
      throwIfAborted(signal);
      let chunk = data.subarray(seq * block, (seq + 1) * block);
      if (chunk.length < block) {
        const padded = new Uint8Array(block).fill(0xff);
        padded.set(chunk);
        chunk = padded;
      }
      const c = chunk;
      await this.sendBlock(seq, session, signal, () => this.loader.flashData(c, seq, timeout, signal));
      // The stub acknowledges a block before writing it: count it once the next one is answered.
      session.accepted = Math.min((stub ? seq : seq + 1) * block, data.length);
      onProgress?.(Math.min((seq + 1) * block, data.length));
    }
    // The stub ACKs before writing; a cheap command after the last block waits for the write.
    if (stub) await this.loader.readReg(0x40001000, { timeoutMs: stubDeflBlockTimeout(block), signal });
    session.accepted = data.length;
  }

  /** FLASH_BEGIN: the stub erases lazily; the ROM erases the whole range now. */
  private async flashBegin(address: number, size: number, blocks: number, block: number, signal?: AbortSignal): Promise<void> {
    if (this.loader.stub) {
      await this.loader.flashBegin([size, blocks, block, address], DEFAULT_TIMEOUT_MS, signal);
      return;
    }
    const chip = this.state.chip;
    const eraseSize = chip.name === 'esp8266' ? esp8266EraseSize(address, size) : size;
    const words = [eraseSize, blocks, block, address];
    if (chip.romFlashBeginEncryptWord) words.push(0);
    await this.loader.flashBegin(words, timeoutPerMb(ERASE_PER_MB_S, size), signal);
  }

  async readFlash(address: number, size: number, options: OpOptions = {}): Promise<Uint8Array> {
    if (size === 0) return new Uint8Array(0);
    await this.stubReady();
    return this.loader.stub ? this.readChunked(address, size, options) : this.readSlow(address, size, options);
  }

  /**
   * Reads in READ_FLASH requests of `readChunk` bytes, each closed by the stub's digest. A digest
   * that does not match means bits flipped on the way: that chunk is read again, in smaller
   * requests, so a noisy line still gets every byte through.
   */
  private async readChunked(address: number, size: number, options: OpOptions): Promise<Uint8Array> {
    const out = new Uint8Array(size);
    let failures = 0;
    let silences = 0;
    for (let got = 0; got < size; ) {
      throwIfAborted(options.signal);
      const n = Math.min(this.readChunk, size - got);
      const at = got;
      try {
        out.set(await this.readStreamed(address + got, n, { signal: options.signal, onProgress: (k) => options.onProgress?.(at + k) }), got);
        got += n;
      } catch (e) {
        const silent = e instanceof AnyflashError && e.code === 'timeout';
        const retryable = e instanceof AnyflashError && (e.code === 'verify-mismatch' || e.code === 'garbled-reply' || (silent && silences++ < READ_SILENCES));
        if (!retryable || ++failures > READ_RETRIES) throw e;
        this.readChunk = Math.max(MIN_BLOCK, this.readChunk / 4);
        // Whatever is left of the damaged stream must not be read as the next reply.
        await this.loader.settle(READ_SETTLE_MS, options.signal);
        this.state.events({ type: 'retry', op: 'read', attempt: failures, address: address + got, cause: `${e.message} Reading it again in ${this.readChunk}-byte requests.` });
      }
    }
    return out;
  }

  private async readStreamed(address: number, size: number, options: OpOptions): Promise<Uint8Array> {
    const { signal, onProgress } = options;
    const reader = this.loader.reader;
    try {
      await this.loader.readFlashStart(address, size, Math.min(READ_PACKET, size), READ_IN_FLIGHT, signal);
    } catch (e) {
      // With the reply lost the stub may be streaming already: acknowledging everything lets it
      // finish, and the caller drops what it sends before asking again.
      if (isLineGlitch(e)) await this.transport.write(slipEncode(u32le(size)));
      throw e;
    }
    const out = new Uint8Array(size);
    let got = 0;
    // A packet of the wrong length was damaged in its framing: take it at the length the stub sent,
    // so the acknowledgements stay in step, and let the digest condemn the chunk.
    let misframed = false;
    const next = async (): Promise<Uint8Array> => {
      try {
        return await reader.readFrame(deadlineIn(DEFAULT_TIMEOUT_MS), signal);
      } catch (e) {
        // Two packets merged by a damaged END leave the stub waiting for an acknowledgement we
        // never send; acknowledging everything lets it finish the stream before the next request.
        if (e instanceof AnyflashError && e.code === 'timeout') await this.transport.write(slipEncode(u32le(size)));
        throw e;
      }
    };
    while (got < size) {
      const frame = await next();
      const expected = Math.min(READ_PACKET, size - got);
      if (frame.length !== expected) misframed = true;
      out.set(frame.subarray(0, expected), got);
      got += expected;
      await this.transport.write(slipEncode(u32le(got)));
      onProgress?.(got);
    }
    const digest = await next();
    const local = md5(out);
    if (misframed || digest.length !== 16 || !bytesEqual(digest, local)) {
      throw new AnyflashError('verify-mismatch', `READ_FLASH digest mismatch at ${hexAddr(address)}: the data was corrupted in transfer.`, {
        family: 'esp',
        chip: this.chip,
        address,
        evidence: [`device md5 ${toHex(digest)}`, `received md5 ${toHex(local)}`],
        advice: ['Retry the read; lower the baud rate if it keeps happening.'],
      });
    }
    return out;
  }

  private async readSlow(address: number, size: number, options: OpOptions): Promise<Uint8Array> {
    if (this.state.chip.name === 'esp8266') throw this.romUnsupported('Reading flash', 'READ_FLASH_SLOW');
    const out = new Uint8Array(size);
    for (let off = 0; off < size; off += ROM_READ_CHUNK) {
      throwIfAborted(options.signal);
      const n = Math.min(ROM_READ_CHUNK, size - off);
      out.set(await this.loader.readFlashSlow(address + off, n, options.signal), off);
      options.onProgress?.(off + n);
    }
    return out;
  }

  async eraseFlash(address: number, size: number, options: OpOptions = {}): Promise<void> {
    if (size === 0) return;
    await this.stubReady();
    if (this.loader.stub) {
      await this.loader.eraseRegion(address, size, timeoutPerMb(ERASE_PER_MB_S, size), options.signal);
    } else {
      // The ROM erases the whole announced range when FLASH_BEGIN arrives.
      await this.flashBegin(address, size, 0, ROM_FLASH_BLOCK, options.signal);
    }
    options.onProgress?.(size);
  }

  async eraseAll(options: OpOptions = {}): Promise<void> {
    await this.stubReady();
    if (!this.loader.stub) throw this.romUnsupported('Erasing the whole flash', 'ERASE_FLASH');
    await this.loader.eraseFlash(CHIP_ERASE_TIMEOUT_MS, options.signal);
    options.onProgress?.(this.flashSize);
  }

  private romUnsupported(what: string, command: string): AnyflashError {
    return new AnyflashError('unsupported', `${what} needs the flasher stub; the ${this.state.chip.description} ROM has no ${command}.`, {
      family: 'esp',
      chip: this.chip,
      advice: ['Connect without --no-stub.', ...(command === 'ERASE_FLASH' ? ['Or erase a region instead: the ROM erases ranges through FLASH_BEGIN.'] : [])],
    });
  }

  async reset(mode: ResetMode): Promise<void> {
    switch (mode) {
      case 'none':
        return;
      case 'stay':
        // esptool's no-reset-stub: the stub stays running for the next command, also after `info`.
        await this.stubReady();
        return;
      case 'hard':
        if (!this.transport.canSignal) {
          this.state.events({ type: 'note', level: 'warn', message: `Cannot hard-reset over ${this.transport.kind}: reset the chip manually.` });
          return;
        }
        await runReset(this.transport, hardReset(isUsbJtagSerial(this.transport)));
        break;
      case 'soft':
        if (this.loader.stub) await this.loader.runUserCode();
        else {
          await this.flashBegin(0, 0, 0, ROM_FLASH_BLOCK);
          await this.loader.flashEnd(true);
        }
        break;
      case 'watchdog':
        await this.watchdogReset();
        break;
    }
    // The restarted chip talks at its boot rate again; a monitor that follows needs the port there too.
    if (this.transport.canSetBaud && this.transport.baud !== this.state.initialBaud) await this.transport.setBaud(this.state.initialBaud);
  }

  /** Forces a system reset through the RTC/LP watchdog (re-samples strapping pins, unlike a core reset). */
  private async watchdogReset(): Promise<void> {
    const wdt = this.state.chip.watchdog;
    if (!wdt) {
      throw new AnyflashError('unsupported', `Watchdog reset is not available on the ${this.state.chip.description}.`, {
        family: 'esp',
        chip: this.chip,
        advice: ['Use a hard reset (RTS) or power-cycle the board.'],
      });
    }
    await this.loader.writeReg([{ addr: wdt.wprotect, value: WDT_KEY }]);
    await this.loader.writeReg([{ addr: wdt.config1, value: 2000 }]);
    await this.loader.writeReg([{ addr: wdt.config0, value: (1 << 31) | (5 << 28) | (1 << 8) | 2 }]);
    try {
      await this.loader.writeReg([{ addr: wdt.wprotect, value: 0 }], { timeoutMs: 500 });
    } catch (e) {
      // The chip may already be resetting: a missing reply, or its boot text instead, is what was asked for.
      if (!(e instanceof AnyflashError) || !['timeout', 'no-response', 'device-rebooted'].includes(e.code)) throw e;
    }
  }

  async disconnect(): Promise<void> {}
}
