import type { FamilyFacts } from '../types.js';
import type { FrameLayout } from './frames.js';

export type SifliMemory = 'nor' | 'nand' | 'sd';

/**
 * One row per chip. `entry` says how the RAM stub gets in: through the UART debug IP (52/56/57)
 * or through the ROM boot shell's `dfu_recv` (55/58, signed stubs, BOOT_MODE pin high).
 */
export interface SifliChip {
  name: string;
  entry: 'debug' | 'dfu';
  layout: FrameLayout;
  /** RAM address the stub is written to (debug entry). */
  stubAddress: number;
  memories: readonly SifliMemory[];
  /** Flash base per memory, when known. */
  base: Partial<Record<SifliMemory, number>>;
  /** Erase-all command: the 52/57 stubs take the `_factory` variant, as sftool sends it. */
  eraseAllCommand: string;
  /** Stub file names as sftool and SiFli's SDK name them, per memory. */
  stubFiles: Partial<Record<SifliMemory, string>>;
}

export const SIFLI_CHIPS: readonly SifliChip[] = [
  {
    name: 'sf32lb52',
    entry: 'debug',
    layout: 'le',
    stubAddress: 0x2005a000,
    memories: ['nor', 'nand', 'sd'],
    base: { nor: 0x12000000, nand: 0x62000000 },
    eraseAllCommand: 'burn_erase_all_factory',
    stubFiles: { nor: 'ram_patch_52X.bin', nand: 'ram_patch_52X_NAND.bin', sd: 'ram_patch_52X_SD.bin' },
  },
  {
    name: 'sf32lb56',
    entry: 'debug',
    layout: 'be',
    stubAddress: 0x20067000,
    memories: ['nor', 'nand', 'sd'],
    base: { nor: 0x1c000000 },
    eraseAllCommand: 'burn_erase_all',
    stubFiles: { nor: 'ram_patch_56X.bin', nand: 'ram_patch_56X_NAND.bin', sd: 'ram_patch_56X_SD.bin' },
  },
  {
    name: 'sf32lb57',
    entry: 'debug',
    layout: 'le',
    stubAddress: 0x2005a000,
    memories: ['nor', 'nand', 'sd'],
    base: {},
    eraseAllCommand: 'burn_erase_all_factory',
    stubFiles: { nor: 'ram_patch_57X.bin', nand: 'ram_patch_57X_NAND.bin', sd: 'ram_patch_57X_SD.bin' },
  },
  {
    name: 'sf32lb55',
    entry: 'dfu',
    layout: 'le',
    stubAddress: 0,
    memories: ['nor', 'sd'],
    base: {},
    eraseAllCommand: 'burn_erase_all',
    stubFiles: { nor: 'ram_patch_55X.bin', sd: 'ram_patch_55X_SD.bin' },
  },
  {
    name: 'sf32lb58',
    entry: 'dfu',
    layout: 'le',
    stubAddress: 0,
    memories: ['nor', 'nand', 'sd'],
    base: { nor: 0x1c000000, nand: 0x68000000 },
    eraseAllCommand: 'burn_erase_all',
    stubFiles: { nor: 'ram_patch_58x.bin', nand: 'ram_patch_58X_NAND.bin', sd: 'ram_patch_58X_SD.bin' },
  },
];

/** Public key the 55/58 ROM checks the signed stub against (sent first in the DFU sequence). */
export const DFU_SIG_PUB_FILE = '58X_sig_pub.der';

export function findSifliChip(name: string): SifliChip | undefined {
  const n = name.toLowerCase().replace(/[-_]/g, '');
  return SIFLI_CHIPS.find((c) => c.name === n);
}

/** Default working rates; 1 Mbaud is where every SiFli ROM and tool starts. */
export const ROM_BAUD = 1_000_000;
export const BAUD_LADDER = [6_000_000, 3_000_000, 2_000_000, 1_500_000, 1_000_000] as const;

export const SIFLI_FAMILY: FamilyFacts = { name: 'sifli', title: 'SiFli', chips: SIFLI_CHIPS.map((c) => c.name), probeCost: 3 };
