/**
 * A connected BK72xx: flash digests (CheckCRC, cached per 64 KiB block and combined), writes with
 * the largest erase that fits and no writes of blank sectors, CRC-checked reads, protection
 * handling and the bootloader guard.
 */
import { AnyflashError, isAnyflashError, isLineGlitch } from '../../core/errors.js';
import { hexAddr, isAllFF, readU32le, toHex, u32le } from '../../core/bytes.js';
import type { EventSink } from '../../core/events.js';
import { throwIfAborted } from '../../core/time.js';
import type { Transport } from '../../transport/types.js';
import { DamageWatch, NOISY_SECTOR_LIMITS, settleSector, type SectorOps } from '../noisy-sector.js';
import type { DeviceInfo, DigestScheme, FlashDevice, OpOptions, ResetMode, Stray } from '../types.js';
import {
  BOOTLOADER_END,
  CRC_BYTES_PER_SECOND,
  EFUSE_CTRL,
  EFUSE_DATA,
  MAC_TLV_MARKER,
  TUYA_DEFAULT_KEY,
} from './chips.js';
import { readAgreed, retried } from './agreed.js';
import { bekenCrc, bekenCrcOfSuffix, combineBekenCrc } from './crc.js';
import type { Detection } from './detect.js';
import { flashProtectFor, flashVendor } from './flash-protect.js';
import { ERASE_BYTES } from './commands.js';
import { EraseSize } from './frames.js';
import type { BekenLink } from './link.js';

const SECTOR = 0x1000;
const BLOCK = 0x10000;
/** A block is digested from its cached sectors when at most this many must still be asked for. */
const MAX_MISSING_SECTORS = 2;
/** Attempts per erase block / read group / CRC before giving up. */
const ATTEMPTS = 4;
/** Reply patience beyond wire time and work once the line is known to damage frames. */
const NOISY_PATIENCE_MS = 150;
/** FlashWrite programs at most one page. */
const PAGE = 0x100;
/** Status errors in a row (a damaged request the chip refused) before one is believed. */
const REFUSALS = 4;
/** Typical 64 KiB block erase of the SPI flash parts on Beken modules, per byte (150 ms per block). */
const ERASE_SECONDS_PER_BYTE = 0.15 / BLOCK;

/** An erase or write whose reply was lost: where one flipped bit could have sent it is suspect. */
interface LostRequest {
  address: number;
  size: number;
  /** For an erase, its size code (a misread command code takes it for an address byte). */
  eraseCode?: number;
}

export const bekenDigest: DigestScheme = {
  name: 'beken-crc32',
  compute: (data) => u32le(bekenCrc(data)),
  maxRange: Infinity,
};

export interface BekenDeviceOptions {
  /** Allow erase/write below 0x11000 on chips whose loader lives there. */
  bootloader: boolean;
  /** Leave the status-register protection as found (writes then fail on protected parts). */
  keepProtection: boolean;
  /** Restore the status register found at connect before resetting or disconnecting. */
  reprotect: boolean;
  events: EventSink;
}

const blankCrcs = new Map<number, number>();

/** Chip CRC of `size` erased bytes. */
function blankCrc(size: number): number {
  let crc = blankCrcs.get(size);
  if (crc === undefined) {
    crc = bekenCrc(new Uint8Array(size).fill(0xff));
    blankCrcs.set(size, crc);
  }
  return crc;
}

export class BekenFlashDevice implements FlashDevice {
  readonly family = 'beken' as const;
  readonly sectorSize = SECTOR;
  readonly digest = bekenDigest;
  readonly chip: string;
  readonly flashSize: number;
  /** Chip CRCs of ranges measured this session, keyed `start:length`; dropped when the range changes. */
  private crcCache = new Map<string, { start: number; end: number; crc: number }>();
  private unprotected = false;
  /** Status register as found, when we cleared its protection bits. */
  private foundSr: { value: number; bytes: 1 | 2 } | undefined;
  /** BASIC loaders re-protect the flash after each CheckCRC until the next LinkCheck. */
  private crcLocked = false;
  private infoCache: DeviceInfo | undefined;
  /** Sectors a damaged erase or write reached instead of the one meant (see `takeStrays`). */
  private readonly strays = new Set<number>();
  /** Erases and writes on a line known to damage data whose reply was lost (see `takeStrays`). */
  private lost: LostRequest[] = [];
  private lastRequest: LostRequest = { address: 0, size: 0 };
  private readonly damage: DamageWatch;

