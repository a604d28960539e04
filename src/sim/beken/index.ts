import { AnyflashError } from '../../core/errors.js';
import { TYPICAL_NOR } from '../../core/nor.js';
import { SimFlash } from '../flash.js';
import type { SimOptions } from '../options.js';
import { initialFlash, SIM_CHIPS, SIM_MAC } from './chips.js';
import { BekenSimDevice, type BekenSimSettings } from './device.js';

export const BEKEN_SIM_CHIPS: readonly string[] = Object.keys(SIM_CHIPS);

export { BekenSimDevice };

/** The MAC a fresh board of `chip` holds in its flash's MAC block; undefined when the flasher reads none. */
export function bekenDefaultMac(chip: string): Uint8Array | undefined {
  return SIM_CHIPS[chip]?.macTlv === undefined ? undefined : SIM_MAC;
}

/**
 * Creates a simulated BK72xx. `extra` knobs: `maxBaud`, `windowMs`, `idleMs`, `crcBytesPerSecond`,
 * `protected` (start with SR block protection, default true on FULL), `srStuck`, `jedecId`,
 * `resetLine` ('rts' | 'dtr'), `bootloader: 'unknown'` (a bootloader whose CRC is in no table),
 * `firmware: 'openbeken'` (the app's console reboots the chip on `reboot`).
 */
export function createBekenSim(options: SimOptions): BekenSimDevice {
  const profile = SIM_CHIPS[options.chip];
  if (!profile) {
    throw new AnyflashError('unknown-chip', `No Beken simulator for "${options.chip}".`, {
      advice: [`Simulated Beken chips: ${BEKEN_SIM_CHIPS.join(', ')}.`],
    });
  }
  const extra = options.extra ?? {};
  const size = options.flashSize ?? profile.defaultFlashSize;
  const known = extra.bootloader !== 'unknown';
  // The MAC lives in the flash: given flash contents (a flash file, a board moved to another slot) keep theirs.
  const initial = options.flashInitial ?? initialFlash(profile, size, known, options.mac);
  const flash = new SimFlash(size, { ...TYPICAL_NOR, ...options.timings }, initial, options.flashBacking);
  const cap = Math.round(Math.log2(size));
  const full = profile.protocol === 'FULL';
  const settings: BekenSimSettings = {
    autoReset: options.autoReset ?? true,
    resetLine: extra.resetLine === 'dtr' ? 'dtr' : 'rts',
    windowMs: num(extra.windowMs, 400),
    idleMs: num(extra.idleMs, 2000),
    crcBytesPerSecond: num(extra.crcBytesPerSecond, 400_000),
    openBeken: extra.firmware === 'openbeken',
    maxBaud: num(extra.maxBaud, Infinity),
    initialSr: full && extra.protected !== false ? 0x002c : 0,
    srStuck: extra.srStuck === true,
    jedecId: num(extra.jedecId, (profile.jedecPrefix << 8) | cap),
  };
  return new BekenSimDevice(options.clock, flash, profile, settings, options.boot === 'download');
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && !Number.isNaN(v) ? v : typeof v === 'string' && v !== '' ? Number(v) : fallback;
}
