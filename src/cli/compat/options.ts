import { AnyflashError } from '../../core/errors.js';

/**
 * One option of a foreign tool's grammar. `arity`: 0 a flag, 1 one value, 'many' values up to the
 * next option (esptool's --diff-with), 'bool?' an optional true/false (sftool's --compat).
 */
export interface OptSpec {
  names: readonly string[];
  key: string;
  arity: 0 | 1 | 'many' | 'bool?';
}

export interface FoundOpt {
  key: string;
  /** As typed, for messages. */
  name: string;
  value?: string;
  values?: string[];
}

export interface Scanned {
  opts: FoundOpt[];
  positionals: string[];
}

export const opt = (key: string, arity: OptSpec['arity'], ...names: string[]): OptSpec => ({ key, arity, names });

/** `write_flash`, `write-flash` and `WRITE_FLASH` are one command (esptool v4 → v5 renamed them). */
export const commandKey = (word: string): string => word.toLowerCase().replace(/_/g, '-');

/** `--flash_mode` and `--flash-mode` are one option; short options keep their case (`-s` ≠ `-S`). */
export function normaliseOptionName(name: string): string {
  return name.startsWith('--') ? name.toLowerCase().replace(/_/g, '-') : name;
}

/** Looks like an option (not a lone `-` or a negative number). */
export function isOptionToken(t: string): boolean {
  return t.length > 1 && t.startsWith('-') && !/^-\d/.test(t);
}

export function findSpec(name: string, tables: ReadonlyArray<readonly OptSpec[]>): OptSpec | undefined {
  const n = normaliseOptionName(name);
  for (const table of tables) {
    const hit = table.find((s) => s.names.includes(n));
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Reads options and positionals in any order, as argparse/click/clap do. Unknown options are
 * refused with the closest known name; `--` ends the options.
 */
export function scanArgs(tokens: readonly string[], tables: ReadonlyArray<readonly OptSpec[]>, where: string): Scanned {
  const opts: FoundOpt[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '--') {
      positionals.push(...tokens.slice(i + 1));
      break;
    }
    if (!isOptionToken(t)) {
      positionals.push(t);
      continue;
    }
    const { name, inline } = splitOption(t, tables);
    const spec = findSpec(name, tables);
    if (!spec) throw unknownOption(name, tables.flatMap((tb) => tb.flatMap((s) => s.names)), where);
    if (spec.arity === 0) {
      opts.push({ key: spec.key, name });
    } else if (spec.arity === 1) {
      const value = inline ?? tokens[++i];
      if (value === undefined) throw missingValue(name, where);
      opts.push({ key: spec.key, name, value });
    } else if (spec.arity === 'bool?') {
      const next = inline ?? tokens[i + 1];
      const isBool = next !== undefined && /^(true|false)$/i.test(next);
      if (isBool && inline === undefined) i++;
      opts.push({ key: spec.key, name, value: isBool ? next!.toLowerCase() : 'true' });
    } else {
      const values = inline !== undefined ? [inline] : [];
      while (i + 1 < tokens.length && !isOptionToken(tokens[i + 1]!)) values.push(tokens[++i]!);
      opts.push({ key: spec.key, name, values });
    }
  }
  return { opts, positionals };
}

/**
 * An option token's name and inline value: `--port=X`, and `-pX`/`-b115200` (a one-letter option
 * that takes a value, with the value attached, as argparse, click and clap all accept).
 */
export function splitOption(t: string, tables: ReadonlyArray<readonly OptSpec[]>): { name: string; inline?: string } {
  if (t.startsWith('--')) {
    const eq = t.indexOf('=');
    return eq > 0 ? { name: t.slice(0, eq), inline: t.slice(eq + 1) } : { name: t };
  }
  if (t.length > 2 && !findSpec(t, tables) && findSpec(t.slice(0, 2), tables)?.arity === 1) return { name: t.slice(0, 2), inline: t.slice(2) };
  return { name: t };
}

export function missingValue(name: string, where: string): AnyflashError {
  return new AnyflashError('bad-input', `Option ${name} of ${where} needs a value.`, { advice: [`Give it after the option: ${name} VALUE.`] });
}

export function unknownOption(name: string, known: readonly string[], where: string): AnyflashError {
  const near = closest(normaliseOptionName(name), known);
  const longNames = [...new Set(known.filter((n) => n.startsWith('--')))];
  return new AnyflashError('unknown-option', `Unknown option ${name} for ${where}.`, {
    advice: [near ? `Did you mean ${near}?` : `Options here: ${longNames.join(', ')}.`],
  });
}

/** The nearest candidate by edit distance, if it is near enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  // `write` for `write-flash`: the first word of a longer name.
  const longer = candidates.find((c) => c.toLowerCase().startsWith(word.toLowerCase() + '-'));
  if (longer) return longer;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of new Set(candidates)) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Edits (insert, delete, replace, swap two neighbours) turning a into b. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** Last value of an option, refusing two different values for one that takes a single value. */
export function single(opts: readonly FoundOpt[], key: string): string | undefined {
  const values = [...new Set(opts.filter((o) => o.key === key && o.value !== undefined).map((o) => o.value!))];
  if (values.length > 1) {
    const name = opts.find((o) => o.key === key)!.name;
    if (key === 'port') throw repeatedPort(values, name);
    throw new AnyflashError('bad-input', `${name} was given ${values.length} different values (${values.join(', ')}).`, {
      advice: [`Give ${name} once.`],
    });
  }
  return values[0];
}

export const has = (opts: readonly FoundOpt[], key: string): boolean => opts.some((o) => o.key === key);

export function repeatedPort(ports: readonly string[], option = '--port'): AnyflashError {
  return new AnyflashError('bad-input', `${option} was given ${ports.length} different ports (${ports.join(', ')}), but this command works on one device.`, {
    advice: [`Run one command per port, e.g. ${ports.map((p) => `${option} ${p}`).join(' then ')}; anyflash write flashes several devices at once (--port A --port B, --ports GLOB, --all-ports).`],
  });
}

/**
 * The options before the command word (global options, with their values) and where the command
 * word is. Unknown options count as flags here; scanning them later refuses them.
 */
export function leadingOptions(tokens: readonly string[], tables: ReadonlyArray<readonly OptSpec[]>): { leading: string[]; index: number } {
  let i = 0;
  while (i < tokens.length && isOptionToken(tokens[i]!)) {
    const { name, inline: value } = splitOption(tokens[i++]!, tables);
    const inline = value !== undefined;
    const spec = findSpec(name, tables);
    if (spec?.arity === 1 && !inline) i++;
    else if (spec?.arity === 'bool?' && !inline && /^(true|false)$/i.test(tokens[i] ?? '')) i++;
    else if (spec?.arity === 'many') while (i < tokens.length && !isOptionToken(tokens[i]!)) i++;
  }
  return { leading: tokens.slice(0, Math.min(i, tokens.length)), index: i };
}
