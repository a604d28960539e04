/** `write … --monitor` / `flash-project … --monitor`: flash, reset into the app, monitor; Ctrl-F writes again. */
import type { Command } from 'commander';
import { toAnyflashError } from '../../core/errors.js';
import { parseNumber } from '../../engine/parse.js';
import { monitorOptions, startMonitor } from '../commands/monitor.js';
import { resolvePort } from '../commands/list.js';
import { Output } from '../output.js';
import { elfForFiles, resolveElfArgs } from './find-elf.js';

export interface MonitorAfterFlags {
  port?: string;
  monitor?: boolean;
  monitorBaud?: string;
  elf?: string[];
  timestamps?: boolean;
  log?: string;
  logLevel?: string;
  seconds?: string;
  json?: boolean;
  jsonEvents?: boolean;
  verbose?: boolean;
}

export function monitorAfterOptions(cmd: Command): Command {
  return monitorOptions(cmd)
    .option('--monitor', 'after writing, reset into the app and open the serial monitor (Ctrl-F writes again)')
    .option('--monitor-baud <baud>', 'console baud rate for --monitor', '115200')
    .option('--seconds <n>', 'with --monitor: stop monitoring after N seconds (for scripts)');
}

/** Runs `write(files, flags)`; with --monitor, then monitors, and Ctrl-F repeats the same write. */
export async function writeThenMonitor<F extends MonitorAfterFlags>(
  files: string[],
  flags: F,
  write: (files: string[], flags: F) => Promise<number>,
): Promise<number> {
  const code = await write(files, flags);
  if (code !== 0 || !flags.monitor) return code;
  const out = new Output({ ...flags, json: false });
  try {
    const elf = flags.elf?.length ? resolveElfArgs(flags.elf) : [elfForFiles(files)].filter((p): p is string => p !== undefined);
    if (!elf.length) out.say('--- no ELF found beside the written files: pass --elf app.elf to decode crashes');
    await startMonitor(
      {
        port: await resolvePort(flags.port, out.events),
        baud: parseNumber(flags.monitorBaud ?? '115200', '--monitor-baud'),
        // Reset once more with the console open, so the app's boot output is seen from its start.
        reset: true,
        elfPaths: elf,
        timestamps: flags.timestamps,
        logFile: flags.log,
        logLevel: flags.logLevel,
        seconds: flags.seconds === undefined ? undefined : parseNumber(flags.seconds, '--seconds'),
        reflash: async () => (await write(files, flags)) === 0,
      },
      out,
      flags.json === true,
    );
    return 0;
  } catch (e) {
    return out.fail(toAnyflashError(e));
  }
}
