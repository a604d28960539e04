import { AnyflashError } from '../../core/errors.js';
import { ANYFLASH_EXTRAS, deviceArgs, extraArgs, settingsFrom, unsupported, type DeviceSettings, type Step } from './device-args.js';
import { closest, commandKey, findSpec, has, isOptionToken, leadingOptions, opt, scanArgs, single, type FoundOpt, type OptSpec } from './options.js';

/** esptool's global options (v3/v4 argparse and v5 click spellings). */
export const ESPTOOL_GLOBALS: readonly OptSpec[] = [
  opt('chip', 1, '-c', '--chip'),
  opt('port', 1, '-p', '--port'),
  opt('baud', 1, '-b', '--baud'),
  opt('before', 1, '--before'),
  opt('after', 1, '-a', '--after'),
  opt('noStub', 0, '--no-stub'),
  opt('verbose', 0, '-t', '--trace', '-v', '--verbose'),
  opt('ignored', 0, '-s', '--silent', '-q', '--quiet'),
  opt('connectAttempts', 1, '--connect-attempts'),
  opt('portFilter', 'many', '--port-filter'),
  opt('vddsdio', 1, '--override-vddsdio'),
  opt('ignored', 1, '--stub-version'),
  opt('help', 0, '-h', '--help'),
];

const FLASH_PARAMS: readonly OptSpec[] = [
  opt('flashMode', 1, '-fm', '--flash-mode'),
  opt('flashFreq', 1, '-ff', '--flash-freq'),
  opt('flashSize', 1, '-fs', '--flash-size'),
];

const WRITE_FLASH: readonly OptSpec[] = [
  ...FLASH_PARAMS,
  opt('eraseAll', 0, '-e', '--erase-all'),
  opt('force', 0, '--force'),
  opt('encrypt', 0, '--encrypt'),
  opt('encrypt', 'many', '--encrypt-files'),
  opt('spiConnection', 1, '--spi-connection'),
  opt('nand', 1, '--nand-end-address'),
  // Accepted and not needed: anyflash always verifies by digest, skips unchanged sectors and
  // chooses compression itself.
  opt('ignored', 0, '--no-progress', '-z', '--compress', '-u', '--no-compress', '--verify', '-s', '--skip-flashed', '--trust-flash-content', '--no-diff-verify', '--ignore-flash-enc-efuse', '--ignore-flash-encryption-efuse-setting'),
  opt('ignored', 'many', '--diff-with'),
];

const READ_FLASH: readonly OptSpec[] = [opt('ignored', 0, '--no-progress'), opt('ignored', 1, '--flash-size', '-fs')];
const ERASE: readonly OptSpec[] = [opt('ignored', 0, '--force')];
const VERIFY_FLASH: readonly OptSpec[] = [...FLASH_PARAMS, opt('ignored', 1, '--diff', '-d'), opt('spiConnection', 1, '--spi-connection')];
const IMAGE_INFO: readonly OptSpec[] = [opt('ignored', 1, '--version', '-v')];
const MERGE_BIN: readonly OptSpec[] = [
  ...FLASH_PARAMS,
  opt('output', 1, '-o', '--output'),
  opt('format', 1, '-f', '--format'),
  opt('chunkSize', 1, '--chunk-size'),
  opt('md5Disable', 0, '--md5-disable'),
  opt('targetOffset', 1, '-t', '--target-offset'),
  opt('padToSize', 1, '--pad-to-size', '--fill-flash-size'),
];
const ELF2IMAGE: readonly OptSpec[] = [
  ...FLASH_PARAMS,
  opt('output', 1, '-o', '--output'),
  opt('imageVersion', 1, '-e', '--version'),
  opt('minRev', 1, '-r', '--min-rev'),
  opt('minRevFull', 1, '--min-rev-full'),
  opt('maxRevFull', 1, '--max-rev-full'),
  opt('securePad', 0, '--secure-pad'),
  opt('securePadV2', 0, '--secure-pad-v2'),
  opt('elfSha256Offset', 1, '--elf-sha256-offset'),
  opt('dontAppendDigest', 0, '--dont-append-digest'),
  opt('ignored', 0, '--append-digest'),
  opt('useSegments', 0, '--use-segments'),
  opt('mmuPageSize', 1, '--flash-mmu-page-size'),
  opt('padToSize', 1, '--pad-to-size'),
  opt('ramOnlyHeader', 0, '--ram-only-header'),
];
const NONE: readonly OptSpec[] = [];
/** esptool's elf2image without --chip (or with auto) builds an ESP8266 image, as it always did. */
const ELF2IMAGE_DEFAULT_CHIP = 'esp8266';

