import type { SimClock } from '../clock.js';
import type { SimFlash } from '../flash.js';
import type { EspChipRow } from './chips.js';
import type { EspRegisters } from './registers.js';

/** What a loader personality (ROM or stub) may do with the chip it runs on. */
export interface LoaderContext {
  readonly chip: EspChipRow;
  readonly flash: SimFlash;
  readonly clock: SimClock;
  readonly regs: EspRegisters;
  readonly ram: RamImage;
  /** Secure Download Mode: the ROM accepts only a handful of commands (reference esp.md §1.4). */
  readonly secureDownloadMode: boolean;
  /** Raw bytes onto the UART (already framed). */
  send(bytes: Uint8Array): void;
  /** The next SLIP frame from the host; null once the chip has reset and this loader is gone. */
  nextFrame(): Promise<Uint8Array | null>;
  /** False once the chip has reset: a handler must stop touching the wire and the flash. */
  alive(): boolean;
  setBaud(baud: number): void;
  /** MEM_END jumped into uploaded code at `entry`: the flasher stub takes over the UART. */
  startStub(entry: number): void;
  /** Leave the loader: `reboot` resets the chip, `run` jumps to the firmware in flash. */
  exit(how: 'reboot' | 'run'): void;
}

export interface LoaderPersonality {
  readonly name: 'rom' | 'stub';
  handle(frame: Uint8Array): Promise<void>;
}

/** RAM written through MEM_BEGIN/MEM_DATA, kept as the segments the host uploaded. */
export class RamImage {
  readonly segments: { address: number; data: Uint8Array }[] = [];
  private current: { address: number; data: Uint8Array; blockSize: number } | null = null;

  begin(address: number, size: number, blockSize: number): void {
    this.current = { address, data: new Uint8Array(size), blockSize };
    this.segments.push({ address, data: this.current.data });
  }

  /** Stores one block; false when it does not fit the announced segment. */
  block(seq: number, bytes: Uint8Array): boolean {
    const c = this.current;
    if (!c) return false;
    const offset = seq * c.blockSize;
    if (offset + bytes.length > c.data.length) return false;
    c.data.set(bytes, offset);
    return true;
  }

  contains(address: number): boolean {
    return this.segments.some((s) => address >= s.address && address < s.address + s.data.length);
  }
}

const SECTOR = 0x1000;
const BLOCK = 0x10000;

/**
 * Erases [start, end) in whole sectors, using 64 KiB block erases where a block is fully covered
 * (as the ROM's and the stubs' erase routines do). Returns the time the chip takes.
 */
export function eraseSectors(flash: SimFlash, start: number, end: number): number {
  let at = Math.floor(start / SECTOR) * SECTOR;
  const stop = Math.ceil(end / SECTOR) * SECTOR;
  let ms = 0;
  while (at < stop) {
    const size = at % BLOCK === 0 && stop - at >= BLOCK ? BLOCK : SECTOR;
    ms += flash.erase(at, size);
    at += size;
  }
  return ms;
}
