import type { LogFacts } from './signatures/types.js';

/** What a flasher's command line asked for, in anyflash's terms. */
export interface Invocation {
  tool: string;
  op: 'write' | 'read' | 'erase' | 'verify' | 'info';
  port?: string;
  chip?: string;
  baud?: number;
  before?: string;
  after?: string;
  noStub?: boolean;
  /** ESP bootloader header settings the user asked for (esptool -fm/-ff/-fs, espflash -m/-f/-s). */
  flashMode?: string;
  flashFreq?: string;
  flashSize?: string;
  /** Erase the whole flash before writing (esptool write_flash -e, sftool --erase-all). */
  eraseAll?: boolean;
  /** Operands in anyflash order (addresses, sizes, files, `file@addr`). */
  operands: string[];
}

export interface RenderOptions {
  /** The baud the log's run failed at: never suggested again. */
  failedBaud?: number;
  /** The link could not carry the baud: suggest the safe 115200. */
  lowerBaud?: boolean;
}

/** The executable names we can read a command line from, and the tool each belongs to. */
const EXECUTABLES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(?:.*[\\/])?esptool(?:\.py|\.exe)?$/i, 'esptool'],
  [/^(?:.*[\\/])?espflash(?:\.exe)?$/i, 'espflash'],
  [/^(?:.*[\\/])?bk7231tools(?:\.exe)?$/i, 'bk7231tools'],
  [/^(?:.*[\\/])?ltchiptool(?:\.exe)?$/i, 'ltchiptool'],
  [/^(?:.*[\\/])?sftool(?:\.exe)?$/i, 'sftool'],
];

/** Finds the last flasher command line in the log and reads it. */
export function findInvocation(lines: readonly string[], workDir?: string): Invocation | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const inv = parseCommandLine(lines[i]!, workDir);
    if (inv) return inv;
  }
  return undefined;
}

export function parseCommandLine(line: string, workDir?: string): Invocation | undefined {
  const words = tokenize(line);
  for (let i = 0; i < words.length; i++) {
    let tool: string | undefined;
    let start = i + 1;
    if (words[i] === '-m' && words[i + 1] === 'esptool') [tool, start] = ['esptool', i + 2];
    else if (words[i] === 'cargo' && words[i + 1] === 'espflash') [tool, start] = ['espflash', i + 2];
    else tool = EXECUTABLES.find(([re]) => re.test(words[i]!))?.[1];
    if (!tool) continue;
    const inv = PARSERS[tool]?.(words.slice(start));
    if (inv) {
      if (workDir) inv.operands = inv.operands.map((o) => (isFileOperand(o) ? joinPath(workDir, o) : o));
      return inv;
    }
  }
  return undefined;
}

/** Renders the equivalent anyflash command (an erase first when the user asked to erase everything). */
export function renderCommand(inv: Invocation, facts: LogFacts = {}, options: RenderOptions = {}): string {
  const port = inv.port ?? facts.port;
  const chip = inv.chip ?? facts.chip;
  let baud = inv.baud ?? facts.baud;
  if (options.lowerBaud) baud = 115200;
  else if (baud !== undefined && baud === options.failedBaud) baud = undefined;
  const connection = (): string[] => {
    const parts: string[] = [];
    if (port) parts.push('--port', port);
    if (chip) parts.push('--chip', chip);
    if (baud) parts.push('--baud', String(baud));
    if (inv.before && inv.before !== 'default-reset') parts.push('--before', inv.before);
    return parts;
  };
  const parts = ['anyflash', inv.op, ...connection()];
  if (inv.after && inv.after !== 'hard-reset') parts.push('--after', inv.after);
  if (inv.noStub) parts.push('--no-stub');
  if (inv.op === 'write') {
    if (inv.flashMode) parts.push('--flash-mode', inv.flashMode);
    if (inv.flashFreq) parts.push('--flash-freq', inv.flashFreq);
    if (inv.flashSize) parts.push('--flash-size', inv.flashSize);
  }
  parts.push(...inv.operands);
  const command = parts.map(quote).join(' ');
  if (!inv.eraseAll || inv.op !== 'write') return command;
  return `${['anyflash', 'erase', ...connection()].map(quote).join(' ')} && ${command}`;
}

/** Header settings that mean "leave as built". */
function headerSetting(v: string | undefined): string | undefined {
  if (!v || /^(?:keep|detect)$/i.test(v)) return undefined;
  return v.replace(/^(\d+)(?:mb)$/i, '$1MB');
}

type Parser = (args: string[]) => Invocation | undefined;

const ESPTOOL_OPS: Record<string, Invocation['op']> = {
  'write-flash': 'write', 'read-flash': 'read', 'erase-flash': 'erase', 'erase-region': 'erase',
  'verify-flash': 'verify', 'chip-id': 'info', 'flash-id': 'info', 'read-mac': 'info',
};
/** write_flash options that take a value (all others are flags). */
const ESPTOOL_VALUE_OPTS = new Set(['--flash-mode', '--flash-freq', '--flash-size', '-fm', '-ff', '-fs', '--spi-connection']);

