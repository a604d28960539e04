/**
 * Writing one flash sector over a line that damages data, for loaders whose data commands carry
 * no checksum (Beken, SiFli): the chip programs a flipped bit as it arrived. At one damaged byte
 * in a thousand a 4 KiB sector arrives intact 1.6 % of the time, so rewriting whole blocks never
 * converges. Instead each sector is checked by CRC right after it is programmed. NOR programming
 * can only clear bits, so a page whose wrong bits are all 1s that should be 0 is programmed again
 * alone; only a bit that must go back to 1 costs another erase of the sector.
 */
import { AnyflashError } from '../core/errors.js';
import { hexAddr } from '../core/bytes.js';
import type { EventSink } from '../core/events.js';
import { throwIfAborted } from '../core/time.js';

/**
 * Tells a line that damages data: a sector the chip acknowledged is asked for again, which the
 * engine does only after it failed its verify. From then on the family writes sector by sector.
 */
export class DamageWatch {
  private readonly written = new Set<number>();
  private damaging = false;

  constructor(
    private readonly sector: number,
    private readonly events: EventSink,
    /** Who acknowledged the sectors, for the note: `chip`, `stub`. */
    private readonly who: string,
  ) {}

  /** The chip acknowledged writing [address, address+size). */
  acknowledged(address: number, size: number): void {
    for (let s = address - (address % this.sector); s < address + size; s += this.sector) this.written.add(s);
  }

  /** Whether the line is known to damage data, once a write of [address, address+size) is asked for; says so the first time. */
  damages(address: number, size: number): boolean {
    if (this.damaging) return true;
    for (let s = address - (address % this.sector); s < address + size && !this.damaging; s += this.sector) this.damaging = this.written.has(s);
    if (this.damaging) {
      this.events({
        type: 'note',
        level: 'warn',
        message: `Sectors the ${this.who} acknowledged came out wrong: the line damages data. Writing sector by sector, each checked by CRC.`,
      });
    }
    return this.damaging;
  }
}

/** What one family does to one sector; offsets are inside the sector. */
export interface SectorOps {
  erase(): Promise<void>;
  /** Sends `data` and programs it at `offset` (the whole sector, or one page). */
  program(offset: number, data: Uint8Array): Promise<void>;
  /** The chip's CRC of [offset, offset + length). */
  crc(offset: number, length: number): Promise<number>;
  /** The same CRC of `data`, computed here. */
  expected(data: Uint8Array): number;
  /** After an exchange failed: regains the link, or rethrows what no retry can cure. */
  recover(error: unknown): Promise<void>;
}

export interface SectorLimits {
  /** The loader's smallest program command, in bytes. */
  page: number;
  /** Programming passes per damaged page before its damage is taken to need an erase. */
  pagePasses: number;
  /** Erase-and-program cycles before the sector is given up. */
  cycles: number;
}

export const NOISY_SECTOR_LIMITS: SectorLimits = { page: 0x100, pagePasses: 2, cycles: 100 };

/** Erases, programs and checks the sector until its CRC is right, within `limits.cycles`. */
export async function settleSector(
  address: number,
  want: Uint8Array,
  ops: SectorOps,
  limits: SectorLimits = NOISY_SECTOR_LIMITS,
  signal?: AbortSignal,
): Promise<void> {
  const wantCrc = ops.expected(want);
  for (let cycle = 1; cycle <= limits.cycles; cycle++) {
    throwIfAborted(signal);
    try {
      await ops.erase();
      if (want.some((b) => b !== 0xff)) await ops.program(0, want);
      if ((await ops.crc(0, want.length)) === wantCrc || (await repairPages(want, ops, limits))) return;
    } catch (e) {
      await ops.recover(e);
    }
  }
  throw new AnyflashError('verify-mismatch', `The sector at ${hexAddr(address)} did not come out right in ${limits.cycles} erase-and-program cycles.`, {
    address,
    evidence: ['every cycle, the sector CRC differed after programming'],
    advice: ['Lower the baud rate, shorten the wires and give the chip a solid 3.3 V supply with a common ground.'],
  });
}

/** Programs each page whose CRC is wrong again; false when one stays wrong (it needs an erase). */
async function repairPages(want: Uint8Array, ops: SectorOps, limits: SectorLimits): Promise<boolean> {
  for (let p = 0; p < want.length; p += limits.page) {
    const page = want.subarray(p, p + limits.page);
    const crc = ops.expected(page);
    for (let pass = 0; (await ops.crc(p, page.length)) !== crc; pass++) {
      if (pass >= limits.pagePasses) return false;
      await ops.program(p, page);
    }
  }
  return true;
}
