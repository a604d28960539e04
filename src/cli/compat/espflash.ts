import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { hexAddr } from '../../core/bytes.js';
import { AnyflashError } from '../../core/errors.js';
import { md5 } from '../../core/md5.js';
import { findEspImageChip } from '../../formats/esp-chips.js';
import { isPartitionTableBinary, parsePartitionTable, partitionTableToBinary, PARTITION_TABLE_OFFSET, type PartitionTable } from '../../formats/partition-table.js';
import { ANYFLASH_EXTRAS, BEFORE_MODES, deviceArgs, extraArgs, unsupported, type DeviceSettings, type Step } from './device-args.js';
import { closest, commandKey, has, opt, scanArgs, single, type FoundOpt, type OptSpec } from './options.js';
import { readInputFile } from '../inputs.js';

/** espflash's ConnectArgs (espflash/src/cli/mod.rs). `-b` was the baud before v3 and is --before since. */
const CONNECT: readonly OptSpec[] = [
  opt('after', 1, '-a', '--after'),
  opt('baud', 1, '-B', '--baud'),
  opt('bOrBefore', 1, '-b'),
  opt('before', 1, '--before'),
  opt('chip', 1, '-c', '--chip'),
  opt('port', 1, '-p', '--port'),
  opt('noStub', 0, '--no-stub'),
  opt('ignored', 0, '--confirm-port', '--list-all-ports', '--non-interactive', '-S', '--skip-update-check'),
  opt('help', 0, '-h', '--help'),
];
const FLASH_CONFIG: readonly OptSpec[] = [
  opt('flashFreq', 1, '-f', '--flash-freq'),
  opt('flashMode', 1, '-m', '--flash-mode'),
  opt('flashSize', 1, '-s', '--flash-size'),
];
const MONITOR: readonly OptSpec[] = [
  opt('monitor', 0, '-M', '--monitor'),
  opt('monitorBaud', 1, '-r', '--monitor-baud'),
  opt('elf', 1, '--elf', '--rom-elf'),
  opt('ignored', 1, '-L', '--log-format', '-F', '--output-format', '--processors'),
  opt('ignored', 0, '--no-addresses', '--all-addresses'),
  opt('noReset', 0, '--no-reset'),
];
const IMAGE: readonly OptSpec[] = [
  opt('minChipRev', 1, '--min-chip-rev'),
  opt('mmuPageSize', 1, '--mmu-page-size'),
  opt('ignored', 0, '--ignore-app-descriptor', '--ignore_app_descriptor'),
  opt('format', 1, '--format'),
  opt('bootloaderFile', 1, '--bootloader'),
  opt('partitionTable', 1, '--partition-table'),
  opt('partitionTableOffset', 1, '--partition-table-offset'),
  opt('targetApp', 1, '--target-app-partition'),
];
const FLASH: readonly OptSpec[] = [
  ...FLASH_CONFIG,
  ...MONITOR,
  ...IMAGE,
  opt('ram', 0, '--ram'),
  opt('noVerify', 0, '--no-verify'),
  opt('noSkip', 0, '--no-skip'),
  opt('eraseParts', 1, '--erase-parts', '--erase-data-parts'),
  opt('force', 0, '--force'),
];
const SAVE_IMAGE: readonly OptSpec[] = [
  ...FLASH_CONFIG,
  ...IMAGE,
  opt('chip', 1, '--chip', '-c'),
  opt('merge', 0, '--merge'),
  opt('ignored', 0, '--skip-padding'),
  opt('ignored', 1, '-x', '--xtal-freq'),
  opt('help', 0, '-h', '--help'),
];
const PARTITION_TABLE: readonly OptSpec[] = [
  opt('output', 1, '-o', '--output'),
  opt('toBinary', 0, '--to-binary'),
  opt('toCsv', 0, '--to-csv'),
  opt('help', 0, '-h', '--help'),
];
const READ: readonly OptSpec[] = [opt('ignored', 1, '--block-size', '--max-in-flight')];
const ERASE_PARTS: readonly OptSpec[] = [opt('partitionTable', 1, '--partition-table')];

export const PORT_LIKE = /^(\/dev\/|COM\d+$|tcp:|rfc2217:|socket:|sim:)/i;

/** espflash 1.x had no `flash` command: `espflash [OPTIONS] [SERIAL] [IMAGE]`, baud as --speed. */
const V1: readonly OptSpec[] = [opt('baud', 1, '--speed'), opt('boardInfo', 0, '--board-info'), opt('ignored', 1, '--log-level')];