  constructor(
    readonly link: BekenLink,
    readonly detection: Detection,
    readonly options: BekenDeviceOptions,
  ) {
    this.chip = detection.chip.name;
    this.flashSize = detection.flashSize;
    this.damage = new DamageWatch(SECTOR, options.events, 'chip');
  }

  get transport(): Transport {
    return this.link.transport;
  }

  /** The chip's CheckCRC (~400 kB/s) against erasing and sending a byte (10 bits) at the link's baud. */
  get digestCost(): number {
    return 1 / CRC_BYTES_PER_SECOND / (10 / this.transport.baud + ERASE_SECONDS_PER_BYTE);
  }

  private get session() {
    return this.link.session;
  }

  private get full(): boolean {
    return this.detection.protocol === 'FULL';
  }

  /** Address as sent: BASIC loaders refuse < 0x11000, so every offset goes through the flash wrap. */
  private wire(address: number): number {
    return this.full ? address : address + this.flashSize;
  }

  // — Digests —

  async flashDigest(address: number, size: number, options: OpOptions = {}): Promise<Uint8Array> {
    let crc = 0xffffffff;
    let first = true;
    for (let s = address; s < address + size; ) {
      const e = Math.min(address + size, Math.floor(s / BLOCK) * BLOCK + BLOCK);
      const piece = this.known(s, e) ?? (await this.fromSectors(s, e - s, options.signal)) ?? (await this.askChip(s, e - s, options.signal));
      crc = first ? piece : combineBekenCrc(crc, piece, e - s);
      first = false;
      options.onProgress?.(e - address);
      s = e;
    }
    return u32le(crc);
  }

  /**
   * A block whose parts were mostly measured already (the engine narrows a changed block down to
   * its sectors, then verifies the block after rewriting them): combine the cached CRCs of those
   * parts and ask the chip only for the few sectors not covered, instead of the whole block.
   */
  private async fromSectors(address: number, size: number, signal?: AbortSignal): Promise<number | undefined> {
    if (size <= SECTOR || address % SECTOR !== 0 || size % SECTOR !== 0 || this.crcCache.has(`${address}:${size}`)) return undefined;
    const end = address + size;
    const parts: Array<{ address: number; size: number }> = [];
    let missing = 0;
    for (let a = address; a < end; ) {
      const cached = this.longestCachedAt(a, end);
      if (!cached) missing++;
      parts.push({ address: a, size: cached ?? SECTOR });
      a += cached ?? SECTOR;
    }
    if (missing > MAX_MISSING_SECTORS) return undefined;
    let crc: number | undefined;
    for (const p of parts) {
      const piece = await this.chipCrc(p.address, p.size, signal);
      crc = crc === undefined ? piece : combineBekenCrc(crc, piece, p.size);
    }
    return crc;
  }

  /** Length of the longest cached CRC range that starts at `at` and ends by `end`, in whole sectors. */
  private longestCachedAt(at: number, end: number): number | undefined {
    for (let len = end - at; len >= SECTOR; len -= SECTOR) if (this.crcCache.has(`${at}:${len}`)) return len;
    return undefined;
  }

  /** CRC of [start, end) put together from cached ranges alone, or undefined when one is missing. */
  private composed(start: number, end: number): number | undefined {
    let crc: number | undefined;
    for (let a = start; a < end; ) {
      const len = this.longestCachedAt(a, end);
      if (len === undefined) return undefined;
      const piece = this.crcCache.get(`${a}:${len}`)!.crc;
      crc = crc === undefined ? piece : combineBekenCrc(crc, piece, len);
      a += len;
    }
    return crc;
  }

