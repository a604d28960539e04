import type { Command } from 'commander';
import { Option } from 'commander';
import { readFileSync } from 'node:fs';
import { AnyflashError, toAnyflashError } from '../../core/errors.js';
import type { DefmtDecoder } from '../../formats/defmt.js';
import type { CrashDecoder } from '../../monitor/crash-decoder.js';
import type { IdfLevel } from '../../monitor/idf-log.js';
import { parseNumber } from '../../engine/parse.js';
import { resolvePort } from './list.js';
import { Output } from '../output.js';
import { outColors } from '../colors.js';
import { elfInProject, resolveElfArgs } from '../monitor/find-elf.js';

export interface MonitorFlags {
  port?: string;
  baud: string;
  mode: 'raw' | 'line';
  reset?: boolean;
  seconds?: string;
  elf?: string[];
  timestamps?: boolean;
  log?: string;
  logLevel?: string;
  json?: boolean;
  verbose?: boolean;
}

/** Loads the ELFs to decode against (the app first, then e.g. ROM ELFs); says what it indexed. */
export async function loadDecoder(paths: readonly string[], out: Output): Promise<{ decoder?: CrashDecoder; defmt?: DefmtDecoder; elfSha256?: string }> {
  if (!paths.length) return {};
  // The ELF, DWARF and defmt readers load only when there is an ELF to read.
  const [{ parseElf }, { symbolizerFor }, { DefmtDecoder, defmtTable }, { sha256 }, { CrashDecoder }] = await Promise.all([
    import('../../formats/elf.js'),
    import('../../formats/symbolizer.js'),
    import('../../formats/defmt.js'),
    import('../../formats/sha256.js'),
    import('../../monitor/crash-decoder.js'),
  ]);
  let defmt: DefmtDecoder | undefined;
  let elfSha256: string | undefined;
  const symbolizers = paths.map((path, i) => {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(path));
    } catch (e) {
      throw new AnyflashError('bad-input', `Cannot read the ELF ${path}: ${(e as Error).message}.`, {
        file: path, advice: ['Pass the .elf your build produced (e.g. build/<project>.elf, .pio/build/<env>/firmware.elf).'],
      });
    }
    const t0 = performance.now();
    const elf = parseElf(bytes, path);
    const s = symbolizerFor(elf);
    const ms = performance.now() - t0;
    out.say(`--- ${path}: ${s.stats.functions || s.stats.symbols} functions, ${s.stats.lineRows} line rows indexed in ${ms.toFixed(0)} ms`);
    for (const p of s.problems) out.say(`--- ${path}: part of the debug data is unreadable (${p}); the rest decodes`);
    if (!s.stats.lineRows) out.say(`--- ${path} has no DWARF line table: crashes decode to function names only (build with -g for file:line)`);
    if (i === 0) elfSha256 = Buffer.from(sha256(bytes)).toString('hex');
    const table = i === 0 ? defmtTable(elf) : undefined;
    if (table) {
      defmt = new DefmtDecoder(table);
      out.say(`--- ${path}: decoding defmt frames (${table.entries.size} format strings)`);
    }
    return s;
  });
  return { decoder: new CrashDecoder(symbolizers), defmt, elfSha256 };
}

export interface StartMonitorOptions {
  port: string;
  baud: number;
  reset: boolean;
  elfPaths: string[];
  timestamps?: boolean;
  logFile?: string;
  logLevel?: string;
  seconds?: number;
  /** raw: every key goes to the chip at once (a terminal); line: whole lines, sent with CR LF. */
  mode?: 'raw' | 'line';
  reflash?: () => Promise<boolean>;
}

