import { AnyflashError } from '../../core/errors.js';
import { ANYFLASH_EXTRAS, deviceArgs, extraArgs, unsupported, type Step } from './device-args.js';
import { closest, commandKey, has, opt, scanArgs, single, type FoundOpt, type OptSpec } from './options.js';

/** bk7231tools' serial options, repeated on each subcommand (bk7231tools/__main__.py). */
const BK_SERIAL: readonly OptSpec[] = [
  opt('port', 1, '-d', '--device'),
  opt('baud', 1, '-b', '--baudrate'),
  opt('ignored', 1, '--timeout'),
  opt('verbose', 0, '-D', '--debug'),
  opt('help', 0, '-h', '--help'),
];
const BK_READ: readonly OptSpec[] = [
  opt('start', 1, '-s', '--start'),
  opt('length', 1, '-l', '--length'),
  opt('count', 1, '-c', '--count'),
  opt('startHex', 1, '--start-address'),
  opt('ignored', 0, '--no-verify-checksum'),
];
const BK_WRITE: readonly OptSpec[] = [
  opt('start', 1, '-s', '--start'),
  opt('skip', 1, '-S', '--skip'),
  opt('length', 1, '-l', '--length'),
  opt('ignored', 0, '--no-verify-checksum'),
  opt('bootloader', 0, '-B', '--bootloader'),
];

/** bk7231tools speaks to BK7231T/N, whose flash is 2 MiB; its reads default to all of it. */
const BK_FLASH = 0x200000;

const parseInt0 = (text: string, what: string): number => {
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new AnyflashError('bad-number', `${what}: "${text}" is not a number (use decimal or 0x… hex).`);
  return n;
};
const hex = (n: number): string => `0x${n.toString(16)}`;

function bekenArgs(opts: FoundOpt[], chip = 'beken'): string[] {
  return [
    ...deviceArgs({ port: single(opts, 'port'), baud: single(opts, 'baud'), chip, verbose: has(opts, 'verbose'), bootloader: has(opts, 'bootloader') }),
    ...extraArgs(opts),
  ];
}

const BK_COMMANDS = ['chip-info', 'read-flash', 'write-flash'];

export function translateBk7231tools(tokens: readonly string[]): Step[] {
  const word = tokens[0];
  if (word === undefined || word === '-h' || word === '--help') return [{ argv: ['--help'] }];
  const key = commandKey(word);
  if (key === 'dissect-dump') throw unsupported("bk7231tools' dissect_dump", 'anyflash image info DUMP shows what a Beken dump holds.');
  if (!BK_COMMANDS.includes(key)) {
    const near = closest(key, BK_COMMANDS);
    throw new AnyflashError('bad-input', `Unknown bk7231tools command "${word}".`, {
      advice: [near ? `Did you mean ${near.replace(/-/g, '_')}?` : `Use one of: ${BK_COMMANDS.map((c) => c.replace(/-/g, '_')).join(', ')}.`],
    });
  }
  const specs = key === 'read-flash' ? BK_READ : key === 'write-flash' ? BK_WRITE : [];
  const { opts, positionals } = scanArgs(tokens.slice(1), [specs, BK_SERIAL, ANYFLASH_EXTRAS], `bk7231tools ${word}`);
  const target = key === 'chip-info' ? 'info' : key === 'read-flash' ? 'read' : 'write';
  if (has(opts, 'help')) return [{ argv: [target, '--help'] }];
  if (key === 'chip-info') return [{ argv: ['info', ...bekenArgs(opts)] }];
  const file = onlyFile(positionals, `bk7231tools ${word}`);
  if (key === 'read-flash') {
    const startHex = single(opts, 'startHex');
    const start = startHex !== undefined ? parseInt(startHex, 16) : parseInt0(single(opts, 'start') ?? '0', '--start');
    const count = single(opts, 'count');
    const lengthText = single(opts, 'length');
    const length = count !== undefined ? parseInt0(count, '--count') * 0x1000 : lengthText !== undefined ? parseInt0(lengthText, '--length') : BK_FLASH - start;
    return [{ argv: ['read', hex(start), hex(length), file, ...bekenArgs(opts)] }];
  }
  const skip = single(opts, 'skip');
  const length = single(opts, 'length');
  return [{
    argv: ['write', file, '--start', single(opts, 'start') ?? '0', ...(skip !== undefined ? ['--skip-bytes', skip] : []),
      // bk7231tools reads -l 0 as "the whole file".
      ...(length !== undefined && parseInt0(length, '--length') !== 0 ? ['--length', length] : []), ...bekenArgs(opts)],
  }];
}

function onlyFile(positionals: string[], where: string): string {
  if (positionals.length !== 1) {
    throw new AnyflashError('bad-input', `${where} takes one FILE, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}.`, {
      advice: ['Example: bk7231tools read_flash -d /dev/ttyUSB0 -s 0 -l 0x200000 dump.bin'],
    });
  }
  return positionals[0]!;
}