  /**
   * CRC of [start, end) as the tail of a measured range that ends there and whose head is known:
   * narrowing a changed block asks for the second half after the block and its first half.
   */
  private derived(start: number, end: number): number | undefined {
    for (const v of this.crcCache.values()) {
      if (v.end !== end || v.start >= start) continue;
      const head = this.composed(v.start, start);
      if (head !== undefined) return bekenCrcOfSuffix(v.crc, head, end - start);
    }
    return undefined;
  }

  /** CRC of [start, end) when this session measured it, or it follows from what was measured. */
  private known(start: number, end: number): number | undefined {
    const key = `${start}:${end - start}`;
    const crc = this.crcCache.get(key)?.crc ?? this.derived(start, end);
    if (crc !== undefined) this.crcCache.set(key, { start, end, crc });
    return crc;
  }

  /** CRC of [address, address+size): known already, or by CheckCRC. */
  private async chipCrc(address: number, size: number, signal?: AbortSignal): Promise<number> {
    return this.known(address, address + size) ?? this.askChip(address, size, signal);
  }

  /** CheckCRC over [address, address+size), kept for the session. */
  private async askChip(address: number, size: number, signal?: AbortSignal): Promise<number> {
    const key = `${address}:${size}`;
    const start = this.wire(address);
    const end = this.full ? start + size - 1 : start + size;
    // Generous: chips and flash parts differ, and a timeout here costs a re-link.
    const workMs = (size / CRC_BYTES_PER_SECOND) * 1000 * 3;
    const crc = await this.withRecovery(`CRC at ${hexAddr(address)}`, address, signal, async () => {
      const raw = await this.session.checkCrc(start, end, workMs, signal);
      if (!this.full) this.crcLocked = true;
      return raw;
    });
    this.crcCache.set(key, { start: address, end: address + size, crc });
    return crc;
  }

  /**
   * True when a CRC measured this session shows [start, end) erased: a range inside one that reads
   * all 0xFF needs no erase before it is written (after the compare found a blank chip, that saves
   * the 150 ms erase per 64 KiB).
   */
  private knownBlank(start: number, end: number): boolean {
    for (const v of this.crcCache.values()) {
      if (v.start <= start && v.end >= end && v.crc === blankCrc(v.end - v.start)) return true;
    }
    return false;
  }

  private forget(start: number, end: number): void {
    for (const [k, v] of this.crcCache) if (v.start < end && v.end > start) this.crcCache.delete(k);
  }

  // — Writing —

  async writeFlash(address: number, data: Uint8Array, options: OpOptions = {}): Promise<void> {
    this.checkRange(address, data.length, 'write');
    await this.prepareChange(options.signal);
    if (this.damage.damages(address, data.length)) {
      // Damaged requests get no reply at all; waiting the full second for each costs more than the work.
      this.session.patienceMs = NOISY_PATIENCE_MS;
      return this.writeSectors(address, data, options);
    }
    const end = address + data.length;
    let done = 0;
    const ops = this.eraseOps(address, end);
    // Erase units this session's CRCs showed erased, decided before anything changes here.
    const blank = new Set(ops.filter((op) => this.knownBlank(op.address, op.address + op.size)).map((op) => op.address));
    for (const op of ops) {
      throwIfAborted(options.signal);
      const chunk = data.subarray(op.address - address, op.address - address + op.size);
      let tries = 0;
      await this.attempt('write', op.address, op.size, options.signal, async () => {
        // After a failed try, a damaged request may have reached any sector: erase from then on.
        if (tries++ > 0) blank.clear();
        // Dropped before the first change: a write that fails halfway must not leave 'erased' behind.
        this.forget(op.address, op.address + op.size);
        this.lastRequest = { address: op.address, size: op.size, eraseCode: op.code };
        if (!blank.has(op.address)) await this.erase(op.code, op.address, options.signal);
        for (let off = 0; off < op.size; off += SECTOR) {
          const sector = chunk.subarray(off, off + SECTOR);
          // An erased sector already reads 0xFF: sending it would only cost wire time.
          if (isAllFF(sector)) continue;
          this.lastRequest = { address: op.address + off, size: SECTOR };
          await this.session.flashWrite4K(this.wire(op.address + off), sector, options.signal);
        }
      });
      this.damage.acknowledged(op.address, op.size);
      done += op.size;
      options.onProgress?.(done);
    }
  }

