import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AnyflashError } from '../core/errors.js';
import type { Region } from '../engine/regions.js';
import { parseNumber } from '../engine/parse.js';
import { loadInput } from '../formats/input.js';
import { parseFlasherArgs, platformioPlan, type ProjectPlan } from '../formats/flasher-args.js';

export interface FileArg {
  file: string;
  address?: number;
}

/**
 * Pairs write arguments: esptool style `0x1000 boot.bin 0x8000 pt.bin`, `file.bin@0x10000`, and
 * files that carry their own addresses (Intel HEX, UF2, ELF).
 */
export function parseFileArgs(tokens: readonly string[]): FileArg[] {
  const out: FileArg[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    // Anything shaped like a number (no path separator or extension) is an address, so a typo
    // such as 0x1g000 is reported as a bad number, not as a missing file.
    if (/^(0x|\d)/i.test(t) && !/[./\\@]/.test(t)) {
      const file = tokens[i + 1];
      if (file === undefined) throw new AnyflashError('bad-input', `Address ${t} has no file after it.`, { advice: ['Write pairs like: 0x10000 app.bin'] });
      out.push({ address: parseNumber(t, 'address'), file });
      i++;
      continue;
    }
    const at = t.lastIndexOf('@');
    if (at > 0) {
      out.push({ file: t.slice(0, at), address: parseNumber(t.slice(at + 1), `address of ${t.slice(0, at)}`) });
      continue;
    }
    out.push({ file: t });
  }
  if (out.length === 0) throw new AnyflashError('bad-input', 'No files given.', { advice: ['Example: anyflash write 0x10000 app.bin'] });
  return out;
}

/** Reads a file with one clear error per failure: missing, unreadable, a directory, empty. */
export function readInputFile(file: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new AnyflashError('bad-input', `${file} is a directory, not a file.`, { file });
    size = st.size;
  } catch (e) {
    if (e instanceof AnyflashError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AnyflashError('file-not-found', `${file} does not exist.`, { file, advice: ['Check the file name and path.'] });
    throw new AnyflashError('file-unreadable', `${file} cannot be read (${code ?? String(e)}).`, { file, cause: e });
  }
  if (size === 0) throw new AnyflashError('file-empty', `${file} is empty.`, { file });
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AnyflashError('file-unreadable', `${file} cannot be read (${code ?? String(e)}).`, {
      file,
      cause: e,
      advice: code === 'EACCES' ? ['Check the file permissions.'] : [],
    });
  }
}

export interface LoadedInputs {
  regions: Region[];
  warnings: string[];
  /** Settings a project build asks for (chip, flash mode/freq/size). */
  project?: ProjectPlan;
}

/** `--flash-mode/--flash-freq/--flash-size` for bootloader headers; `keep` leaves them as built. */
export interface FlashSettings {
  flashMode?: string;
  flashFreq?: string;
  flashSize?: string;
}

const isDirectory = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/**
 * A build folder: ESP-IDF's flasher_args.json (in the folder or its build/), or a PlatformIO
 * build holding firmware.bin (bootloader and partition table offsets come from the chip).
 */
export function loadProject(dir: string, chip?: string): ProjectPlan & { dir: string } {
  for (const candidate of [dir, join(dir, 'build')]) {
    const args = join(candidate, 'flasher_args.json');
    if (existsSync(args)) return { ...parseFlasherArgs(readFileSync(args, 'utf8'), args), dir: candidate };
  }
  const names = readdirSync(dir);
  if (names.includes('firmware.bin')) {
    if (!chip) {
      throw new AnyflashError('bad-input', `${dir} looks like a PlatformIO build; its offsets depend on the chip.`, {
        advice: ['Pass --chip (e.g. --chip esp32s3).'],
      });
    }
    const plan = platformioPlan(names, chip);
    if (plan) return { ...plan, dir };
  }
  throw new AnyflashError('bad-input', `${dir} is a directory without flasher_args.json or firmware.bin.`, {
    advice: ['Point at an ESP-IDF build folder (with flasher_args.json) or give files with addresses.'],
  });
}

/** Loads every file argument into regions (all input checks happen here, before any device I/O). */
export function loadFileArgs(args: readonly FileArg[], chip?: string, settings: FlashSettings = {}): LoadedInputs {
  const regions: Region[] = [];
  const warnings: string[] = [];
  let project: ProjectPlan | undefined;
  for (const a of args) {
    if (a.address === undefined && isDirectory(a.file)) {
      const loadedProject = loadProject(a.file, chip);
      project = loadedProject;
      const flash = {
        flashMode: settings.flashMode ?? loadedProject.flashMode,
        flashFreq: settings.flashFreq ?? loadedProject.flashFreq,
        flashSize: settings.flashSize ?? loadedProject.flashSize,
      };
      for (const f of project.files) {
        const path = join(loadedProject.dir, f.path);
        const loaded = loadInput(path, readInputFile(path), { address: f.address, chip: chip ?? loadedProject.chip, ...flash });
        warnings.push(...loaded.warnings);
        regions.push(...loaded.regions);
      }
      continue;
    }
    const bytes = readInputFile(a.file);
    const loaded = loadInput(a.file, bytes, { address: a.address, chip, ...settings });
    warnings.push(...loaded.warnings);
    regions.push(...loaded.regions);
  }
  return { regions, warnings, project };
}