type Handler = (positionals: string[], opts: FoundOpt[]) => Step[];

interface EsptoolCommand {
  specs: readonly OptSpec[];
  /** The anyflash command, for `--help`. */
  target: string[];
  handler: Handler;
}

/** esptool reads its defaults from ESPTOOL_PORT, ESPTOOL_BAUD… when the options are not given. */
function withEsptoolEnv(s: DeviceSettings): DeviceSettings {
  const env = process.env;
  return {
    ...s,
    port: s.port ?? env.ESPTOOL_PORT,
    baud: s.baud ?? env.ESPTOOL_BAUD,
    chip: s.chip ?? env.ESPTOOL_CHIP,
    before: s.before ?? env.ESPTOOL_BEFORE,
    after: s.after ?? env.ESPTOOL_AFTER,
    connectAttempts: s.connectAttempts ?? env.ESPTOOL_CONNECT_ATTEMPTS,
  };
}

const device = (opts: FoundOpt[]): string[] => [...deviceArgs(withEsptoolEnv(settingsFrom(opts))), ...extraArgs(opts)];

/** esptool v1/v2 sizes in megabits, which v2 and v3 still accepted (with a deprecation warning). */
const MEGABIT_SIZES: Record<string, string> = {
  '2m': '256KB', '4m': '512KB', '8m': '1MB', '16m': '2MB', '32m': '4MB', '16m-c1': '2MB-c1', '32m-c1': '4MB-c1', '32m-c2': '4MB-c2',
};

function flashParams(opts: FoundOpt[], detect: 'device' | 'keep'): string[] {
  const given = single(opts, 'flashSize');
  const size = given !== undefined ? (MEGABIT_SIZES[given.toLowerCase()] ?? given) : undefined;
  return [
    ...(has(opts, 'flashMode') ? ['--flash-mode', single(opts, 'flashMode')!] : []),
    ...(has(opts, 'flashFreq') ? ['--flash-freq', single(opts, 'flashFreq')!] : []),
    ...(size !== undefined && !(detect === 'keep' && size.toLowerCase() === 'detect') ? ['--flash-size', size] : []),
  ];
}

function refuseWriteExtras(opts: FoundOpt[]): void {
  if (has(opts, 'encrypt')) throw unsupported('flash encryption on write (--encrypt)', 'Write plain images, or use esptool for encrypted writes.');
  if (has(opts, 'spiConnection')) throw unsupported('custom SPI flash pins (--spi-connection)', 'Use esptool for flash chips on non-default pins.');
  if (has(opts, 'nand')) throw unsupported('NAND flash (--nand-end-address)');
}

const chipOf = (opts: FoundOpt[], fallback?: string): string[] => {
  const chip = single(opts, 'chip');
  if (chip && chip.toLowerCase() !== 'auto') return ['--chip', chip];
  return fallback ? ['--chip', fallback] : [];
};