/** A line in espflash 1.x's grammar: a serial port where the command goes, or its own options. */
export function isEspflashV1(tokens: readonly string[], word: string | undefined): boolean {
  return (word !== undefined && PORT_LIKE.test(word)) || tokens.some((t) => t === '--speed' || t === '--board-info');
}

function settings(opts: FoundOpt[]): DeviceSettings {
  // `-b 921600` (espflash ≤ 2) is a baud; `-b no-reset` (espflash ≥ 3) a reset mode.
  const b = single(opts, 'bOrBefore');
  const bIsBaud = b !== undefined && /^\d+$/.test(b);
  const before = single(opts, 'before') ?? (b !== undefined && !bIsBaud ? b : undefined);
  if (b !== undefined && !bIsBaud && !BEFORE_MODES.includes(b.toLowerCase().replace(/_/g, '-') as (typeof BEFORE_MODES)[number])) {
    throw new AnyflashError('bad-input', `-b ${b} is neither a baud rate nor a reset mode.`, {
      advice: [`espflash's -b is --before (${BEFORE_MODES.slice(0, 4).join(', ')}); the baud rate is -B/--baud.`],
    });
  }
  return {
    port: single(opts, 'port') ?? process.env.ESPFLASH_PORT,
    baud: single(opts, 'baud') ?? (bIsBaud ? b : undefined) ?? process.env.ESPFLASH_BAUD,
    chip: single(opts, 'chip'),
    before,
    after: single(opts, 'after'),
    noStub: has(opts, 'noStub'),
  };
}

const dev = (opts: FoundOpt[]): string[] => [...deviceArgs(settings(opts)), ...extraArgs(opts)];

function flashConfig(opts: FoundOpt[]): string[] {
  const v = (key: string, flag: string): string[] => (has(opts, key) ? [flag, single(opts, key)!] : []);
  return [...v('flashMode', '--flash-mode'), ...v('flashFreq', '--flash-freq'), ...v('flashSize', '--flash-size')];
}

function loadTable(file: string): { table: PartitionTable; binary: boolean; bytes: Uint8Array } {
  const bytes = readInputFile(file);
  return { table: parsePartitionTable(bytes, { file }), binary: isPartitionTableBinary(bytes), bytes };
}

/** `--partition-table FILE`: written at its offset; a CSV is converted to the binary the chip reads. */
function partitionTableArg(opts: FoundOpt[]): string[] {
  const file = single(opts, 'partitionTable');
  if (file === undefined) return [];
  const offset = single(opts, 'partitionTableOffset') ?? hexAddr(PARTITION_TABLE_OFFSET);
  const { table, binary } = loadTable(file);
  if (binary) return [offset, file];
  const out = join(mkdtempSync(join(tmpdir(), 'anyflash-pt-')), basename(file).replace(/\.csv$/i, '') + '.bin');
  writeFileSync(out, partitionTableToBinary(table));
  return [offset, out];
}

function bootloaderArg(opts: FoundOpt[]): string[] {
  const file = single(opts, 'bootloaderFile');
  if (file === undefined) return [];
  const chip = single(opts, 'chip');
  const known = chip ? findEspImageChip(chip) : undefined;
  // Without --chip the image's own bootloader descriptor places it.
  return known ? [hexAddr(known.bootloaderOffset), file] : [file];
}

/** `--monitor`: write's own, which resets into the app and keeps the port (Ctrl-F writes again). */
function monitorArgs(opts: FoundOpt[]): string[] {
  if (!has(opts, 'monitor')) return [];
  const baud = single(opts, 'monitorBaud');
  return ['--monitor', ...(baud ? ['--monitor-baud', baud] : [])];
}