  private async writeSectors(address: number, data: Uint8Array, options: OpOptions): Promise<void> {
    for (let off = 0; off < data.length; off += SECTOR) {
      throwIfAborted(options.signal);
      const at = address + off;
      const want = data.subarray(off, off + SECTOR);
      if (this.known(at, at + SECTOR) !== bekenCrc(want)) await settleSector(at, want, this.sectorOps(at, options.signal), NOISY_SECTOR_LIMITS, options.signal);
      this.damage.acknowledged(at, SECTOR);
      this.crcCache.set(`${at}:${SECTOR}`, { start: at, end: at + SECTOR, crc: bekenCrc(want) });
      options.onProgress?.(off + SECTOR);
    }
  }

  /** Erase, FlashWrite4K or FlashWrite, and CheckCRC for one sector, as the noisy-line writer uses them. */
  private sectorOps(at: number, signal?: AbortSignal): SectorOps {
    let refusals = 0;
    // A reply that came back damaged or refused still means the chip parsed the request and is in
    // step: the sector CRC that follows decides, so the cycle goes on. Only where the reply echoed
    // another address did the request act elsewhere.
    const acted = async (run: () => Promise<void>): Promise<void> => {
      try {
        await run();
        refusals = 0;
      } catch (e) {
        // A request whose reply was lost may have had its address damaged too.
        if (isAnyflashError(e, 'timeout')) this.lost.push(this.lastRequest);
        const refused = isAnyflashError(e, 'device-error') && ++refusals < REFUSALS;
        if (!isAnyflashError(e, 'garbled-reply') && !refused) throw e;
        if (this.noteStray(at, at + SECTOR)) this.crcCache.clear();
      }
    };
    return {
      erase: () =>
        acted(async () => {
          this.lastRequest = { address: at, size: SECTOR, eraseCode: EraseSize.Sector4K };
          await this.prepareChange(signal);
          this.forget(at, at + SECTOR);
          await this.erase(EraseSize.Sector4K, at, signal);
        }),
      program: (offset, data) =>
        acted(async () => {
          this.lastRequest = { address: at + offset, size: data.length };
          await this.prepareChange(signal);
          this.forget(at + offset, at + offset + data.length);
          if (data.length === SECTOR) await this.session.flashWrite4K(this.wire(at), data, signal);
          else await this.session.flashWrite(this.wire(at + offset), data, signal);
        }),
      crc: (offset, length) => this.askChip(at + offset, length, signal),
      expected: bekenCrc,
      recover: async (e) => {
        if (!isLineGlitch(e)) throw withAdvice(e, at);
        // No reply: where a damaged request acted is unknown, so no CRC measured before is trusted.
        this.crcCache.clear();
        await this.link.recover();
        this.crcLocked = false;
      },
    };
  }

  /**
   * After a failed exchange while erasing or writing [from, to): when the reply echoed an erase or
   * a write at another address, the request was damaged on the way and the chip acted there.
   */
  private noteStray(from: number, to: number): boolean {
    const last = this.session.lastEcho;
    this.session.lastEcho = undefined;
    if (!last) return false;
    let start: number;
    let size: number;
    if (last.request === 'FlashErase') {
      start = readU32le(last.echo, 1);
      size = ERASE_BYTES[last.echo[0]!] ?? SECTOR;
      start -= start % size;
    } else if (last.request === 'FlashWrite4K' || last.request === 'FlashWrite') {
      start = readU32le(last.echo, 0);
      size = last.request === 'FlashWrite' ? PAGE : SECTOR;
    } else {
      return false;
    }
    const reached = this.sectorsOf(start, size);
    const before = this.strays.size;
    for (let s = reached.start; s < reached.end; s += SECTOR) if (s < from || s >= to) this.strays.add(s);
    return this.strays.size > before;
  }

