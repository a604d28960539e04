import { AnyflashError, ErrorCodes, INPUT_CODES, isAnyflashError } from '../core/errors.js';
import { BEKEN_FAMILY } from './beken/chips.js';
import { ESP_FAMILY } from './esp/chips.js';
import { SIFLI_FAMILY } from './sifli/chips.js';
import type { ConnectOptions, Family, FamilyFacts, FamilyName, FlashDevice } from './types.js';

/** A family whose protocol code loads on its first connect: `--chip esp32` loads no Beken or SiFli module. */
function loadedOnConnect(facts: FamilyFacts, load: () => Promise<Family>): Family {
  return { ...facts, connect: async (options) => (await load()).connect(options) };
}

/** The one registry a new family touches. */
export const FAMILIES: readonly Family[] = [
  loadedOnConnect(ESP_FAMILY, async () => (await import('./esp/index.js')).espFamily),
  loadedOnConnect(BEKEN_FAMILY, async () => (await import('./beken/index.js')).bekenFamily),
  loadedOnConnect(SIFLI_FAMILY, async () => (await import('./sifli/index.js')).sifliFamily),
].sort((a, b) => a.probeCost - b.probeCost);

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

/**
 * How much a failed handshake says about the board, highest first. Readable evidence (a console,
 * a boot log) names what is wrong; unreadable bytes at one family's baud are most often another
 * family's speech; silence says least.
 */
function weight(code: string): number {
  if (code === 'no-response' || code === 'timeout' || code === 'bad-input') return 0;
  if (code === 'garbled-reply' || code === 'echo-loopback') return 1;
  return 2;
}

/**
 * Finds the family and chip. With one candidate family (`--chip`, or a simulator that names its
 * chip) that family's own attempt budget applies. While searching, a sniff first sends every
 * family's hello once, so a listening chip's family is tried first; then every family gets one
 * short attempt, cheapest first, so the last family is reached about a second later than its own
 * handshake takes; only when none answered does each get its full attempts. Once a family's chip
 * answered its handshake, that family's outcome is the answer.
 */
export async function connectDevice(options: ConnectOptions): Promise<FlashDevice> {
  const named = options.chip ?? options.transport.facts.chip;
  const families = familiesFor(named);
  const chip = named && familyByName(normaliseChip(named)) ? undefined : named && normaliseChip(named);
  if (families.length === 1) return families[0]!.connect({ ...options, chip });
  // A chip that already listens answers its family's hello: that family goes first. A given
  // `--before` is the person's way in (e.g. a stub left running): nothing else is sent then.
  const heard = options.before === undefined ? await (await import('./sniff.js')).sniff(options.transport, options.signal) : undefined;
  if (heard) {
    options.events({ type: 'note', level: 'info', message: `${familyByName(heard)!.title} hello answered: trying ${familyByName(heard)!.title} first.` });
    families.sort((a, b) => Number(b.name === heard) - Number(a.name === heard));
  }
  const failures: AnyflashError[] = [];
  // Each round repeats the families' warnings about the port (e.g. no reset over TCP): while
  // searching, say each once. The device found keeps this sink, so it passes everything after.
  const warned = new Set<string>();
  let searching = true;
  const events: ConnectOptions['events'] = (e) => {
    if (searching && e.type === 'note' && e.code) {
      if (warned.has(e.code)) return;
      warned.add(e.code);
    }
    options.events(e);
  };
  // Each family starts from the port's baud, as with --chip (another's attempt may leave its own).
  const baud = options.transport.baud;
  for (const probe of [true, false]) {
    for (const family of families) {
      let answered = false;
      try {
        if (options.transport.canSetBaud && options.transport.baud !== baud) await options.transport.setBaud(baud);
        options.events({ type: 'note', level: 'info', message: `Trying ${family.title} handshake${probe ? ' (short)' : ''}…` });
        const device = await family.connect({
          ...options,
          events,
          chip,
          probe,
          connectAttempts: probe ? 1 : (options.connectAttempts ?? 2),
          wait: false,
          onHandshake: () => (answered = true),
        });
        searching = false;
        return device;
      } catch (e) {
        // A port failure is no family's: the next family would find the same port.
        if (!isAnyflashError(e) || e.code === 'aborted' || e.code.startsWith('port-') || answered) throw e;
        // An option only another family understands (e.g. --before power-cycle) is not fatal while searching.
        if (INPUT_CODES.has(e.code) && e.code !== 'bad-input') throw e;
        failures.push(e);
      }
    }
  }
  // Each family's full attempt saw more than its short one: judge by that.
  const finals = dedupe(failures);
  const top = Math.max(...finals.map((f) => weight(f.code)));
  const loud = top > 0 ? finals.filter((f) => weight(f.code) === top) : [];
  const first = loud[0];
  if (first && loud.some((f) => f !== first && f.code === first.code)) {
    throw sharedFailure(loud.filter((f) => f.code === first.code), families);
  }
  const best = first ?? finals.find((f) => f.code === 'bad-input');
  if (best) throw best;
  throw new AnyflashError('no-response', 'No supported chip answered (tried ' + families.map((f) => f.name).join(', ') + ').', {
    evidence: finals.map((f) => familyLine(f, f.message)),
    advice: [
      'Check that the board is powered and the port is the right one (anyflash list).',
      'Put the chip in download mode by hand (ESP: hold BOOT, tap RESET; Beken: power-cycle while connecting; SiFli: power the board within 2 s).',
      'Give --chip to narrow the search and use the family-specific guided entry.',
    ],
  });
}

/** One failure per family (the full attempt's, which saw most), in the order tried. */
function dedupe(failures: readonly AnyflashError[]): AnyflashError[] {
  const last = new Map<string | undefined, AnyflashError>();
  for (const f of failures) last.set(f.family, f);
  return [...last.values()];
}

/**
 * Several families saw the same thing (over TCP every family reads a firmware's console, whatever
 * its baud), so no one family may claim the board: say what was seen and how each family's chip is
 * put into download mode.
 */
function sharedFailure(failures: readonly AnyflashError[], families: readonly Family[]): AnyflashError {
  const code = failures[0]!.code;
  return new AnyflashError(code, `No chip answered its download handshake (tried ${families.map((f) => f.name).join(', ')}): ${ErrorCodes[code].replace(/^./, (c) => c.toLowerCase())}`, {
    evidence: failures.flatMap((f) => [familyLine(f, f.message), ...f.evidence.map((e) => familyLine(f, e))]),
    advice: [...failures.map((f) => familyLine(f, f.advice[0] ?? f.message)), 'Give --chip to narrow the search to your chip; anyflash then guides its download-mode entry.'],
  });
}

export type { FamilyName };

/** `ESP: text`, or the text alone when the failure names no family. */
function familyLine(f: AnyflashError, text: string): string {
  const title = familyByName(f.family ?? '')?.title;
  return title ? `${title}: ${text}` : text;
}