const COMMANDS: Record<string, { specs: readonly OptSpec[]; target: string[]; handler: (pos: string[], opts: FoundOpt[]) => Step[] }> = {
  flash: {
    specs: FLASH,
    target: ['write'],
    handler: (pos, opts) => {
      if (has(opts, 'ram')) throw unsupported("running an app from RAM (espflash --ram)");
      if (has(opts, 'eraseParts')) throw unsupported('erasing partitions while flashing', 'Run anyflash erase ADDRESS SIZE for the partition first.');
      const format = single(opts, 'format');
      if (format !== undefined && format !== 'esp-idf') throw unsupported(`espflash's --format ${format}`);
      // espflash v1 took the port as the first argument: `espflash flash /dev/ttyUSB0 app.elf`.
      const portFirst = pos.length === 2 && PORT_LIKE.test(pos[0]!) && !has(opts, 'port');
      const elf = portFirst ? pos.slice(1) : pos;
      const withPort: FoundOpt[] = portFirst ? [...opts, { key: 'port', name: '--port', value: pos[0]! }] : opts;
      const target = single(opts, 'targetApp');
      return [
        {
          argv: ['write', ...elf, ...bootloaderArg(opts), ...partitionTableArg(opts), ...flashConfig(opts),
            ...(target ? ['--partition', target] : []), ...(has(opts, 'noVerify') ? ['--no-verify'] : []), ...(has(opts, 'noSkip') ? ['--no-skip'] : []),
            ...(has(opts, 'force') ? ['--force'] : []), ...monitorArgs(opts), ...dev(withPort)],
        },
      ];
    },
  },
  'write-bin': {
    specs: MONITOR,
    target: ['write'],
    handler: (pos, opts) => [{ argv: ['write', ...pos, ...monitorArgs(opts), ...dev(opts)] }],
  },
  // espflash 1.x: `board-info [SERIAL]`.
  'board-info': { specs: [], target: ['info'], handler: (pos, opts) => [{ argv: ['info', ...dev(withSerial(pos, opts).opts)] }] },
  'read-flash': { specs: READ, target: ['read'], handler: (pos, opts) => [{ argv: ['read', ...pos, ...dev(opts)] }] },
  'erase-flash': { specs: [], target: ['erase'], handler: (pos, opts) => [{ argv: ['erase', ...pos, ...dev(opts)] }] },
  'erase-region': { specs: [], target: ['erase'], handler: (pos, opts) => [{ argv: ['erase', ...pos, ...dev(opts)] }] },
  reset: { specs: [], target: ['reset'], handler: (_pos, opts) => [{ argv: ['reset', ...dev(opts)] }] },
  monitor: {
    specs: MONITOR,
    target: ['monitor'],
    handler: (_pos, opts) => {
      const port = single(opts, 'port');
      const elves = opts.filter((o) => o.key === 'elf').flatMap((o) => ['--elf', o.value!]);
      return [{ argv: ['monitor', ...(port ? ['--port', port] : []), '--baud', single(opts, 'monitorBaud') ?? '115200', ...elves, ...(has(opts, 'noReset') ? ['--no-reset'] : [])] }];
    },
  },
  'list-ports': { specs: [opt('ignored', 0, '-a', '--list-all-ports')], target: ['list'], handler: (_pos, opts) => [{ argv: ['list', ...extraArgs(opts, false)] }] },
  'save-image': {
    specs: SAVE_IMAGE,
    target: ['image', 'elf2image'],
    handler: (pos, opts) => {
      if (has(opts, 'merge')) throw unsupported('save-image --merge', 'Save the app with save-image, then merge with: anyflash image merge -o merged.bin 0x0 bootloader.bin 0x8000 partitions.bin 0x10000 app.bin');
      if (pos.length !== 2) throw new AnyflashError('bad-input', 'save-image takes ELF and OUTPUT.', { advice: ['Example: espflash save-image --chip esp32c3 app.elf app.bin'] });
      const chip = single(opts, 'chip');
      const mmu = single(opts, 'mmuPageSize');
      return [{
        argv: ['image', 'elf2image', pos[0]!, '--output', pos[1]!, ...(chip ? ['--chip', chip] : []), ...flashConfig(opts),
          ...(mmu ? ['--flash-mmu-page-size', `${Number(mmu) / 1024}KB`] : []), ...extraArgs(opts, false)],
      }];
    },
  },
  'partition-table': {
    specs: PARTITION_TABLE,
    target: ['partitions'],
    handler: (pos, opts) => [{
      argv: ['partitions', ...pos, ...(has(opts, 'output') ? ['--output', single(opts, 'output')!] : []),
        ...(has(opts, 'toBinary') ? ['--to-binary'] : []), ...(has(opts, 'toCsv') ? ['--to-csv'] : []), ...extraArgs(opts, false)],
    }],
  },
  'erase-parts': {
    specs: ERASE_PARTS,
    target: ['erase'],
    handler: (pos, opts) => {
      const file = single(opts, 'partitionTable');
      if (file === undefined) {
        throw new AnyflashError('bad-input', 'erase-parts needs --partition-table FILE here.', {
          advice: ['Give the table the device was flashed with: espflash erase-parts --partition-table partitions.csv nvs'],
        });
      }
      const { table } = loadTable(file);
      const labels = pos.flatMap((p) => p.split(',')).filter(Boolean);
      if (labels.length === 0) throw new AnyflashError('bad-input', 'erase-parts needs partition labels.', { advice: [`Partitions: ${table.partitions.map((p) => p.name).join(', ')}.`] });
      return labels.map((label) => {
        const p = table.partitions.find((x) => x.name === label);
        if (!p) throw new AnyflashError('bad-input', `There is no partition named "${label}" in ${file}.`, { advice: [`Partitions: ${table.partitions.map((x) => x.name).join(', ')}.`] });
        return { argv: ['erase', hexAddr(p.offset), hexAddr(p.size), ...dev(opts)] };
      });
    },
  },
  'checksum-md5': {
    // espflash 3.x took the region as --address/--length options, later releases as positionals.
    specs: [opt('address', 1, '-a', '--address'), opt('length', 1, '-l', '--length')],
    target: ['read'],
    handler: (given, opts) => {
      const named = ['address', 'length'].map((k) => single(opts, k));
      const pos = named.every((v) => v !== undefined) ? (named as string[]) : given;
      if (pos.length !== 2) throw new AnyflashError('bad-input', 'checksum-md5 takes ADDRESS SIZE.', { advice: ['Example: espflash checksum-md5 0x10000 0x100000'] });
      const file = join(mkdtempSync(join(tmpdir(), 'anyflash-md5-')), 'region.bin');
      return [
        { argv: ['read', pos[0]!, pos[1]!, file, ...dev(opts)] },
        {
          label: 'md5',
          run: () => {
            process.stdout.write(`0x${Buffer.from(md5(new Uint8Array(readFileSync(file)))).toString('hex')}\n`);
            return 0;
          },
        },
      ];
    },
  },
};

