/** Physical-bound arithmetic the benchmarks share. */
import type { FlashTimings } from '../src/core/nor.js';

/**
 * Erase time for dirty sectors (4 KiB-aligned addresses) with the largest erase that fits: 64K,
 * 32K (as the BK7231N's loader does), else 4K.
 */
export function eraseSeconds(dirty: number[], t: FlashTimings): number {
  const set = new Set(dirty);
  const covers = (a: number, n: number) => {
    for (let x = a; x < a + n; x += 0x1000) if (!set.has(x)) return false;
    return true;
  };
  let ms = 0;
  for (const a of [...set].sort((x, y) => x - y)) {
    if (!set.has(a)) continue;
    const size = a % 0x10000 === 0 && covers(a, 0x10000) ? 0x10000 : a % 0x8000 === 0 && covers(a, 0x8000) ? 0x8000 : 0x1000;
    ms += size === 0x10000 ? t.block64EraseMs : size === 0x8000 ? t.block32EraseMs : t.sectorEraseMs;
    for (let x = a; x < a + size; x += 0x1000) set.delete(x);
  }
  return ms / 1000;
}