  /** The sectors [address, address+size) covers, the address taken through the flash wrap. */
  private sectorsOf(address: number, size: number): { start: number; end: number } {
    const at = address % this.flashSize;
    return { start: at - (at % SECTOR), end: Math.min(this.flashSize, Math.ceil((at + size) / SECTOR) * SECTOR) };
  }

  /**
   * Where a request whose reply was lost acted, had one bit of it flipped: any address bit, or
   * FlashErase (0x0F) read as FlashErase4K (0x0B), which takes the size code as its low address byte.
   */
  private misdirected(lost: LostRequest): Array<{ start: number; end: number }> {
    // The chip aligns an erase address down to the erase size (flash sizes are multiples of it).
    const erase = lost.eraseCode !== undefined;
    const reach = (address: number, size: number): { start: number; end: number } => this.sectorsOf(erase ? address - (address % size) : address, size);
    const out: Array<{ start: number; end: number }> = [];
    for (let bit = 1; bit < this.flashSize; bit *= 2) out.push(reach((lost.address ^ bit) >>> 0, lost.size));
    if (erase) out.push(reach((lost.eraseCode! | (this.wire(lost.address) << 8)) >>> 0, SECTOR));
    return out;
  }

  takeStrays(): Stray[] {
    const out: Stray[] = [...this.strays].sort((a, b) => a - b).map((s) => ({ start: s, end: s + SECTOR }));
    for (const lost of this.lost) {
      const own = this.sectorsOf(lost.address, lost.size);
      for (const x of this.misdirected(lost)) if (x.start !== own.start || x.end !== own.end) out.push({ ...x, suspect: true });
    }
    this.strays.clear();
    this.lost = [];
    return out;
  }

  async eraseFlash(address: number, size: number, options: OpOptions = {}): Promise<void> {
    this.checkRange(address, size, 'erase');
    await this.prepareChange(options.signal);
    let done = 0;
    for (const op of this.eraseOps(address, address + size)) {
      await this.attempt('erase', op.address, op.size, options.signal, () => this.erase(op.code, op.address, options.signal));
      this.forget(op.address, op.address + op.size);
      done += op.size;
      options.onProgress?.(done);
    }
  }

  async eraseAll(options: OpOptions = {}): Promise<void> {
    if (!this.full) {
      // Flash bootloaders have no chip erase; erase everything above the loader (or all with --bootloader).
      const from = this.options.bootloader ? 0 : BOOTLOADER_END;
      return this.eraseFlash(from, this.flashSize - from, options);
    }
    await this.prepareChange(options.signal);
    const workMs = (this.flashSize / 0x100000) * 15000;
    await this.attempt('erase', 0, this.flashSize, options.signal, () => this.session.flashEraseAll(workMs, options.signal));
    this.crcCache.clear();
    options.onProgress?.(this.flashSize);
  }

  /** Largest erase per step: 64 KiB blocks, 32 KiB where the loader knows it, 4 KiB elsewhere. */
  private eraseOps(start: number, end: number): { code: number; address: number; size: number }[] {
    const ops: { code: number; address: number; size: number }[] = [];
    for (let a = start; a < end; ) {
      if (a % 0x10000 === 0 && a + 0x10000 <= end) ops.push({ code: EraseSize.Block64K, address: a, size: 0x10000 });
      else if (this.detection.chip.erase32K && this.full && a % 0x8000 === 0 && a + 0x8000 <= end)
        ops.push({ code: EraseSize.Block32K, address: a, size: 0x8000 });
      else ops.push({ code: EraseSize.Sector4K, address: a, size: SECTOR });
      a += ops[ops.length - 1]!.size;
    }
    return ops;
  }

  private async erase(code: number, address: number, signal?: AbortSignal): Promise<void> {
    const workMs = code === EraseSize.Sector4K ? 500 : code === EraseSize.Block32K ? 1500 : 2500;
    await this.session.flashErase(code, this.wire(address), workMs, signal);
  }

