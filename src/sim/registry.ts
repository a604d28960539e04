import { AnyflashError } from '../core/errors.js';
import { BEKEN_SIM_CHIPS, bekenDefaultMac, createBekenSim } from './beken/index.js';
import type { SimDevice } from './device.js';
import { createEspSim, espDefaultMac, ESP_SIM_CHIPS } from './esp/index.js';
import type { SimOptions } from './options.js';
import { createSifliSim, SIFLI_SIM_CHIPS } from './sifli/index.js';

const SIMULATORS: ReadonlyArray<{
  family: string;
  chips: readonly string[];
  create: (o: SimOptions) => SimDevice;
  /** The MAC a fresh board reads; undefined where the flasher reads none (it knows the board by its flash id). */
  defaultMac: (chip: string) => Uint8Array | undefined;
}> = [
  { family: 'esp', chips: ESP_SIM_CHIPS, create: createEspSim, defaultMac: espDefaultMac },
  { family: 'beken', chips: BEKEN_SIM_CHIPS, create: createBekenSim, defaultMac: bekenDefaultMac },
  // The SiFli stub reports only its flash's JEDEC id: boards with the same flash look alike.
  { family: 'sifli', chips: SIFLI_SIM_CHIPS, create: createSifliSim, defaultMac: () => undefined },
];

/** A chip name as the simulators list it (`ESP32-C3` → `esp32c3`). */
export const simChipKey = (chip: string): string => chip.toLowerCase().replace(/[-_]/g, '');

export function simChips(): string[] {
  return SIMULATORS.flatMap((s) => [...s.chips]);
}

/** The MAC a fresh simulated `chip` reads (its family's fixed one); undefined when the flasher reads no MAC from it. */
export function simDefaultMac(chip: string): Uint8Array | undefined {
  const key = simChipKey(chip);
  return SIMULATORS.find((s) => s.chips.includes(key))?.defaultMac(key);
}

export function createSim(options: SimOptions): SimDevice {
  const chip = simChipKey(options.chip);
  const sim = SIMULATORS.find((s) => s.chips.includes(chip));
  if (!sim) {
    throw new AnyflashError('unknown-chip', `No simulator for "${options.chip}".`, {
      advice: [`Simulated chips: ${simChips().join(', ')}.`],
    });
  }
  if (options.mac && !sim.defaultMac(chip)) {
    throw new AnyflashError('bad-input', `The flasher reads no MAC from a simulated ${chip}: it knows the board by its flash id. Leave out the MAC.`);
  }
  return sim.create({ ...options, chip });
}
