import { readFileSync } from 'node:fs';
import { AnyflashError } from '../../core/errors.js';

/**
 * Splits one line as a POSIX shell would (quotes, backslash escapes), which is how esptool reads
 * `@argfile` lines (Python's shlex.split, where `#` is an ordinary character).
 */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '\\' && i + 1 < line.length) word += line[++i];
    else word += ch;
  }
  if (quote) throw new AnyflashError('bad-input', `Unclosed ${quote} quote in: ${line.trim()}`);
  if (inWord) words.push(word);
  return words;
}

/**
 * Replaces every `@FILE` argument with the words in FILE, line by line, as esptool does for
 * idf.py's `@flash_args`. Paths inside stay as written: like esptool, they are relative to the
 * current directory, not to the argument file.
 */
export function expandArgfiles(args: readonly string[], read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string[] {
  const out: string[] = [];
  for (const arg of args) {
    if (!arg.startsWith('@') || arg.length === 1) {
      out.push(arg);
      continue;
    }
    const path = arg.slice(1);
    let text: string;
    try {
      text = read(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new AnyflashError(code === 'ENOENT' ? 'file-not-found' : 'file-unreadable', `Argument file ${path} (from ${arg}) cannot be read${code ? ` (${code})` : ''}.`, {
        file: path,
        advice: ['Run the command from the folder that holds the file (idf.py writes flash_args into the build folder), or give its path: @build/flash_args.'],
      });
    }
    for (const line of text.split(/\r?\n/)) out.push(...splitShellWords(line));
  }
  return out;
}
