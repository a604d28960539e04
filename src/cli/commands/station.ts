import type { Command } from 'commander';
import { AnyflashError } from '../../core/errors.js';
import { deviceCommand } from '../common.js';
import { Output } from '../output.js';
import type { StationFlags } from '../line/station.js';
import { run, writeOptions, type WriteFlags } from './write.js';

export function register(program: Command): void {
  writeOptions(deviceCommand(program, 'station', 'production station: flash every device as it is plugged in, record each, until Ctrl-C'))
    .argument('<files...>', 'what to write, as for anyflash write')
    .option(
      '--hub <sim-hub:…>',
      'a simulated hub instead of the USB ports, e.g. sim-hub:esp32,bk7231n,esp32c3?every=1000; a board\'s ;replug=AT:DURATION pulls it out at AT (75%, 0x54000, 2s) and back into another slot DURATION later, where it resumes',
    )
    .option('--count <n>', 'stop after N devices')
    .addHelpText(
      'after',
      '\nBoards are known by chip and MAC (flash id on SiFli), not by port: one unplugged mid-write and plugged in again, on any port, resumes there (only what is not yet written) and is recorded once, with "resumed": true.\n\nExamples:\n  anyflash station --port-filter 1a86:7523 --record line 0x0 firmware.bin\n  anyflash station --hub \'sim-hub:esp32;replug=0x54000:300ms,esp32c3;replug=75%:1s\' 0x20000 app.bin',
    )
    .action(async (files: string[], flags: WriteFlags & StationFlags, cmd: Command) => {
      // A fixed port never disappears, so the station could not tell one board from the next;
      // a port from the environment or anyflash.toml is for the one-device commands.
      if (cmd.getOptionValueSource('port') === 'cli') {
        process.exitCode = new Output(flags).fail(
          new AnyflashError('bad-input', 'station watches ports appear and disappear; it does not take --port.', {
            advice: ["Use --ports GLOB or --port-filter TEXT (e.g. a VID:PID) to say which ports are the station's; anyflash write --port … flashes fixed ports once."],
          }),
        );
        return;
      }
      const { withStation } = await import('../line/station.js');
      process.exitCode = await run(files, { ...flags, port: undefined }, withStation);
    });
}
