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
import { throwIfAborted } from '../core/time.js';

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