const COMMANDS: Record<string, EsptoolCommand> = {
  'write-flash': {
    specs: WRITE_FLASH,
    target: ['write'],
    handler: (pos, opts) => {
      refuseWriteExtras(opts);
      // anyflash write takes several ports (a production line): each --port is one more device.
      const ports = [...new Set(opts.filter((o) => o.key === 'port').map((o) => o.value!))];
      const one = ports.length > 1 ? opts.filter((o) => o.key !== 'port') : opts;
      return [{
        argv: ['write', ...pos, ...flashParams(opts, 'device'), ...(has(opts, 'eraseAll') ? ['--erase-all'] : []), ...(has(opts, 'force') ? ['--force'] : []),
          ...(ports.length > 1 ? ports.flatMap((p) => ['--port', p]) : []), ...device(one)],
      }];
    },
  },
  'read-flash': { specs: READ_FLASH, target: ['read'], handler: (pos, opts) => [{ argv: ['read', ...pos, ...device(opts)] }] },
  'erase-flash': { specs: ERASE, target: ['erase'], handler: (pos, opts) => [{ argv: ['erase', ...pos, ...device(opts)] }] },
  'erase-region': { specs: ERASE, target: ['erase'], handler: (pos, opts) => [{ argv: ['erase', ...pos, ...device(opts)] }] },
  'verify-flash': {
    specs: VERIFY_FLASH,
    target: ['verify'],
    handler: (pos, opts) => {
      refuseWriteExtras(opts);
      return [{ argv: ['verify', ...pos, ...device(opts)] }];
    },
  },
  'chip-id': { specs: NONE, target: ['info'], handler: (_pos, opts) => [{ argv: ['info', ...device(opts)] }] },
  'flash-id': { specs: NONE, target: ['info'], handler: (_pos, opts) => [{ argv: ['info', ...device(opts)] }] },
  'read-mac': { specs: NONE, target: ['info'], handler: (_pos, opts) => [{ argv: ['info', ...device(opts)] }] },
  'get-security-info': { specs: NONE, target: ['info'], handler: (_pos, opts) => [{ argv: ['info', ...device(opts)] }] },
  run: { specs: NONE, target: ['reset'], handler: (_pos, opts) => [{ argv: ['reset', ...device(opts.filter((o) => o.key !== 'after')), '--after', 'hard-reset'] }] },
  'image-info': { specs: IMAGE_INFO, target: ['image', 'info'], handler: (pos, opts) => [{ argv: ['image', 'info', ...pos, ...chipOf(opts), ...extraArgs(opts, false)] }] },
  'merge-bin': {
    specs: MERGE_BIN,
    target: ['image', 'merge'],
    handler: (pos, opts) => {
      const val = (key: string, flag: string): string[] => (has(opts, key) ? [flag, single(opts, key)!] : []);
      return [{
        argv: ['image', 'merge', ...pos, ...chipOf(opts), ...val('output', '--output'), ...val('format', '--format'), ...val('chunkSize', '--chunk-size'),
          ...(has(opts, 'md5Disable') ? ['--md5-disable'] : []), ...val('targetOffset', '--target-offset'), ...val('padToSize', '--pad-to-size'),
          ...flashParams(opts, 'keep'), ...extraArgs(opts, false)],
      }];
    },
  },
  elf2image: {
    specs: ELF2IMAGE,
    target: ['image', 'elf2image'],
    handler: (pos, opts) => {
      const val = (key: string, flag: string): string[] => (has(opts, key) ? [flag, single(opts, key)!] : []);
      const flag = (key: string, name: string): string[] => (has(opts, key) ? [name] : []);
      // esptool v3's --min-rev is a major revision; v4+ count major*100+minor.
      const minRev = single(opts, 'minRev');
      return [{
        argv: ['image', 'elf2image', ...pos, ...chipOf(opts, ELF2IMAGE_DEFAULT_CHIP), ...val('output', '--output'), ...val('imageVersion', '--image-version'),
          ...(minRev !== undefined ? ['--min-rev-full', String(Number(minRev) * 100)] : []), ...val('minRevFull', '--min-rev-full'), ...val('maxRevFull', '--max-rev-full'),
          ...flag('securePad', '--secure-pad'), ...flag('securePadV2', '--secure-pad-v2'), ...val('elfSha256Offset', '--elf-sha256-offset'),
          ...flag('dontAppendDigest', '--dont-append-digest'), ...flag('useSegments', '--use-segments'), ...val('mmuPageSize', '--flash-mmu-page-size'),
          ...val('padToSize', '--pad-to-size'), ...flag('ramOnlyHeader', '--ram-only-header'), ...flashParams(opts, 'keep'), ...extraArgs(opts, false)],
      }];
    },
  },
  version: { specs: NONE, target: ['--version'], handler: () => [{ argv: ['--version'] }] },
};

