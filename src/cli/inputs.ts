import { readFileSync, statSync } from 'node:fs';
import { AnyflashError } from '../core/errors.js';
import type { Region } from '../engine/regions.js';
import { parseNumber } from '../engine/parse.js';
import { loadInput } from '../formats/input.js';

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
}

/** Loads every file argument into regions (all input checks happen here, before any device I/O). */
export function loadFileArgs(args: readonly FileArg[], chip?: string): LoadedInputs {
  const regions: Region[] = [];
  const warnings: string[] = [];
  for (const a of args) {
    const bytes = readInputFile(a.file);
    const loaded = loadInput(a.file, bytes, { address: a.address, chip });
    warnings.push(...loaded.warnings);
    regions.push(...loaded.regions);
  }
  return { regions, warnings };
}
