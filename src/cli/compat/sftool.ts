import { AnyflashError } from '../../core/errors.js';
import { ANYFLASH_EXTRAS, deviceArgs, extraArgs, settingsFrom, unsupported, type Step } from './device-args.js';
import { closest, commandKey, has, leadingOptions, opt, scanArgs, single, type FoundOpt, type OptSpec } from './options.js';

/** sftool's global options (sftool/src/cli.rs). */
export const SFTOOL_GLOBALS: readonly OptSpec[] = [
  opt('chip', 1, '-c', '--chip'),
  opt('memory', 1, '-m', '--memory'),
  opt('port', 1, '-p', '--port'),
  opt('baud', 1, '-b', '--baud'),
  opt('before', 1, '--before'),
  opt('after', 1, '--after'),
  opt('connectAttempts', 1, '--connect-attempts'),
  opt('ignored', 'bool?', '--compat'),
  opt('stub', 1, '--stub'),
  opt('stubConfig', 1, '--stub-config'),
  opt('ignored', 0, '-q', '--quiet'),
  opt('verbose', 0, '-v', '--verbose'),
  opt('help', 0, '-h', '--help'),
];

const WRITE: readonly OptSpec[] = [
  opt('ignored', 0, '--verify', '-u', '--no-compress'),
  opt('eraseAll', 0, '-e', '--erase-all'),
];

/** sftool memory types: `nor_type1`, `nand_nobbm_type1`… are pinouts of the same three kinds. */
function memoryKind(value: string): string {
  const kind = value.toLowerCase().split('_')[0]!;
  if (!['nor', 'nand', 'sd'].includes(kind)) {
    throw new AnyflashError('bad-input', `Memory type ${value} is not one of nor, nand, sd (or their _type1 variants).`, {
      advice: ['Use -m nor, -m nand or -m sd.'],
    });
  }
  return kind;
}

/** `FILE@ADDR:SIZE` (read_flash) and `ADDR:SIZE` (erase_region). */
function addrSize(text: string, what: string): { address: string; size: string } {
  const m = /^(0x[0-9a-f]+|\d+):(0x[0-9a-f]+|\d+[km]?)$/i.exec(text);
  if (!m) {
    throw new AnyflashError('bad-input', `${what} "${text}" is not ADDRESS:SIZE.`, { advice: ['Write it as 0x12020000:0x100000.'] });
  }
  return { address: m[1]!, size: m[2]! };
}

function readItems(positionals: string[]): Array<[string, string, string]> {
  // sftool's README once showed `read_flash ADDR SIZE FILE`; the CLI takes FILE@ADDR:SIZE....
  if (positionals.length === 3 && !positionals.some((p) => p.includes('@'))) return [[positionals[0]!, positionals[1]!, positionals[2]!]];
  if (positionals.length === 0) throw new AnyflashError('bad-input', 'read_flash needs FILE@ADDRESS:SIZE.', { advice: ['Example: read_flash backup.bin@0x12000000:0x100000'] });
  return positionals.map((p) => {
    const at = p.lastIndexOf('@');
    if (at <= 0) throw new AnyflashError('bad-input', `read_flash "${p}" is not FILE@ADDRESS:SIZE.`, { advice: ['Example: read_flash backup.bin@0x12000000:0x100000'] });
    const { address, size } = addrSize(p.slice(at + 1), 'read_flash range');
    return [address, size, p.slice(0, at)];
  });
}

const COMMANDS = ['write-flash', 'read-flash', 'erase-flash', 'erase-region'];
const TARGET: Record<string, string> = { 'write-flash': 'write', 'read-flash': 'read', 'erase-flash': 'erase', 'erase-region': 'erase' };

export function translateSftool(tokens: readonly string[]): Step[] {
  const { leading, index } = leadingOptions(tokens, [SFTOOL_GLOBALS, ANYFLASH_EXTRAS]);
  const globals = scanArgs(leading, [SFTOOL_GLOBALS, ANYFLASH_EXTRAS], 'sftool');
  const word = tokens[index];
  if (word === undefined) {
    if (has(globals.opts, 'help')) return [{ argv: ['--help'] }];
    throw new AnyflashError('bad-input', 'No sftool command given.', { advice: [`Give one of: ${COMMANDS.map((c) => c.replace(/-/g, '_')).join(', ')}.`] });
  }
  const key = commandKey(word);
  if (key === 'config' || key === 'stub') throw unsupported(`sftool's ${word}`, 'Give the files on the command line: write_flash app.bin@0x12020000.');
  if (!COMMANDS.includes(key)) {
    const near = closest(key, COMMANDS);
    throw new AnyflashError('bad-input', `Unknown sftool command "${word}".`, {
      advice: [near ? `Did you mean ${near.replace(/-/g, '_')}?` : `Use one of: ${COMMANDS.map((c) => c.replace(/-/g, '_')).join(', ')}.`],
    });
  }
  const rest = scanArgs(tokens.slice(index + 1), [key === 'write-flash' ? WRITE : [], SFTOOL_GLOBALS, ANYFLASH_EXTRAS], `sftool ${word}`);
  const opts: FoundOpt[] = [...globals.opts, ...rest.opts];
  if (has(opts, 'help')) return [{ argv: [TARGET[key]!, '--help'] }];
  if (has(opts, 'stubConfig')) throw unsupported("sftool's --stub-config", 'anyflash uses the stub as it is; leave --stub-config out.');
  const memory = single(opts, 'memory');
  const args = [
    ...deviceArgs({ ...settingsFrom(opts), memory: memory === undefined ? undefined : memoryKind(memory), stub: single(opts, 'stub') }),
    ...extraArgs(opts),
  ];
  const pos = rest.positionals;
  switch (key) {
    case 'write-flash':
      return [{ argv: ['write', ...pos, ...(has(opts, 'eraseAll') ? ['--erase-all'] : []), ...args] }];
    case 'read-flash':
      return readItems(pos).map(([address, size, file]) => ({ argv: ['read', address, size, file, ...args] }));
    case 'erase-flash':
      // sftool takes the flash's base address; anyflash erases the flash it is connected to.
      return [{ argv: ['erase', ...args] }];
    default:
      if (pos.length === 0) throw new AnyflashError('bad-input', 'erase_region needs ADDRESS:SIZE.', { advice: ['Example: erase_region 0x12020000:0x100000'] });
      return pos.map((p) => {
        const { address, size } = addrSize(p, 'erase_region');
        return { argv: ['erase', address, size, ...args] };
      });
  }
}