  private checkRange(address: number, size: number, what: string): void {
    if (address % SECTOR !== 0 || size % SECTOR !== 0) {
      throw new AnyflashError('misaligned-address', `${what} range ${hexAddr(address)}+${hexAddr(size)} is not 4 KiB aligned.`, {
        family: 'beken',
        chip: this.chip,
        address,
      });
    }
    if (address + size > this.flashSize) {
      throw new AnyflashError('file-too-large', `${what} range ends at ${hexAddr(address + size)}, beyond the ${this.flashSize >> 20} MiB flash.`, {
        family: 'beken',
        chip: this.chip,
        address,
      });
    }
    if (address < BOOTLOADER_END && this.detection.chip.bootloaderInFlash && !this.options.bootloader) {
      throw new AnyflashError(
        'bootloader-guard',
        `Refusing to ${what} ${hexAddr(address)}–${hexAddr(Math.min(address + size, BOOTLOADER_END))}: on ${this.detection.chip.description} that is the flash bootloader that runs the UART download.`,
        {
          family: 'beken',
          chip: this.chip,
          address,
          advice: [
            'Write the application only: start at 0x11000 (for a full dump, skip its first 0x11000 bytes).',
            'To replace the bootloader anyway, add --bootloader; if that write fails the chip can only be recovered over SPI.',
          ],
        },
      );
    }
  }

  /** Before erasing: unprotect the flash (FULL) or clear the post-CRC lock with a LinkCheck (BASIC). */
  private async prepareChange(signal?: AbortSignal): Promise<void> {
    if (this.full) {
      if (!this.unprotected && !this.options.keepProtection) await this.unprotect(signal);
      this.unprotected = true;
      return;
    }
    if (this.crcLocked) {
      if (!(await this.session.linkCheck(300, signal))) await this.link.recover();
      this.crcLocked = false;
    }
  }

