import { TYPICAL_NOR } from '../../core/nor.js';
import { SimFlash } from '../flash.js';
import type { SimDevice } from '../device.js';
import type { SimOptions } from '../options.js';
import { findSifliChip, SIFLI_CHIPS } from '../../families/sifli/chips.js';
import { DfuRomSim } from './dfu-rom.js';
import { Sf32Sim, type Sf32Config } from './sf32.js';

/** Board facts the simulator adds to the client's chip rows (families/sifli/chips.ts). */
interface SifliSimBoard {
  /** NOR base where the chip row has none published: the simulator's stub reports it, the client learns it. */
  norBase?: number;
  ramSize: number;
  /** The 56's debug IP reaches RAM only through its 0x2A… alias. */
  ramAlias: boolean;
}

/**
 * Chips the SiFli simulator models, one row each: SF32LB52/57 (debug-IP entry, little-endian
 * frames, RAM stub), SF32LB56 (big-endian debug frames, aliased addresses, stub at 0x20067000,
 * NOR at 0x1C000000) and SF32LB55/58 (ROM `dfu_recv` entry with BOOT_MODE high). The 55's and
 * 57's NOR bases are not published; the values here are the simulator's own (see docs/chips.md).
 */
const SIM_BOARDS: Readonly<Record<string, SifliSimBoard>> = {
  sf32lb52: { ramSize: 0x80000, ramAlias: false },
  sf32lb55: { norBase: 0x12000000, ramSize: 0x80000, ramAlias: false },
  sf32lb56: { ramSize: 0xc8000, ramAlias: true },
  sf32lb57: { norBase: 0x12000000, ramSize: 0x80000, ramAlias: false },
  sf32lb58: { ramSize: 0x80000, ramAlias: false },
};

export const SIFLI_SIM_CHIPS: readonly string[] = SIFLI_CHIPS.filter((c) => SIM_BOARDS[c.name]).map((c) => c.name);

/** Where the simulated chip's NOR sits (give it as `--flash-base` where the chip row has none). */
export function simNorBase(chip: string): number | undefined {
  return findSifliChip(chip)?.base.nor ?? SIM_BOARDS[chip]?.norBase;
}

const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);

/**
 * Options in `extra`: `rtsPower` (RTS switches the supply; defaults to `autoReset`), `bootWindowMs` (2000), `firmware`
 * (a firmware is flashed, true), `firmwareOwnsUart` (its console takes the debug pins, true),
 * `maxBaud` (6 Mbaud), `flashId` (0x182085), `logIntervalMs` (250), `failBlock` (fault: the stub
 * answers Fail once after that `burn_erase_write` block).
 */
export function createSifliSim(options: SimOptions): SimDevice {
  const chip = options.chip.toLowerCase();
  const row = findSifliChip(chip);
  const board = SIM_BOARDS[chip];
  if (!row || !board) throw new Error(`The SiFli simulator models ${SIFLI_SIM_CHIPS.join(', ')}, not ${options.chip}.`);
  const flashBase = simNorBase(chip);
  if (flashBase === undefined) throw new Error(`No NOR base for the simulated ${chip}.`);
  const x = options.extra ?? {};
  const flash = new SimFlash(
    options.flashSize ?? 0x1000000,
    { ...TYPICAL_NOR, ...options.timings },
    options.flashInitial,
    options.flashBacking,
  );
  if (row.entry === 'dfu') {
    return new DfuRomSim(options.clock, flash, {
      chip,
      flashBase,
      flashId: num(x.flashId, 0x182085),
      maxBaud: num(x.maxBaud, 6_000_000),
      bootModeHigh: options.boot !== 'firmware',
    });
  }
  const config: Sf32Config = {
    chip,
    layout: row.layout,
    ramAlias: board.ramAlias,
    ramSize: board.ramSize,
    stubAddress: row.stubAddress,
    flashBase,
    flashId: num(x.flashId, 0x182085),
    bootWindowMs: num(x.bootWindowMs, 2000),
    firmware: bool(x.firmware, true),
    firmwareOwnsUart: bool(x.firmwareOwnsUart, true),
    rtsPower: bool(x.rtsPower, options.autoReset ?? false),
    maxBaud: num(x.maxBaud, 6_000_000),
    logIntervalMs: num(x.logIntervalMs, 250),
    startInFirmware: options.boot === 'firmware',
    startInDownload: options.boot === 'download',
    failBlock: typeof x.failBlock === 'number' ? x.failBlock : undefined,
  };
  return new Sf32Sim(options.clock, flash, config);
}

/**
 * A blob the simulated SF32LB52/56 accept as a stub: just a vector table (SP, then PC inside the
 * blob loaded at `loadAddress`), no SiFli code. For demos, tests and benchmarks on simulated ports
 * only — real chips need SiFli's own stub. `size` models the real stub's upload time (110–152 KB).
 */
export function simStubBlob(size = 0x1234, loadAddress = 0x2005a000): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 8; i < size; i++) b[i] = (i * 7) & 0xff;
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x20080000, true);
  v.setUint32(4, (loadAddress + 0x100) | 1, true);
  return b;
}

/**
 * What a front end gives a simulated `chip` in place of SiFli's files and facts: a stub blob at the
 * row's load address, a signature key for the ROM-entry chips (not checked), and the NOR address
 * where the chip row has none published (a user gives it for a real chip).
 */
export function simStubFiles(chip: string): { stub: Uint8Array; sigPub?: Uint8Array; flashBase?: number } {
  const row = findSifliChip(chip);
  const files = row?.entry === 'dfu' ? { stub: simStubBlob(), sigPub: new Uint8Array(294) } : { stub: simStubBlob(0x1234, row?.stubAddress ?? 0x2005a000) };
  const base = simNorBase(chip);
  return row && row.base.nor === undefined && base !== undefined ? { ...files, flashBase: base } : files;
}
