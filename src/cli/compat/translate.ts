import { translateBk7231tools, translateLtchiptool } from './beken.js';
import { translateIdfPy } from './idf.js';
import { ANYFLASH_EXTRAS, type Step } from './device-args.js';
import { ESPFLASH_ONLY, isEspflashV1, translateEspflash } from './espflash.js';
import { ESPTOOL_GLOBALS, isEsptoolCommand, translateEsptool } from './esptool.js';
import { commandKey, isOptionToken, leadingOptions, normaliseOptionName, opt, repeatedPort, type OptSpec } from './options.js';
import { SFTOOL_GLOBALS, translateSftool } from './sftool.js';

export type Tool = 'esptool' | 'espflash' | 'bk7231tools' | 'ltchiptool' | 'sftool' | 'idf.py';

export interface Translation {
  /** The grammar the line was read in; undefined for anyflash's own. */
  tool?: Tool;
  steps: Step[];
}

/** Names a tool may be invoked by, so `anyflash esptool.py …` and `anyflash python -m esptool …` read as that tool. */
const TOOL_NAMES: Record<string, Tool> = {
  esptool: 'esptool',
  'esptool.py': 'esptool',
  espflash: 'espflash',
  'cargo-espflash': 'espflash',
  bk7231tools: 'bk7231tools',
  ltchiptool: 'ltchiptool',
  sftool: 'sftool',
  'idf.py': 'idf.py',
};

/** anyflash's device options, which may also come before the command. */
const ANYFLASH_GLOBALS: readonly OptSpec[] = [
  opt('port', 1, '-p', '--port'),
  opt('baud', 1, '-b', '--baud'),
  opt('chip', 1, '-c', '--chip'),
  opt('before', 1, '--before'),
  opt('after', 1, '--after'),
  opt('stub', 1, '--stub'),
  opt('memory', 1, '--memory'),
  opt('connectAttempts', 1, '--connect-attempts'),
  opt('flag', 0, '--no-stub', '--bootloader', '--keep-protection', '--no-wait', '-v', '--verbose'),
];

const PASS_THROUGH = new Set(['-h', '--help', '-V', '--version', 'help']);

export function translateFor(tool: Tool, tokens: readonly string[]): Step[] {
  switch (tool) {
    case 'esptool':
      return translateEsptool(tokens);
    case 'espflash':
      return translateEspflash(tokens);
    case 'bk7231tools':
      return translateBk7231tools(tokens);
    case 'ltchiptool':
      return translateLtchiptool(tokens);
    case 'sftool':
      return translateSftool(tokens);
    case 'idf.py':
      return translateIdfPy(tokens);
  }
}

/** `python -m esptool …` pasted after `anyflash`: the interpreter words name the tool. */
function stripInterpreter(tokens: readonly string[]): readonly string[] {
  if (/^(python[0-9.]*|py)(\.exe)?$/i.test(tokens[0] ?? '') && tokens[1] === '-m') return tokens.slice(2);
  if (tokens[0] === '-m' && tokens[1] !== undefined && TOOL_NAMES[tokens[1].toLowerCase()]) return tokens.slice(1);
  return tokens;
}

/**
 * Reads a command line in whichever grammar it was written: anyflash's own, or esptool's,
 * espflash's, bk7231tools', ltchiptool's or sftool's (named first, or recognised by its command and
 * options), and says which anyflash commands to run.
 */
export function translate(argv: readonly string[], forced?: Tool, nativeCommands: readonly string[] = []): Translation {
  // Build systems substitute empty template values as "" (Arduino's "{upload.verbose}"): no argument.
  const given = argv.filter((t) => t !== '');
  if (forced) return { tool: forced, steps: translateFor(forced, given) };
  const tokens = stripInterpreter(given);
  const first = tokens[0];
  if (first === undefined || PASS_THROUGH.has(first)) return { steps: [{ argv: [...tokens] }] };
  const named = first === '-m' ? undefined : TOOL_NAMES[first.toLowerCase().replace(/^.*[\\/]/, '').replace(/\.exe$/, '')];
  if (named) return { tool: named, steps: translateFor(named, tokens.slice(1)) };
  const tool = recognise(tokens, nativeCommands);
  if (tool) return { tool, steps: translateFor(tool, tokens) };
  return { steps: [{ argv: native(tokens) }] };
}

