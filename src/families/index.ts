import { AnyflashError, ErrorCodes, INPUT_CODES, isAnyflashError } from '../core/errors.js';
import { bekenFamily } from './beken/index.js';
import { espFamily } from './esp/index.js';
import { sifliFamily } from './sifli/index.js';
import type { ConnectOptions, Family, FamilyName, FlashDevice } from './types.js';

/** The one registry a new family touches. */
export const FAMILIES: readonly Family[] = [espFamily, bekenFamily, sifliFamily].sort((a, b) => a.probeCost - b.probeCost);

export function familyByName(name: string): Family | undefined {
  return FAMILIES.find((f) => f.name === name);
}

/** Resolves `--chip` (a chip or a family name) to the families to try, cheapest first. */
export function familiesFor(chip?: string): Family[] {
  if (!chip) return [...FAMILIES];
  const key = normaliseChip(chip);
  const byFamily = FAMILIES.find((f) => f.name === key);
  if (byFamily) return [byFamily];
  const owner = FAMILIES.find((f) => f.chips.includes(key));
  if (!owner) {
    throw new AnyflashError('unknown-chip', `Unknown chip "${chip}".`, {
      advice: [`Known chips: ${FAMILIES.flatMap((f) => f.chips).join(', ')}; or leave --chip out to detect it.`],
    });
  }
  return [owner];
}

/** `ESP32-S3`, `esp32_s3`, `esp32s3` all name the same chip. */
export function normaliseChip(chip: string): string {
  return chip.toLowerCase().replace(/[-_\s]/g, '');
}

/** How bad a connect failure is as evidence: a specific diagnosis beats plain silence. */
const SILENT = new Set(['no-response', 'timeout']);

/**
 * Finds the family and chip: each family's handshake in turn, cheapest first. With one candidate
 * family the family's own attempt budget applies; while searching, each family gets a short one.
 */
export async function connectDevice(options: ConnectOptions): Promise<FlashDevice> {
  const families = familiesFor(options.chip);
  const chip = options.chip && familyByName(normaliseChip(options.chip)) ? undefined : options.chip && normaliseChip(options.chip);
  if (families.length === 1) return families[0]!.connect({ ...options, chip });
  const failures: AnyflashError[] = [];
  for (const family of families) {
    try {
      options.events({ type: 'note', level: 'info', message: `Trying ${family.title} handshake…` });
      return await family.connect({ ...options, chip, connectAttempts: options.connectAttempts ?? 2, wait: false });
    } catch (e) {
      if (!isAnyflashError(e) || e.code === 'aborted') throw e;
      // An option only another family understands (e.g. --before power-cycle) is not fatal while searching.
      if (INPUT_CODES.has(e.code) && e.code !== 'bad-input') throw e;
      failures.push(e);
    }
  }
  const loud = failures.filter((f) => !SILENT.has(f.code) && f.code !== 'bad-input');
  if (loud.length > 1 && loud.every((f) => f.code === loud[0]!.code)) throw sharedFailure(loud, families);
  const best = loud[0] ?? failures.find((f) => f.code === 'bad-input');
  if (best) throw best;
  throw new AnyflashError('no-response', 'No supported chip answered (tried ' + families.map((f) => f.name).join(', ') + ').', {
    evidence: failures.map((f) => `${f.family ?? '?'}: ${f.message}`),
    advice: [
      'Check that the board is powered and the port is the right one (anyflash list).',
      'Put the chip in download mode by hand (ESP: hold BOOT, tap RESET; Beken: power-cycle while connecting; SiFli: power the board within 2 s).',
      'Give --chip to narrow the search and use the family-specific guided entry.',
    ],
  });
}

/**
 * Several families saw the same thing (over TCP every family reads a firmware's console, whatever
 * its baud), so no one family may claim the board: say what was seen and how each family's chip is
 * put into download mode.
 */
function sharedFailure(failures: readonly AnyflashError[], families: readonly Family[]): AnyflashError {
  const code = failures[0]!.code;
  return new AnyflashError(code, `No chip answered its download handshake (tried ${families.map((f) => f.name).join(', ')}): ${ErrorCodes[code].replace(/^./, (c) => c.toLowerCase())}`, {
    evidence: failures.flatMap((f) => [`${f.family ?? '?'}: ${f.message}`, ...f.evidence.map((e) => `${f.family ?? '?'}: ${e}`)]),
    advice: [...failures.map((f) => `${familyByName(f.family ?? '')?.title ?? f.family}: ${f.advice[0] ?? f.message}`), 'Give --chip to narrow the search to your chip; anyflash then guides its download-mode entry.'],
  });
}

export type { FamilyName };
