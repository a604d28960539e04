import type { Command } from 'commander';
import { hexAddr } from '../../core/bytes.js';
import { AnyflashError } from '../../core/errors.js';
import { eraseRange } from '../../engine/ops.js';
import { parseNumber, parseSize } from '../../engine/parse.js';
import { deviceCommand, withDevice, type GlobalFlags } from '../common.js';

export function register(program: Command): void {
  deviceCommand(program, 'erase', 'erase the whole flash, or a region when ADDRESS and SIZE are given')
    .aliases(['erase-flash', 'erase_flash', 'erase-region', 'erase_region'])
    .argument('[address]', 'start of the region (sector aligned)')
    .argument('[size]', 'size of the region (sector multiple, e.g. 0x1000 or 64K)')
    .action(async (addressText: string | undefined, sizeText: string | undefined, flags: GlobalFlags) => {
      let address: number | undefined;
      let size: number | undefined;
      process.exitCode = await withDevice(
        flags,
        async ({ device, out, signal }) => {
          await eraseRange(device, address, size, { events: out.events, signal });
          out.result(
            { ok: true, chip: device.chip, address: address ?? 0, size: size ?? device.flashSize },
            [address === undefined ? 'Flash erased.' : `Erased ${hexAddr(address)}..${hexAddr(address + size!)}.`],
          );
        },
        () => {
          if ((addressText === undefined) !== (sizeText === undefined)) {
            throw new AnyflashError('bad-input', 'Give both ADDRESS and SIZE to erase a region, or neither to erase everything.');
          }
          if (addressText !== undefined) {
            address = parseNumber(addressText, 'address');
            size = parseSize(sizeText!, 'size');
            if (address % 0x1000 !== 0 || size % 0x1000 !== 0 || size === 0) {
              throw new AnyflashError('misaligned-address', `Erase region ${addressText}+${sizeText} is not aligned to the 4 KiB sector.`, {
                advice: ['Use an address and size that are multiples of 0x1000.'],
              });
            }
          }
        },
      );
    });
}