/** Which foreign grammar a line without a tool name is in, if any. */
function recognise(tokens: readonly string[], nativeCommands: readonly string[]): Tool | undefined {
  const { leading, index } = leadingOptions(tokens, [ESPTOOL_GLOBALS, SFTOOL_GLOBALS, ANYFLASH_GLOBALS, ANYFLASH_EXTRAS]);
  const word = tokens[index];
  if (word === undefined) return undefined;
  const key = commandKey(word);
  const rest = tokens.slice(index + 1);
  const chip = valueOf(leading, ['-c', '--chip']);
  // bk7231tools' marks: -d/--device for the port, -s/-S/-l for start, skip and length.
  const bkMarks = ['-d', '--device', '--baudrate', '-S', '--skip', '-l', '--length', '--start'];
  const usesDevice = rest.some((t) => bkMarks.includes(t.startsWith('--') ? normaliseOptionName(t.split('=')[0]!) : t));
  if (key === 'flash') return ['write', 'read', 'info'].includes((rest.find((t) => !isOptionToken(t)) ?? '').toLowerCase()) ? 'ltchiptool' : 'espflash';
  if (key === 'chip-info' || (usesDevice && ['write-flash', 'read-flash'].includes(key))) return 'bk7231tools';
  const isNative = nativeCommands.includes(word) || nativeCommands.includes(key);
  if (chip?.toLowerCase().startsWith('sf32') || leading.some((t) => ['-m', '--memory', '--compat'].includes(t))) {
    if (['write-flash', 'read-flash', 'erase-flash', 'erase-region', 'config'].includes(key) || !isNative) return 'sftool';
  }
  if (ESPFLASH_ONLY.includes(key)) return 'espflash';
  if (!isNative && isEspflashV1(tokens, word)) return 'espflash';
  // FILE@ADDRESS in write_flash, ADDRESS:SIZE in erase_region, FILE@ADDRESS:SIZE in read_flash: sftool's forms.
  if (['write-flash', 'read-flash', 'erase-region'].includes(key) && word !== key && rest.some((t) => !isOptionToken(t) && /^[^@]+@(0x)?[0-9a-f]+(:\S+)?$|^(0x)?[0-9a-f]+:(0x)?[0-9a-f]+$/i.test(t))) return 'sftool';
  // espflash's spellings of the commands it shares with esptool: -B baud, -M monitor.
  if (['read-flash', 'erase-flash', 'erase-region'].includes(key) && tokens.some((t) => ['-B', '-M', '--non-interactive', '--block-size', '--max-in-flight'].includes(t))) return 'espflash';
  if (isEsptoolCommand(word) && (word !== key || !NATIVE_ALSO.has(key) || leading.length > 0 || looksEsptool(rest))) return 'esptool';
  // Global options first and a command anyflash does not have: an esptool line with a typo.
  if (leading.length > 0 && nativeCommands.length > 0 && !isNative) return 'esptool';
  return undefined;
}

/**
 * Commands anyflash itself also spells this way (aliases of write/read/erase/verify/info): read as
 * anyflash unless the line has esptool's marks.
 */
const NATIVE_ALSO = new Set(['write-flash', 'read-flash', 'erase-flash', 'erase-region', 'verify-flash', 'flash-id', 'chip-id', 'read-mac', 'image-info', 'merge-bin', 'elf2image']);

function looksEsptool(rest: readonly string[]): boolean {
  return rest.some((t) => /^(-z|-u|-e|-fm|-ff|-fs|--compress|--no-compress|--erase[-_]all|--flash[-_](mode|freq|size)(=.*)?|--verify|--diff-with|--skip-flashed|--no-progress|--encrypt)$/.test(t) || ESPTOOL_IMAGE_MARKS.test(t));
}

/**
 * elf2image/image_info options anyflash's image commands spell differently or lack (`--version=2`
 * is esptool's image format version, anyflash's --image-version).
 */
const ESPTOOL_IMAGE_MARKS = /^(--version|--min[-_]rev|--append[-_]digest)(=.*)?$/;

function valueOf(leading: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < leading.length; i++) {
    const t = leading[i]!;
    const [name, inline] = t.startsWith('--') && t.includes('=') ? [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)] : [t, undefined];
    if (names.includes(normaliseOptionName(name!))) return inline ?? leading[i + 1];
  }
  return undefined;
}

/**
 * anyflash's own grammar, with device options allowed before the command (moved after it, where
 * commander reads them), `_`/`-` in command and option names, esptool's reset-mode spellings, and a
 * refusal of two different --port values for commands that work on one device.
 */
function native(tokens: readonly string[]): string[] {
  const { leading, index } = leadingOptions(tokens, [ANYFLASH_GLOBALS, ANYFLASH_EXTRAS]);
  const command = tokens[index];
  if (command === undefined) return [...tokens];
  // After `--` the words are another program's (`anyflash explain -- idf.py -p PORT flash`): untouched.
  const end = tokens.indexOf('--', index + 1);
  const rest = tokens.slice(index + 1, end < 0 ? undefined : end);
  const passed = end < 0 ? [] : tokens.slice(end);
  const isImageAlias = ['image-info', 'merge-bin', 'elf2image'].includes(commandKey(command));
  const words = isImageAlias ? ['image', commandKey(command) === 'merge-bin' ? 'merge' : commandKey(command) === 'image-info' ? 'info' : 'elf2image'] : [command.includes('_') ? commandKey(command) : command];
  const all = [...leading, ...rest].map(normaliseToken);
  // write and flash-project run on every --port given (a production line); the rest take one.
  if (!['write', 'write-flash', 'flash-project'].includes(commandKey(command))) checkPorts(all);
  const options = [...rest.map(normaliseToken), ...leading.map(normaliseToken)].map((t, i, arr) => {
    const prev = arr[i - 1];
    return prev === '--before' || prev === '--after' ? t.toLowerCase().replace(/_/g, '-') : t;
  });
  return [...words, ...options, ...passed];
}

/** `--flash_mode` → `--flash-mode`, `--port=X` kept whole. */
function normaliseToken(t: string): string {
  if (!t.startsWith('--')) return t;
  const eq = t.indexOf('=');
  return eq > 0 ? normaliseOptionName(t.slice(0, eq)) + t.slice(eq) : normaliseOptionName(t);
}

function checkPorts(tokens: readonly string[]): void {
  const ports: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '-p' || t === '--port') {
      if (tokens[i + 1] !== undefined) ports.push(tokens[i + 1]!);
    } else if (t.startsWith('--port=')) ports.push(t.slice('--port='.length));
  }
  const distinct = [...new Set(ports)];
  if (distinct.length > 1) throw repeatedPort(distinct);
}

