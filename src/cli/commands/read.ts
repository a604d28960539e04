import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { hexAddr } from '../../core/bytes.js';
import { AnyflashError } from '../../core/errors.js';
import { readRange } from '../../engine/ops.js';
import { flashOffset } from '../../engine/regions.js';
import { parseNumber, parseSize } from '../../engine/parse.js';
import { deviceCommand, withDevice, type GlobalFlags } from '../common.js';

export function register(program: Command): void {
  deviceCommand(program, 'read', 'read flash into a file')
    .aliases(['read-flash', 'read_flash'])
    .argument('<address>', 'start address (0x0)')
    .argument('<size>', 'bytes to read (0x1000, 64K, 4M, or ALL)')
    .argument('<file>', 'output file')
    .action(async (addressText: string, sizeText: string, file: string, flags: GlobalFlags) => {
      let address = 0;
      let size: number | 'all' = 0;
      process.exitCode = await withDevice(
        flags,
        async ({ device, out, signal }) => {
          const length = size === 'all' ? device.flashSize - flashOffset(address, device.flashBase) : size;
          const data = await readRange(device, address, length, { events: out.events, signal });
          writeFileSync(file, data);
          out.result({ ok: true, chip: device.chip, address, size: length, file }, [`Read ${length} B from ${hexAddr(address)} into ${file}.`]);
        },
        () => {
          address = parseNumber(addressText, 'address');
          size = sizeText.toLowerCase() === 'all' ? 'all' : parseSize(sizeText, 'size');
          if (size === 0) throw new AnyflashError('bad-input', 'Size must be greater than 0.');
        },
      );
    });
}
