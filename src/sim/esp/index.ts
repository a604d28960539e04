import { AnyflashError } from '../../core/errors.js';
import type { SimOptions } from '../options.js';
import { ESP_CHIPS, espSimMac, findEspChip, macRegisters } from './chips.js';
import { EspSimDevice } from './device.js';

export { EspSimDevice, type EspSimState } from './device.js';
export { ESP_CHIPS, type EspChipRow } from './chips.js';

/** The MAC a fresh board of `chip` reads (without `mac`). */
export function espDefaultMac(chip: string): Uint8Array | undefined {
  const row = findEspChip(chip);
  return row && espSimMac(row);
}

/** Chip names `createEspSim` accepts. */
export const ESP_SIM_CHIPS: string[] = ESP_CHIPS.map((c) => c.name);

/**
 * A simulated Espressif chip on a DevKit (ROM loader, flasher stub, firmware, auto-reset circuit).
 * `extra` knobs: `secureDownloadMode: true` (S2 and later), `jedecId: number` (e.g. 0xffffff for
 * a flash chip that does not answer).
 */
export function createEspSim(options: SimOptions): EspSimDevice {
  const row = findEspChip(options.chip);
  if (!row) {
    throw new AnyflashError('unknown-chip', `No simulated Espressif chip named "${options.chip}".`, {
      advice: [`Use one of: ${ESP_SIM_CHIPS.join(', ')}.`],
      family: 'esp',
    });
  }
  // The MAC is the board's, not the chip model's: its eFuse words, as host tools read them.
  return new EspSimDevice(options.mac ? { ...row, registers: { ...row.registers, ...macRegisters(row, options.mac) } } : row, options);
}