/** cargo's build options, which only cargo-espflash's flash and save-image take. */
const CARGO_BUILD = /^(--release|--example|--bin|--package|--features|--all-features|--no-default-features|--profile|--target|--frozen|--locked|--offline|-Z)(=.*)?$/;

/** A leading SERIAL positional (espflash 1.x) as --port, unless a port was given. */
function withSerial(pos: string[], opts: FoundOpt[]): { pos: string[]; opts: FoundOpt[] } {
  if (pos.length === 0 || !PORT_LIKE.test(pos[0]!) || has(opts, 'port')) return { pos, opts };
  return { pos: pos.slice(1), opts: [...opts, { key: 'port', name: 'SERIAL', value: pos[0]! }] };
}

function translateV1(tokens: readonly string[]): Step[] {
  const { opts, positionals } = scanArgs(tokens, [FLASH, V1, CONNECT, ANYFLASH_EXTRAS], 'espflash');
  const { pos, opts: all } = withSerial(positionals, opts);
  if (has(all, 'boardInfo') || pos.length === 0) return COMMANDS['board-info']!.handler([], all);
  return COMMANDS.flash!.handler(pos, all);
}

export const ESPFLASH_ONLY = ['board-info', 'save-image', 'partition-table', 'erase-parts', 'write-bin', 'checksum-md5', 'hold-in-reset', 'list-ports'];

export function translateEspflash(tokens: readonly string[]): Step[] {
  const index = tokens.findIndex((t) => !t.startsWith('-'));
  const word = index < 0 ? undefined : tokens[index];
  if (word === undefined) return [{ argv: ['--help'] }];
  const key = commandKey(word);
  if (key === 'hold-in-reset') throw unsupported("espflash's hold-in-reset");
  if (key === 'completions') return [{ argv: ['completions', ...tokens.slice(index + 1)] }];
  const command = COMMANDS[key];
  // cargo-espflash builds the crate first (cargo's --release, --example…): anyflash flashes what was built.
  const cargo = tokens.find((t) => CARGO_BUILD.test(t));
  if (cargo && (key === 'flash' || key === 'save-image')) {
    throw unsupported(`building the crate (cargo-espflash ${cargo.split('=')[0]})`, `Build it with cargo build ${tokens.filter((t) => CARGO_BUILD.test(t)).join(' ')}, then: ${key === 'flash' ? `anyflash write target/<target>/<profile>/<crate>${tokens.includes('--monitor') ? ' --monitor' : ''}` : 'anyflash image elf2image target/<target>/<profile>/<crate> --chip CHIP -o OUTPUT'}`);
  }
  if (!command && isEspflashV1(tokens, word)) return translateV1(tokens);
  if (!command) {
    const near = closest(key, Object.keys(COMMANDS));
    throw new AnyflashError('bad-input', `Unknown espflash command "${word}".`, {
      advice: [near ? `Did you mean ${near}?` : `Use one of: ${Object.keys(COMMANDS).join(', ')}.`],
    });
  }
  const { opts, positionals } = scanArgs([...tokens.slice(0, index), ...tokens.slice(index + 1)], [command.specs, CONNECT, ANYFLASH_EXTRAS], `espflash ${key}`);
  if (has(opts, 'help')) return [{ argv: [...command.target, '--help'] }];
  return command.handler(positionals, opts);
}
