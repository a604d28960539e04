import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { hexAddr } from '../../core/bytes.js';
import { AnyflashError } from '../../core/errors.js';
import { readRange } from '../../engine/ops.js';
import { flashOffset } from '../../engine/regions.js';
import { parseNumber, parseSize } from '../../engine/parse.js';
import { deviceCommand, withDevice, type GlobalFlags } from '../common.js';

interface ReadFlags extends GlobalFlags {
  start?: string;
  length?: string;
}

export function register(program: Command): void {
  deviceCommand(program, 'read', 'read flash into a file')
    .aliases(['read-flash', 'read_flash'])
    .argument('<args...>', 'ADDRESS SIZE FILE (size 0x1000, 64K, 4M or ALL), or FILE alone: the whole flash, or --start/--length')
    .option('-s, --start <address>', 'with FILE alone: first address to read (default 0)')
    .option('-l, --length <size>', 'with FILE alone: bytes to read (default: to the end of the flash)')
    .action(async (args: string[], flags: ReadFlags) => {
      let address = 0;
      let size: number | 'all' = 'all';
      let file = '';
      process.exitCode = await withDevice(
        flags,
        async ({ device, out, signal }) => {
          const length = size === 'all' ? device.flashSize - flashOffset(address, device.flashBase) : size;
          const data = await readRange(device, address, length, { events: out.events, signal });
          writeFileSync(file, data);
          out.result({ ok: true, chip: device.chip, address, size: length, file }, [`Read ${length} B from ${hexAddr(address)} into ${file}.`]);
        },
        () => {
          if (args.length === 3) {
            if (flags.start !== undefined || flags.length !== undefined) throw new AnyflashError('bad-input', 'Give ADDRESS SIZE FILE or FILE with --start/--length, not both.');
            address = parseNumber(args[0]!, 'address');
            size = args[1]!.toLowerCase() === 'all' ? 'all' : parseSize(args[1]!, 'size');
            file = args[2]!;
          } else if (args.length === 1) {
            address = flags.start === undefined ? 0 : parseNumber(flags.start, '--start');
            size = flags.length === undefined ? 'all' : parseSize(flags.length, '--length');
            file = args[0]!;
          } else {
            throw new AnyflashError('bad-input', `read takes ADDRESS SIZE FILE or FILE alone, not ${args.length} arguments.`, {
              advice: ['Examples: anyflash read 0x10000 64K app.bin · anyflash read backup.bin (the whole flash)'],
            });
          }
          if (size === 0) throw new AnyflashError('bad-input', 'Size must be greater than 0.');
        },
      );
    });
}
