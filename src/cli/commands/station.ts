import type { Command } from 'commander';
import { deviceCommand } from '../common.js';
import { withStation, type StationFlags } from '../line/station.js';
import { run, writeOptions, type WriteFlags } from './write.js';

export function register(program: Command): void {
  writeOptions(deviceCommand(program, 'station', 'production station: flash every device as it is plugged in, record each, until Ctrl-C'))
    .argument('<files...>', 'what to write, as for anyflash write')
    .option('--hub <sim-hub:…>', 'a simulated hub instead of the USB ports, e.g. sim-hub:esp32,bk7231n,esp32c3?every=1000')
    .option('--count <n>', 'stop after N devices')
    .action(async (files: string[], flags: WriteFlags & StationFlags) => {
      process.exitCode = await run(files, flags, withStation);
    });
}