  /** Clears the block-protection bits, reads them back, bounded retries, 8-bit fallback. */
  private async unprotect(signal?: AbortSignal): Promise<void> {
    const jedec = this.detection.jedecId ?? 0;
    let layout = flashProtectFor(jedec);
    if (!layout) {
      this.options.events({
        type: 'note',
        level: 'warn',
        message: `Flash id ${jedec.toString(16).padStart(6, '0')} is not in the protection table; clearing SR1 block-protect bits only.`,
      });
      layout = { srBytes: 1, mask: 0x7c };
    }
    let sr = await this.readSr(layout.srBytes, signal);
    if ((sr & layout.mask) === 0) return;
    this.foundSr = { value: sr, bytes: layout.srBytes };
    const evidence: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const wanted = sr & ~layout.mask;
      const sixteen = layout.srBytes === 2 && attempt < 3;
      const values = sixteen ? [wanted & 0xff, wanted >> 8] : [wanted & 0xff];
      try {
        await this.session.flashWriteSR(values, signal);
      } catch (e) {
        if (!isAnyflashError(e, 'device-error')) throw e;
      }
      sr = await this.readSr(layout.srBytes, signal);
      if ((sr & layout.mask) === 0) {
        this.options.events({ type: 'note', level: 'info', message: `Flash protection cleared (SR now 0x${sr.toString(16)}).` });
        return;
      }
      evidence.push(`wrote 0x${wanted.toString(16)}${sixteen ? ' (16-bit)' : ' (8-bit)'}, read 0x${sr.toString(16)}`);
      this.options.events({ type: 'retry', op: 'erase', attempt, cause: 'status register kept its protection bits' });
    }
    throw new AnyflashError('flash-protected', 'The flash stays write-protected: its status register does not take the new value.', {
      family: 'beken',
      chip: this.chip,
      evidence: [`JEDEC id ${jedec.toString(16).padStart(6, '0')}`, ...evidence],
      advice: [
        'Power-cycle the chip and try again; a weak supply can make SR writes fail.',
        'The flash WP pin may be tied low, or the part may be unknown: report the JEDEC id.',
      ],
    });
  }

  private async readSr(bytes: 1 | 2, signal?: AbortSignal): Promise<number> {
    const sr1 = await this.session.flashReadSR(0x05, signal);
    return bytes === 2 ? sr1 | ((await this.session.flashReadSR(0x35, signal)) << 8) : sr1;
  }

  // — Reading —

  async readFlash(address: number, size: number, options: OpOptions = {}): Promise<Uint8Array> {
    const out = new Uint8Array(size);
    const first = Math.floor(address / SECTOR) * SECTOR;
    const last = Math.ceil((address + size) / SECTOR) * SECTOR;
    for (let g = first; g < last; ) {
      const gEnd = Math.min(last, Math.floor(g / BLOCK) * BLOCK + BLOCK);
      const data = await this.readGroup(g, gEnd, options.signal);
      const from = Math.max(g, address);
      const to = Math.min(gEnd, address + size);
      out.set(data.subarray(from - g, to - g), from - address);
      options.onProgress?.(to - address);
      g = gEnd;
    }
    return out;
  }

  /**
   * Reads [start, end) checked by one CheckCRC, asked first: a range that CRCs as erased needs no
   * FlashRead4K at all (a 64 KiB CRC takes a quarter of the wire time of its data), and the others
   * must match it. Retries, then steps the baud down.
   */
  private async readGroup(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
    const data = new Uint8Array(end - start);
    return this.attempt('read', start, end - start, signal, async () => {
      this.forget(start, end);
      const crc = await this.chipCrc(start, end - start, signal);
      if (crc === blankCrc(end - start)) return data.fill(0xff);
      for (let a = start; a < end; a += SECTOR) {
        data.set(await this.session.flashRead4K(this.wire(a), signal), a - start);
      }
      if (crc === bekenCrc(data)) return data;
      this.forget(start, end);
      throw new AnyflashError('garbled-reply', `Read data at ${hexAddr(start)} does not match the chip's CRC.`, { address: start });
    });
  }

  /** Runs `fn` (an erase + writes of one block, or a read) again after a lost or bad reply, re-linking first. */
  private async attempt<T>(op: 'write' | 'erase' | 'read', address: number, size: number, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    // Only failures of the line count towards a lower baud: a chip that rebooted (brownout) is
    // linked again at the same rate.
    let lineErrors = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (op !== 'read') {
          this.noteStray(address, address + size);
          if (isAnyflashError(e, 'timeout')) this.lost.push(this.lastRequest);
        }
        if (!isLineGlitch(e) || attempt >= ATTEMPTS) throw withAdvice(e, address);
        throwIfAborted(signal);
        this.options.events({ type: 'retry', op, attempt, cause: (e as Error).message, address });
        const stillLinked = await this.link.recover();
        if (stillLinked || (e as AnyflashError).code === 'garbled-reply') lineErrors++;
        if (lineErrors >= 2 && (await this.link.stepDown())) lineErrors = 0;
        this.crcLocked = false;
      }
    }
  }

  private async withRecovery<T>(what: string, address: number, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!isLineGlitch(e) || attempt >= ATTEMPTS) throw withAdvice(e, address);
        throwIfAborted(signal);
        this.options.events({ type: 'retry', op: 'compare', attempt, cause: `${what}: ${(e as Error).message}`, address });
        await this.link.recover();
        this.crcLocked = false;
      }
    }
  }

  // — Info and reset —

  /** Chip, MAC and flash id without the eFuse key `info` reads (a write needs only these). */
  async identity(): Promise<Pick<DeviceInfo, 'family' | 'chip' | 'mac' | 'flashId'>> {
    return { family: 'beken', chip: this.chip, mac: await this.mac(), flashId: this.detection.jedecId };
  }

  async info(): Promise<DeviceInfo> {
    if (this.infoCache) return this.infoCache;
    const d = this.detection;
    const extra: Record<string, string | number | boolean> = {
      protocol: d.protocol,
      bootloader: d.bootloader,
      bootloaderCrc: `0x${d.bootloaderCrc.toString(16).padStart(8, '0')}`,
      flashSizeSource: d.sizeSource,
    };
    if (d.chipId !== undefined) extra.chipId = `0x${d.chipId.toString(16)}`;
    if (d.jedecId !== undefined) {
      extra.flashId = d.jedecId.toString(16).padStart(6, '0');
      const vendor = flashVendor(d.jedecId);
      if (vendor) extra.flashVendor = vendor;
    }
    if (d.protocol === 'BASIC_TUYA') {
      const version = await this.session.readBootVersion().catch(() => undefined);
      if (version) extra.bootVersion = version;
    }
    if (this.full) {
      const key = await this.readEfuseKey();
      extra.efuseKey = key;
      extra.efuseKeyKind = key === TUYA_DEFAULT_KEY ? 'tuya-default' : /^[0 ]+$/.test(key) ? 'zero (BK7231M or read-protected)' : 'custom';
    }
    const mac = await this.mac();
    this.infoCache = {
      family: 'beken',
      chip: this.chip,
      description: d.chip.description,
      features: [d.protocol === 'FULL' ? 'BootROM loader' : 'flash bootloader', d.chip.bootloaderInFlash ? 'bootloader in flash (guarded)' : 'unbrickable loader'],
      mac,
      flashId: d.jedecId,
      flashSize: this.flashSize,
      strategy: this.link.strategy,
      baud: this.link.baud,
      mode: d.protocol,
      extra,
    };
    return this.infoCache;
  }

  /**
   * eFuse bytes 0..15 through the control/data registers (FULL loaders only). WriteReg comes back
   * echoed in full, so a damaged request is caught; the values read need two agreeing answers.
   */
  private async readEfuseKey(): Promise<string> {
    const ctrl = await readAgreed('the eFuse control register', () => this.session.readReg(EFUSE_CTRL), this.link);
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) {
      const select = async (): Promise<void> => {
        await this.session.writeReg(EFUSE_CTRL, ((ctrl & ~0x1f02) | (i << 8) | 1) >>> 0);
        for (let poll = 0; poll < 10 && (await this.session.readReg(EFUSE_CTRL)) & 1; poll++);
      };
      await retried(`selecting eFuse byte ${i}`, select, this.link);
      const v = await readAgreed(`eFuse byte ${i}`, () => this.session.readReg(EFUSE_DATA), this.link);
      bytes[i] = v & 0x100 ? v & 0xff : 0;
    }
    return [0, 4, 8, 12].map((o) => readU32le(bytes, o).toString(16).padStart(8, '0')).join(' ');
  }

  private macRead: Promise<string | undefined> | undefined;

  /** The MAC, read once per session. */
  private mac(): Promise<string | undefined> {
    return (this.macRead ??= this.readMac());
  }

  /** The MAC from the Tuya TLV block, when the vendor layout has one there. */
  private async readMac(): Promise<string | undefined> {
    const at = this.detection.chip.macTlv;
    if (at === undefined || at + SECTOR > this.flashSize) return undefined;
    const block = await this.readFlash(at, 0x40).catch(() => undefined);
    if (!block || toHex(block.subarray(0x1c, 0x24)) !== toHex(MAC_TLV_MARKER)) return undefined;
    return toHex(block.subarray(0x24, 0x2a), ':');
  }

  /** Puts the protection bits back as found (`reprotect`), so the flash is guarded again after flashing. */
  private async restoreProtection(): Promise<void> {
    const found = this.foundSr;
    if (!this.options.reprotect || !found) return;
    const values = found.bytes === 2 ? [found.value & 0xff, found.value >> 8] : [found.value & 0xff];
    await this.session.flashWriteSR(values);
    this.foundSr = undefined;
    this.unprotected = false;
  }

  async reset(mode: ResetMode): Promise<void> {
    await this.restoreProtection();
    if (mode === 'none' || mode === 'stay') return;
    if (mode === 'hard' && this.transport.canSignal) {
      await this.link.pulseReset();
      return;
    }
    await this.session.reboot();
    await this.transport.drain();
  }

  async disconnect(): Promise<void> {
    await this.restoreProtection();
    this.crcCache.clear();
  }
}

function withAdvice(e: unknown, address: number): unknown {
  if (!isAnyflashError(e) || e.address !== undefined) return e;
  return new AnyflashError(e.code, `${e.message} (at ${hexAddr(address)})`, {
    family: 'beken',
    address,
    evidence: e.evidence,
    advice: e.advice,
    cause: e,
  });
}