const PARSERS: Record<string, Parser> = {
  esptool(args) {
    const inv: Invocation = { tool: 'esptool', op: 'write', operands: [] };
    let op: Invocation['op'] | undefined;
    for (let i = 0; i < args.length; i++) {
      const [raw, inline] = splitOption(args[i]!);
      const name = raw.replace(/_/g, '-');
      const value = (): string | undefined => inline ?? args[++i];
      if (!op && name.startsWith('-')) {
        if (name === '--port' || name === '-p') inv.port = value();
        else if (name === '--chip' || name === '-c') inv.chip = chipArg(value());
        else if (name === '--baud' || name === '-b') inv.baud = Number(value());
        else if (name === '--before') inv.before = dashes(value());
        else if (name === '--after') inv.after = dashes(value());
        else if (name === '--no-stub') inv.noStub = true;
        else if (name === '--connect-attempts' || name === '--port-filter') value();
        continue;
      }
      if (!op) {
        op = ESPTOOL_OPS[name];
        if (!op) return undefined;
        continue;
      }
      if (name.startsWith('-')) {
        if (name === '--flash-mode' || name === '-fm') inv.flashMode = headerSetting(value());
        else if (name === '--flash-freq' || name === '-ff') inv.flashFreq = headerSetting(value());
        else if (name === '--flash-size' || name === '-fs') inv.flashSize = headerSetting(value());
        else if (name === '--erase-all' || name === '-e') inv.eraseAll = true;
        else if (ESPTOOL_VALUE_OPTS.has(name)) value();
        continue;
      }
      inv.operands.push(args[i]!);
    }
    return op ? { ...inv, op } : undefined;
  },

  espflash(args) {
    const inv: Invocation = { tool: 'espflash', op: 'write', operands: [] };
    let sub: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const [name, inline] = splitOption(args[i]!);
      const value = (): string | undefined => inline ?? args[++i];
      if (name.startsWith('-')) {
        if (name === '--port' || name === '-p') inv.port = value();
        else if (name === '--chip' || name === '-c') inv.chip = chipArg(value());
        else if (name === '--baud' || name === '-b') inv.baud = Number(value());
        else if (name === '--before') inv.before = dashes(value());
        else if (name === '--after') inv.after = dashes(value());
        else if (name === '--no-stub') inv.noStub = true;
        else if (name === '--board-info') sub ??= 'board-info';
        else if (name === '--flash-mode' || name === '-m') inv.flashMode = headerSetting(value());
        else if (name === '--flash-freq' || name === '-f') inv.flashFreq = headerSetting(value());
        else if (name === '--flash-size' || name === '-s') inv.flashSize = headerSetting(value());
        else if (name === '--erase-parts' || name === '--erase-data-parts') value();
        else if (/^--(?:bootloader|partition-table|partition-table-offset|target-app-partition|flash-mode|flash-freq|flash-size|format|log-format|monitor-baud|min-chip-rev|erase-parts|elf|mmu-page-size|block-size|max-in-flight)$|^-[TFMBLs]$/.test(name)) value();
        continue;
      }
      if (!sub) {
        sub = name;
        continue;
      }
      inv.operands.push(args[i]!);
    }
    const op: Record<string, Invocation['op']> = {
      flash: 'write', 'write-bin': 'write', 'read-flash': 'read', 'erase-flash': 'erase',
      'erase-region': 'erase', 'board-info': 'info',
    };
    if (sub === 'board-info' && inv.operands.length > 0 && /^(?:COM\d+|\/dev\/)/i.test(inv.operands[0]!)) {
      // espflash 1.x: `espflash --board-info PORT`.
      return { ...inv, port: inv.port ?? inv.operands[0], op: 'info', operands: [] };
    }
    if (!sub || !op[sub]) {
      // espflash 1.x: `espflash PORT ELF`.
      if (sub && (/^(?:COM\d+|\/dev\/)/i.test(sub))) return { ...inv, port: inv.port ?? sub, op: 'write' };
      return undefined;
    }
    if (op[sub] === 'info') return { ...inv, op: 'info', operands: [] };
    if (sub === 'flash' && inv.operands.length === 0) return undefined;
    return { ...inv, op: op[sub]! };
  },

  bk7231tools(args) {
    const sub = args.find((a) => !a.startsWith('-'));
    const op = sub === 'write_flash' ? 'write' : sub === 'read_flash' ? 'read' : sub === 'chip_info' ? 'info' : undefined;
    if (!op) return undefined;
    const o = bekenOptions(args.filter((a) => a !== sub));
    if (o.skip !== undefined && o.skip !== 0 && op === 'write') return undefined;
    const inv: Invocation = { tool: 'bk7231tools', op, port: o.port, baud: o.baud, operands: [] };
    if (op === 'write' && o.file) inv.operands.push(o.start !== undefined ? `${o.file}@${hexStr(o.start)}` : o.file);
    if (op === 'read' && o.file) inv.operands.push(hexStr(o.start ?? 0), hexStr(o.length ?? 0x200000), o.file);
    return inv;
  },

  ltchiptool(args) {
    const words = args.filter((a) => !/^-v+$|^-r$/.test(a));
    if (words[0] !== 'flash' || (words[1] !== 'write' && words[1] !== 'read')) return undefined;
    const o = bekenOptions(words.slice(2));
    if (words[1] === 'read' || (o.skip !== undefined && o.skip !== 0) || !o.file) return undefined;
    const operand = o.start !== undefined ? `${o.file}@${hexStr(o.start)}` : o.file;
    return { tool: 'ltchiptool', op: 'write', port: o.port, baud: o.baud, chip: o.family, operands: [operand] };
  },

  sftool(args) {
    const inv: Invocation = { tool: 'sftool', op: 'write', chip: 'sf32lb52', operands: [] };
    let sub: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const [name, inline] = splitOption(args[i]!);
      const value = (): string | undefined => inline ?? args[++i];
      if (name.startsWith('-')) {
        if (name === '--port' || name === '-p') inv.port = value();
        else if (name === '--chip' || name === '-c') inv.chip = value()?.toLowerCase();
        else if (name === '--baud' || name === '-b') inv.baud = Number(value());
        else if (name === '--before') inv.before = dashes(value());
        else if (name === '--after') inv.after = dashes(value());
        else if (name === '--erase-all' || name === '-e') inv.eraseAll = true;
        else if (/^(?:--memory|-m|--connect-attempts|--compat|--stub|--stub-config)$/.test(name)) value();
        continue;
      }
      if (!sub) {
        sub = name;
        continue;
      }
      inv.operands.push(args[i]!);
    }
    if (sub === 'write_flash') return inv;
    if (sub === 'read_flash') {
      const reads = inv.operands.map((o) => /^(.*)@(0x[0-9a-f]+):(0x[0-9a-f]+|\d+)$/i.exec(o)).filter((m) => m);
      if (reads.length !== 1) return undefined;
      const [, file, addr, size] = reads[0]!;
      return { ...inv, op: 'read', operands: [addr!, size!, file!] };
    }
    if (sub === 'erase_flash') return { ...inv, op: 'erase', operands: [] };
    if (sub === 'erase_region') {
      const m = /^(0x[0-9a-f]+):(0x[0-9a-f]+|\d+)$/i.exec(inv.operands[0] ?? '');
      return m ? { ...inv, op: 'erase', operands: [m[1]!, m[2]!] } : undefined;
    }
    return undefined;
  },
};

