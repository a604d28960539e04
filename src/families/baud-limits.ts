import type { FamilyName } from './types.js';

/**
 * Rates each family's download protocol is run at. The floor is practical (at 9600 baud 1 MiB
 * takes 18 minutes); the ceiling is what the chip side follows: ESP32 UARTs 5 Mbaud, the rates the
 * Beken tools offer (up to 6 Mbaud) and the SiFli stub's fastest step.
 */
export const BAUD_LIMITS: Readonly<Record<FamilyName, { min: number; max: number }>> = {
  esp: { min: 9600, max: 5_000_000 },
  beken: { min: 9600, max: 6_000_000 },
  sifli: { min: 9600, max: 6_000_000 },
};

/** Rates USB-serial adapters and the vendors' tools use; others are often not made exactly. */
export const STANDARD_BAUDS: readonly number[] = [
  9600, 14400, 19200, 38400, 57600, 74880, 115200, 128000, 230400, 250000, 256000, 460800, 500000, 576000, 921600,
  1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000, 5000000, 6000000,
];
