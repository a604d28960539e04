import { TYPICAL_NOR, type FlashTimings } from '../core/nor.js';

/** Where flash contents are persisted (a file in Node, nothing in the browser). */
export interface FlashBacking {
  write(offset: number, data: Uint8Array): void;
}

/**
 * NOR flash contents with NOR semantics: erase sets 0xFF, programming can only clear bits.
 * Methods return the time the operation takes on a real chip, so the device model can wait it.
 */
export class SimFlash {
  readonly data: Uint8Array;
  /** Multiplies every erase/program time (fault `slow-flash=FACTOR`). */
  slowFactor = 1;
  /** Counts of operations, for tests and benchmarks. */
  stats = { erasedBytes: 0, programmedBytes: 0 };
  /** Observers of programming (fault triggers at an address or a share of the write). */
  onProgram: Array<(address: number, length: number) => void> = [];
  /** Observers of a write the flasher announced (its begin command's range): `N%` faults count against it. */
  onWriteBegin: Array<(address: number, size: number) => void> = [];

  constructor(
    readonly size: number,
    public timings: FlashTimings = TYPICAL_NOR,
    initial?: Uint8Array,
    private readonly backing?: FlashBacking,
  ) {
    this.data = new Uint8Array(size).fill(0xff);
    if (initial) this.data.set(initial.subarray(0, size));
  }

  /** Maps an address into the chip (NOR address lines wrap). */
  wrap(address: number): number {
    return ((address % this.size) + this.size) % this.size;
  }

  erase(address: number, length: number): number {
    const start = this.wrap(address);
    const end = Math.min(this.size, start + length);
    this.data.fill(0xff, start, end);
    this.stats.erasedBytes += end - start;
    this.backing?.write(start, this.data.subarray(start, end));
    const t = this.timings;
    let ms: number;
    if (length >= this.size) ms = (t.chipEraseMsPerMiB * this.size) / 0x100000;
    else if (length === 0x10000) ms = t.block64EraseMs;
    else if (length === 0x8000) ms = t.block32EraseMs;
    else ms = Math.ceil(length / 0x1000) * t.sectorEraseMs;
    return ms * this.slowFactor;
  }

  /** A protocol's "write this range next" (ESP FLASH_BEGIN, SiFli burn_erase_write, a Beken erase unit). */
  beginWrite(address: number, size: number): void {
    for (const observe of this.onWriteBegin) observe(this.wrap(address), size);
  }

  /** NOR program: AND the new bytes into the cells. */
  program(address: number, bytes: Uint8Array): number {
    const start = this.wrap(address);
    const n = Math.min(bytes.length, this.size - start);
    for (let i = 0; i < n; i++) this.data[start + i]! &= bytes[i]!;
    this.stats.programmedBytes += n;
    this.backing?.write(start, this.data.subarray(start, start + n));
    for (const observe of this.onProgram) observe(start, n);
    return Math.ceil(n / 256) * this.timings.pageProgramMs * this.slowFactor;
  }

  read(address: number, length: number): Uint8Array {
    const start = this.wrap(address);
    if (start + length <= this.size) return this.data.slice(start, start + length);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.data[this.wrap(start + i)]!;
    return out;
  }

  readTimeMs(length: number): number {
    return (length / this.timings.readBytesPerSecond) * 1000;
  }
}
