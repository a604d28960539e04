import { AnyflashError } from '../core/errors.js';
import { BEKEN_SIM_CHIPS, createBekenSim } from './beken/index.js';
import type { SimDevice } from './device.js';
import { createEspSim, ESP_SIM_CHIPS } from './esp/index.js';
import type { SimOptions } from './options.js';
import { createSifliSim, SIFLI_SIM_CHIPS } from './sifli/index.js';

const SIMULATORS: ReadonlyArray<{ family: string; chips: readonly string[]; create: (o: SimOptions) => SimDevice }> = [
  { family: 'esp', chips: ESP_SIM_CHIPS, create: createEspSim },
  { family: 'beken', chips: BEKEN_SIM_CHIPS, create: createBekenSim },
  { family: 'sifli', chips: SIFLI_SIM_CHIPS, create: createSifliSim },
];

export function simChips(): string[] {
  return SIMULATORS.flatMap((s) => [...s.chips]);
}

export function createSim(options: SimOptions): SimDevice {
  const chip = options.chip.toLowerCase().replace(/[-_]/g, '');
  const sim = SIMULATORS.find((s) => s.chips.includes(chip));
  if (!sim) {
    throw new AnyflashError('unknown-chip', `No simulator for "${options.chip}".`, {
      advice: [`Simulated chips: ${simChips().join(', ')}.`],
    });
  }
  return sim.create({ ...options, chip });
}
