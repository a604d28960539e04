import { SimFlash, TYPICAL_NOR } from '../flash.js';
import type { SimDevice } from '../device.js';
import type { SimOptions } from '../options.js';
import { DfuRomSim } from './dfu-rom.js';
import { Sf32Sim, type Sf32Config } from './sf32.js';

/**
 * Chips the SiFli simulator models: the SF32LB52 (debug-IP entry, RAM stub, NOR at 0x12000000), the
 * SF32LB56 (big-endian debug frames, aliased addresses, stub at 0x20067000, NOR at 0x1C000000) and
 * the SF32LB58 (ROM `dfu_recv` entry with BOOT_MODE high, NOR at 0x1C000000).
 */
export const SIFLI_SIM_CHIPS = ['sf32lb52', 'sf32lb56', 'sf32lb58'] as const;

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
  if (!(SIFLI_SIM_CHIPS as readonly string[]).includes(chip)) {
    throw new Error(`The SiFli simulator models ${SIFLI_SIM_CHIPS.join(', ')}, not ${options.chip}.`);
  }
  const x = options.extra ?? {};
  const flash = new SimFlash(
    options.flashSize ?? 0x1000000,
    { ...TYPICAL_NOR, ...options.timings },
    options.flashInitial,
    options.flashBacking,
  );
  if (chip === 'sf32lb58') {
    return new DfuRomSim(options.clock, flash, {
      chip,
      flashBase: 0x1c000000,
      flashId: num(x.flashId, 0x182085),
      maxBaud: num(x.maxBaud, 6_000_000),
      bootModeHigh: options.boot !== 'firmware',
    });
  }
  const lb56 = chip === 'sf32lb56';
  const config: Sf32Config = {
    chip,
    layout: lb56 ? 'be' : 'le',
    ramAlias: lb56,
    ramSize: lb56 ? 0xc8000 : 0x80000,
    stubAddress: lb56 ? 0x20067000 : 0x2005a000,
    flashBase: lb56 ? 0x1c000000 : 0x12000000,
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

/** What a simulated `chip` accepts as SiFli's stub files: the blob at its load address, and for the 58 a signature key (not checked). */
export function simStubFiles(chip: string): { stub: Uint8Array; sigPub?: Uint8Array } {
  if (chip === 'sf32lb58') return { stub: simStubBlob(), sigPub: new Uint8Array(294) };
  return { stub: simStubBlob(0x1234, chip === 'sf32lb56' ? 0x20067000 : 0x2005a000) };
}