/** esptool commands anyflash does not do (RAM, registers, status registers, SDC certificates). */
const UNSUPPORTED = new Set([
  'load-ram', 'dump-mem', 'read-mem', 'write-mem', 'read-flash-status', 'write-flash-status', 'read-flash-sfdp',
  'make-image', 'verify-sdc-certificate', 'read-sdc-chip-info', 'read-nand-spare', 'write-nand-spare', 'dump-bbm',
]);

export const ESPTOOL_COMMANDS: readonly string[] = [...Object.keys(COMMANDS), ...UNSUPPORTED];

export function isEsptoolCommand(word: string): boolean {
  return ESPTOOL_COMMANDS.includes(commandKey(word));
}

/**
 * After the command, esptool's `-p` means --no-progress (write/read-flash) while anyflash users
 * mean the port: a number after it is an address, so it was esptool's flag.
 */
function disambiguateP(tokens: readonly string[]): string[] {
  return tokens.map((t, i) => {
    if (t !== '-p') return t;
    const next = tokens[i + 1];
    return next === undefined || isOptionToken(next) || /^(0x[0-9a-f]+|\d+)$/i.test(next) ? '--no-progress' : '--port';
  });
}

/** Translates a whole esptool command line (global options before or after the command). */
export function translateEsptool(tokens: readonly string[]): Step[] {
  const { leading, index: i } = leadingOptions(tokens, [ESPTOOL_GLOBALS, ANYFLASH_EXTRAS]);
  const word = tokens[i];
  const globals = scanArgs(leading, [ESPTOOL_GLOBALS, ANYFLASH_EXTRAS], 'esptool');
  if (word === undefined) {
    if (has(globals.opts, 'help')) return [{ argv: ['--help'] }];
    throw new AnyflashError('bad-input', 'No esptool command given.', { advice: [`Give one of: ${Object.keys(COMMANDS).join(', ')}.`] });
  }
  const key = commandKey(word);
  if (UNSUPPORTED.has(key)) throw unsupported(`esptool's ${word}`);
  const command = COMMANDS[key];
  if (!command) {
    const near = closest(key, ESPTOOL_COMMANDS);
    throw new AnyflashError('bad-input', `Unknown esptool command "${word}".`, {
      advice: [near ? `Did you mean ${word.includes('_') ? near.replace(/-/g, '_') : near}?` : `Use one of: ${Object.keys(COMMANDS).join(', ')}.`],
    });
  }
  // Arduino's esp8266 upload.py line: `erase_region ADDR SIZE … write_flash …` (or erase_flash) in one.
  const next = key.startsWith('erase-') ? tokens.findIndex((t, j) => j > i && commandKey(t) === 'write-flash') : -1;
  if (next > 0) {
    const first = tokens.slice(i + 1, next);
    const globalsInFirst = scanArgs(first, [ERASE, ESPTOOL_GLOBALS, ANYFLASH_EXTRAS], `esptool ${key}`).opts
      .filter((o) => findSpec(o.name, [ESPTOOL_GLOBALS, ANYFLASH_EXTRAS]))
      .flatMap((o) => (o.value !== undefined ? [o.name, o.value] : [o.name]));
    return [...translateEsptool([...leading, ...tokens.slice(i, next)]), ...translateEsptool([...leading, ...globalsInFirst, ...tokens.slice(next)])];
  }
  const rest = scanArgs(disambiguateP(tokens.slice(i + 1)), [command.specs, ESPTOOL_GLOBALS, ANYFLASH_EXTRAS], `esptool ${key}`);
  const opts = [...globals.opts, ...rest.opts];
  if (has(opts, 'help')) return [{ argv: [...command.target, '--help'] }];
  if (has(opts, 'vddsdio')) throw unsupported('--override-vddsdio', 'Set the flash voltage with esptool or espefuse.');
  if (has(opts, 'portFilter') && !has(opts, 'port')) {
    throw unsupported('--port-filter', 'Give the port with --port (anyflash list shows them); with one USB serial port, leave it out.');
  }
  return command.handler(rest.positionals, opts);
}
