import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { hexAddr } from '../../core/bytes.js';
import { AnyflashError, toAnyflashError } from '../../core/errors.js';
import { readRange } from '../../engine/ops.js';
import { parseNumber, parseSize } from '../../engine/parse.js';
import {
  PARTITION_DATA_MAX, PARTITION_TABLE_OFFSET, isPartitionTableBinary, parsePartitionBinary, parsePartitionTable,
  partitionTableToBinary, partitionTableToCsv, type PartitionTable,
} from '../../formats/partition-table.js';
import { deviceCommand, withDevice, type GlobalFlags } from '../common.js';
import { readInputFile } from '../inputs.js';
import { Output } from '../output.js';
import { partitionRows } from './image.js';

interface PartitionFlags extends GlobalFlags {
  output?: string;
  toBinary?: boolean;
  toCsv?: boolean;
  offset?: string;
  flashSize?: string;
}

export function register(program: Command): void {
  deviceCommand(program, 'partitions', 'show, check and convert ESP partition tables (CSV ↔ binary); with --port, read the table from the device')
    .aliases(['partition-table'])
    .argument('[file]', 'partition table as CSV or binary (omit with --port to read it from the device)')
    .option('-o, --output <file>', 'write the table converted: CSV → binary, binary → CSV')
    .option('--to-binary', 'write binary to --output whatever the input is')
    .option('--to-csv', 'write CSV to --output whatever the input is')
    .option('--offset <address>', 'flash offset of the partition table', '0x8000')
    .option('--flash-size <size>', 'check that every partition fits in this flash size (e.g. 4MB)')
    .action(async (file: string | undefined, flags: PartitionFlags) => {
      const tableOffset = (): number => parseNumber(flags.offset ?? '0x8000', '--offset');
      const flashSize = (): number | undefined => (flags.flashSize ? parseSize(flags.flashSize.replace(/B$/i, ''), '--flash-size') : undefined);
      if (file !== undefined) {
        const out = new Output(flags);
        try {
          const bytes = readInputFile(file);
          const table = parsePartitionTable(bytes, { file, tableOffset: tableOffset(), ...sizeOpt(flashSize()) });
          const written = writeOutput(table, flags, isPartitionTableBinary(bytes));
          out.result(json(table, written), [...partitionRows(table.partitions), ...(written ? [`Wrote ${written}.`] : [])]);
          process.exitCode = 0;
        } catch (e) {
          process.exitCode = out.fail(toAnyflashError(e));
        }
        return;
      }
      let offset = PARTITION_TABLE_OFFSET;
      process.exitCode = await withDevice(
        flags,
        async ({ device, out, signal }) => {
          const data = await readRange(device, offset, PARTITION_DATA_MAX, { events: out.events, signal });
          if (data.every((b) => b === 0xff)) {
            throw new AnyflashError('bad-input', `There is no partition table at ${hexAddr(offset)}: the flash there is erased.`, {
              advice: ['Flash a partition table first, or give --offset if the build moved it.'],
            });
          }
          const table = parsePartitionBinary(data, `the table at ${hexAddr(offset)}`);
          const written = writeOutput(table, flags, true);
          out.result({ ...json(table, written), chip: device.chip, offset }, [
            `Partition table at ${hexAddr(offset)} on ${device.chip}${table.md5 ? ' (MD5 valid)' : ''}:`,
            ...partitionRows(table.partitions),
            ...(written ? [`Wrote ${written}.`] : []),
          ]);
        },
        () => {
          offset = tableOffset();
          flashSize();
        },
      );
    });
}

function sizeOpt(flashSize: number | undefined): { flashSize?: number } {
  return flashSize === undefined ? {} : { flashSize };
}

/** Writes --output (binary input → CSV and CSV → binary unless forced); returns what was written. */
function writeOutput(table: PartitionTable, flags: PartitionFlags, inputIsBinary: boolean): string | undefined {
  if (!flags.output) {
    if (flags.toBinary || flags.toCsv) throw new AnyflashError('bad-input', '--to-binary/--to-csv need --output.', { advice: ['Add -o FILE.'] });
    return undefined;
  }
  if (flags.toBinary && flags.toCsv) throw new AnyflashError('bad-input', 'Choose one of --to-binary and --to-csv.');
  const binary = flags.toBinary ?? (flags.toCsv ? false : !inputIsBinary);
  writeFileSync(flags.output, binary ? partitionTableToBinary(table) : partitionTableToCsv(table));
  return `${flags.output} (${binary ? 'binary' : 'CSV'})`;
}

function json(table: PartitionTable, written: string | undefined): Record<string, unknown> {
  return {
    ok: true,
    partitions: table.partitions.map(({ line: _line, ...p }) => p),
    ...(table.md5 ? { md5: table.md5 } : {}),
    ...(written ? { written } : {}),
  };
}
