import { ESP_CHIP_RECORDS } from '../chips/esp.js';

/**
 * How each chip is put into its serial bootloader by hand, as data. Our own connect errors,
 * `doctor` and `explain` all word the manual boot entry from here, so a C3 is never told about
 * GPIO0 and a Beken chip never about a BOOT button it does not have.
 * The ESP strapping pins live in the chip records (src/chips/esp.ts: GPIO0 on ESP32/S2/S3 and
 * ESP8266, GPIO9 on C2/C3/C6/C61/H2, GPIO28 on C5, GPIO35 on P4).
 */

export type BootFamily = 'esp' | 'beken' | 'sifli';

export interface BootContext {
  family?: BootFamily;
  /** anyflash chip name (`esp32c3`, `bk7231n`, `sf32lb52`). */
  chip?: string;
  /** The flasher runs in a browser page (ESP Web Tools, esptool-js): no command-line options to give. */
  web?: boolean;
}

/** Strapping pins and titles by chip name, from the chip records (one place for chip facts). */
const ESP_STRAPS: Readonly<Record<string, { pin: string; also?: string }>> = Object.fromEntries(
  ESP_CHIP_RECORDS.flatMap((c) => (c.bootStrap ? [[c.name, c.bootStrap]] : [])),
);
const CHIP_TITLES: Readonly<Record<string, string>> = Object.fromEntries(ESP_CHIP_RECORDS.map((c) => [c.name, c.description]));

/** The family a chip name belongs to, from its prefix. */
export function bootFamilyOf(chip: string | undefined): BootFamily | undefined {
  if (!chip) return undefined;
  const c = chip.toLowerCase();
  if (c.startsWith('esp')) return 'esp';
  if (/^bk72|^beken/.test(c)) return 'beken';
  if (/^sf32/.test(c)) return 'sifli';
  return undefined;
}

/** `esp32c3` from `esp32c3`, `ESP32-C3` or `esp32-c3`. */
function key(chip: string): string {
  return chip.toLowerCase().replace(/[-_\s]/g, '');
}

/** `GPIO9` for an ESP32-C3; undefined for chips without a strapping pin table entry. */
export function bootStrapPin(chip: string | undefined): string | undefined {
  return chip ? ESP_STRAPS[key(chip)]?.pin : undefined;
}

/** The other strapping pins of the chip and the level download mode needs (`GPIO8 high`). */
export function otherStraps(chip: string | undefined): string | undefined {
  return chip ? ESP_STRAPS[key(chip)]?.also : undefined;
}

/** `BOOT (GPIO9 on the ESP32-C3)`, or every family's pin when the chip is not known. */
export function bootButton(chip: string | undefined): string {
  const k = chip ? key(chip) : '';
  const strap = ESP_STRAPS[k];
  if (!strap) return 'BOOT (GPIO0 on ESP32/S2/S3/ESP8266, GPIO9 on C2/C3/C6/H2, GPIO28 on C5, GPIO35 on P4)';
  return `BOOT (${strap.pin} on the ${CHIP_TITLES[k] ?? chip})`;
}

/** One sentence: how to enter the bootloader by hand on this family/chip, in this kind of front end. */
export function manualBootEntry(ctx: BootContext = {}): string {
  const family = ctx.family ?? bootFamilyOf(ctx.chip);
  if (family === 'beken') {
    return 'Beken chips have no BOOT pin: start the tool, then reset the chip while it is linking (touch CEN to GND for a moment, or power-cycle the chip); check the wiring: adapter TX to the chip\'s RX1, adapter RX to its TX1 (swap if unsure), common GND.';
  }
  if (family === 'sifli') {
    return 'SiFli SF32 has no BOOT pin: hard-reset or power-cycle the board and connect within its ~2 s boot window (start the tool first, then power-cycle).';
  }
  const then = ctx.web ? 'then click Connect again' : 'then run again with --before no-reset';
  return `Put the chip into download mode by hand: hold ${bootButton(ctx.chip)} low, tap RESET (EN), release BOOT, ${then}.`;
}

/**
 * Beken after a long run of failed link attempts (the tool asked for resets all along): the wiring
 * is the likelier fault, so it comes first.
 */
export function bekenWiringFirst(): string {
  return 'The tool knocked for a long time with resets asked for: check the wiring first — adapter TX to the chip\'s RX1 and RX to its TX1 (swap them if unsure; TX2/RX2 is only the log UART), common GND, a solid 3.3 V — then reset by CEN or power-cycle while it is linking.';
}

/** What a boot banner's strapping value means, for evidence lines. */
export function strapMeaning(chip: string | undefined, download: boolean): string {
  const pin = bootStrapPin(chip);
  const which = pin ? pin : 'the BOOT pin';
  return download
    ? `the chip saw ${which} low at reset and started its download mode`
    : `the chip saw ${which} high at reset and booted from flash instead of its download mode`;
}