interface BekenOptions { port?: string; baud?: number; start?: number; skip?: number; length?: number; family?: string; file?: string }

function bekenOptions(args: string[]): BekenOptions {
  const o: BekenOptions = {};
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = splitOption(args[i]!);
    const value = (): string | undefined => inline ?? args[++i];
    if (name === '-d' || name === '--device') o.port = value();
    else if (name === '-b' || name === '--baudrate' || name === '--baud') o.baud = Number(value());
    else if (name === '-s' || name === '--start') o.start = num(value());
    else if (name === '-S' || name === '--skip') o.skip = num(value());
    else if (name === '-l' || name === '--length') o.length = num(value());
    else if (name === '-f' || name === '--family') o.family = value()?.toLowerCase().replace(/^beken-?/, 'bk');
    else if (name === '-t' || name === '--timeout') value();
    else if (!name.startsWith('-')) o.file = args[i];
  }
  return o;
}

function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|([^\s`]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

function splitOption(word: string): [string, string | undefined] {
  const eq = word.indexOf('=');
  return word.startsWith('--') && eq > 0 ? [word.slice(0, eq), word.slice(eq + 1)] : [word, undefined];
}

function chipArg(v: string | undefined): string | undefined {
  if (!v || v === 'auto') return undefined;
  return v.toLowerCase().replace(/-/g, '');
}

function dashes(v: string | undefined): string | undefined {
  return v?.replace(/_/g, '-');
}

function num(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = /^0x/i.test(v) ? Number.parseInt(v, 16) : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function hexStr(n: number): string {
  return `0x${n.toString(16)}`;
}

function isFileOperand(o: string): boolean {
  return !/^(?:0x[0-9a-f]+|\d+)$/i.test(o) && !/^(?:[a-z]:)?[\\/]/i.test(o) && !o.startsWith('@');
}

function joinPath(dir: string, file: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? dir + file : dir + sep + file;
}

function quote(word: string): string {
  return /^~?[\w@%+=:,./\\-]+$/.test(word) ? word : `"${word.replace(/"/g, '\\"')}"`;
}
