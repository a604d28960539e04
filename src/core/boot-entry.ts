/**
 * How each chip is put into its serial bootloader by hand, as data. Our own connect errors,
 * `doctor` and `explain` all word the manual boot entry from here, so a C3 is never told about
 * GPIO0 and a Beken chip never about a BOOT button it does not have.
 *
 * ESP strapping pins: esptool docs "Boot Mode Selection" and the chips' hardware design guidelines
 * (ESP32/S2/S3 and ESP8266: GPIO0; C2/C3/C6/C61/H2: GPIO9; C5: GPIO28; P4: GPIO35).
 */

export type BootFamily = 'esp' | 'beken' | 'sifli';

export interface BootContext {
  family?: BootFamily;
  /** anyflash chip name (`esp32c3`, `bk7231n`, `sf32lb52`). */
  chip?: string;
  /** The flasher runs in a browser page (ESP Web Tools, esptool-js): no command-line options to give. */
  web?: boolean;
}

interface Strap {
  /** The pin that selects download mode when held low at reset. */
  pin: string;
  /** Other strapping pins that must not be pulled the wrong way. */
  also?: string;
}

const ESP_STRAPS: Readonly<Record<string, Strap>> = {
  esp8266: { pin: 'GPIO0', also: 'GPIO2 high, GPIO15 low' },
  esp32: { pin: 'GPIO0', also: 'GPIO2 low or floating' },
  esp32s2: { pin: 'GPIO0', also: 'GPIO46 low or floating' },
  esp32s3: { pin: 'GPIO0', also: 'GPIO46 low or floating' },
  esp32c2: { pin: 'GPIO9', also: 'GPIO8 high' },
  esp32c3: { pin: 'GPIO9', also: 'GPIO8 high' },
  esp32c6: { pin: 'GPIO9', also: 'GPIO8 high' },
  esp32c61: { pin: 'GPIO9', also: 'GPIO8 high' },
  esp32h2: { pin: 'GPIO9', also: 'GPIO8 high' },
  esp32c5: { pin: 'GPIO28' },
  esp32p4: { pin: 'GPIO35' },
};

const CHIP_TITLES: Readonly<Record<string, string>> = {
  esp8266: 'ESP8266', esp32: 'ESP32', esp32s2: 'ESP32-S2', esp32s3: 'ESP32-S3', esp32c2: 'ESP32-C2', esp32c3: 'ESP32-C3',
  esp32c5: 'ESP32-C5', esp32c6: 'ESP32-C6', esp32c61: 'ESP32-C61', esp32h2: 'ESP32-H2', esp32p4: 'ESP32-P4',
};

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