/** Runs the monitor on the process's terminal (raw keys when stdin is a TTY). */
export async function startMonitor(o: StartMonitorOptions, out: Output, json: boolean): Promise<void> {
  const level = o.logLevel?.toUpperCase();
  if (level !== undefined && !['E', 'W', 'I', 'D', 'V'].includes(level)) {
    throw new AnyflashError('bad-input', `--log-level ${o.logLevel}: use E, W, I, D or V (ESP-IDF levels).`);
  }
  const { decoder, defmt, elfSha256 } = await loadDecoder(o.elfPaths, out);
  const { keyHelp, runMonitor } = await import('../monitor/session.js');
  const stdin = process.stdin;
  const raw = stdin.isTTY === true && o.mode !== 'line';
  if (raw) stdin.setRawMode(true);
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  // Piped input that ends (a script) ends the monitor, unless it is meant to run for --seconds.
  const onEnd = (): void => abort.abort();
  if (!raw && o.seconds === undefined) stdin.once('end', onEnd);
  out.say(`--- monitor on ${o.port} at ${o.baud} baud${decoder ? ', decoding crashes' : ''} | ${keyHelp(Boolean(o.reflash))}`);
  try {
    await runMonitor(
      {
        port: o.port, baud: o.baud, reset: o.reset, decoder, defmt, elfSha256, timestamps: o.timestamps, json, logFile: o.logFile,
        logLevel: level as IdfLevel | undefined, colour: !json && outColors.isColorSupported, reflash: o.reflash,
        seconds: o.seconds, lineMode: !raw, events: out.events, signal: abort.signal,
      },
      { keys: stdin, write: (t) => process.stdout.write(t), say: (t) => out.say(t) },
    );
  } finally {
    process.off('SIGINT', onSigint);
    stdin.off('end', onEnd);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
  }
}

export function monitorOptions(cmd: Command): Command {
  return cmd
    .option('--elf <file>', 'decode crash addresses against this ELF (a build folder finds it); repeat for ROM ELFs', (v: string, prev: string[] = []) => [...prev, v])
    .option('--timestamps', 'prefix each line with the time it arrived')
    .option('--log <file>', 'also write the console (without colours) to FILE')
    .option('--log-level <level>', 'hide ESP-IDF log lines below E, W, I, D or V');
}

export function register(program: Command): void {
  monitorOptions(
    program
      .command('monitor')
      .description('serial console: decodes crashes against --elf; Ctrl-R resets the chip, Ctrl-C or Ctrl-] quits')
      .addOption(new Option('-p, --port <port>', 'serial port, tcp://, rfc2217:// or sim:<chip>').env('ANYFLASH_PORT'))
      .addOption(new Option('-b, --baud <baud>', 'console baud rate').default('115200').env('MONITOR_BAUD'))
      .addOption(new Option('--mode <mode>', 'raw: every key goes to the chip; line: send whole lines').choices(['raw', 'line']).default('raw'))
      .option('--no-reset', 'do not reset the chip when the monitor starts')
      .option('--seconds <n>', 'stop after N seconds (for scripts)')
      .option('--json', 'one JSON record per console line on stdout (decoded addresses included)')
      .option('-v, --verbose', 'more detail: evidence, advice'),
  ).action(async (flags: MonitorFlags) => {
    const out = new Output({ ...flags, json: false });
    try {
      const port = await resolvePort(flags.port, out.events);
      // Without --elf, the project in the current folder names it (ESP-IDF build/, PlatformIO .pio/build/<env>/).
      const found = flags.elf?.length ? undefined : elfInProject(process.cwd());
      if (found) out.say(`--- decoding crashes against ${found} (found in this project; --elf picks another)`);
      await startMonitor(
        {
          port, baud: parseNumber(flags.baud, '--baud'), reset: flags.reset !== false,
          elfPaths: found ? [found] : resolveElfArgs(flags.elf ?? []),
          timestamps: flags.timestamps, logFile: flags.log, logLevel: flags.logLevel, mode: flags.mode,
          seconds: flags.seconds === undefined ? undefined : parseNumber(flags.seconds, '--seconds'),
        },
        out,
        flags.json === true,
      );
      process.exitCode = 0;
    } catch (e) {
      process.exitCode = out.fail(toAnyflashError(e));
    }
  });
}