/** ltchiptool's `flash` commands (ltchiptool/commands/flash/{write,read,info}.py). */
const LT_COMMON: readonly OptSpec[] = [
  opt('port', 1, '-d', '--device'),
  opt('baud', 1, '-b', '--baudrate'),
  opt('ignored', 1, '-t', '--timeout'),
  opt('ignored', 0, '-c', '--check', '-C', '--no-check'),
  opt('help', 0, '-h', '--help'),
];
const LT_WRITE: readonly OptSpec[] = [
  opt('family', 1, '-f', '--family'),
  opt('start', 1, '-s', '--start'),
  opt('skip', 1, '-S', '--skip'),
  opt('length', 1, '-l', '--length'),
];
const LT_READ: readonly OptSpec[] = [opt('start', 1, '-s', '--start'), opt('length', 1, '-l', '--length'), opt('rom', 0, '-R', '--rom')];
/** ltchiptool's own options before `flash`. */
const LT_TOP: readonly OptSpec[] = [opt('verbose', 0, '-v', '--verbose', '-V'), opt('ignored', 0, '-T', '--traceback', '-r', '--raw-log', '-t', '--timed')];

/**
 * ltchiptool family names (`bk72xx`, `beken-72xx`, `BK7231N`…) → an anyflash chip or family.
 * Other families (Realtek, LN882H…) are chips anyflash does not flash.
 */
function bekenChip(family: string): string {
  const f = family.toLowerCase().replace(/[-_\s]/g, '');
  if (['bk72xx', 'beken72xx', 'beken', 'bk'].includes(f)) return 'beken';
  if (/^bk72\d\d[a-z]?$/.test(f)) return f;
  if (/^beken72\d\d[a-z]?$/.test(f)) return f.replace('beken', 'bk');
  throw new AnyflashError('unknown-chip', `ltchiptool family "${family}" is not a chip anyflash flashes.`, {
    advice: ['anyflash flashes Beken BK72xx (bk72xx, bk7231n, bk7231t, …), ESP32/ESP8266 and SiFli SF32; use ltchiptool for other families.'],
  });
}

export function translateLtchiptool(tokens: readonly string[]): Step[] {
  const start = tokens.findIndex((t) => !t.startsWith('-'));
  const top = scanArgs(tokens.slice(0, Math.max(start, 0)), [LT_TOP], 'ltchiptool');
  if (start < 0 || commandKey(tokens[start]!) !== 'flash') {
    throw unsupported(`ltchiptool ${tokens[start] ?? ''}`.trim(), 'anyflash understands ltchiptool flash write|read|info.');
  }
  const sub = tokens[start + 1];
  const subs = ['write', 'read', 'info'];
  if (sub === undefined || !subs.includes(sub.toLowerCase())) {
    const near = sub && closest(sub.toLowerCase(), subs);
    throw new AnyflashError('bad-input', `Unknown ltchiptool flash command "${sub ?? ''}".`, {
      advice: [near ? `Did you mean flash ${near}?` : 'Use ltchiptool flash write FILE, flash read FAMILY FILE or flash info FAMILY.'],
    });
  }
  const kind = sub.toLowerCase();
  const specs = kind === 'write' ? LT_WRITE : kind === 'read' ? LT_READ : [];
  const { opts: own, positionals } = scanArgs(tokens.slice(start + 2), [specs, LT_COMMON, LT_TOP, ANYFLASH_EXTRAS], `ltchiptool flash ${kind}`);
  const opts = [...top.opts, ...own];
  const target = kind === 'info' ? 'info' : kind;
  if (has(opts, 'help')) return [{ argv: [target, '--help'] }];
  if (has(opts, 'rom')) throw unsupported('reading the mask ROM (ltchiptool -R)');
  if (kind === 'info') {
    if (positionals.length !== 1) throw new AnyflashError('bad-input', 'ltchiptool flash info takes FAMILY.', { advice: ['Example: ltchiptool flash info bk72xx -d /dev/ttyUSB0'] });
    return [{ argv: ['info', ...bekenArgs(opts, bekenChip(positionals[0]!))] }];
  }
  if (kind === 'read') {
    if (positionals.length !== 2) throw new AnyflashError('bad-input', 'ltchiptool flash read takes FAMILY FILE.', { advice: ['Example: ltchiptool flash read bk72xx dump.bin -d /dev/ttyUSB0'] });
    const [family, file] = positionals as [string, string];
    const from = single(opts, 'start');
    const length = single(opts, 'length');
    const range = [...(from !== undefined ? ['--start', from] : []), ...(length !== undefined ? ['--length', length] : [])];
    return [{ argv: ['read', file, ...range, ...bekenArgs(opts, bekenChip(family))] }];
  }
  const file = onlyFile(positionals, 'ltchiptool flash write');
  const family = single(opts, 'family');
  const from = single(opts, 'start');
  if (from !== undefined && family === undefined) {
    throw new AnyflashError('bad-input', 'ltchiptool flash write -s needs -f FAMILY, as in ltchiptool.', { advice: ['Example: ltchiptool flash write -f bk72xx -s 0x11000 app.bin'] });
  }
  const skip = single(opts, 'skip');
  const length = single(opts, 'length');
  return [{
    argv: ['write', file, ...(from !== undefined ? ['--start', from] : []), ...(skip !== undefined ? ['--skip-bytes', skip] : []),
      ...(length !== undefined ? ['--length', length] : []), ...bekenArgs(opts, family ? bekenChip(family) : 'beken')],
  }];
}
