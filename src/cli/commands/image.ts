import { writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Option, type Command } from 'commander';
import { hexAddr } from '../../core/bytes.js';
import { AnyflashError, toAnyflashError } from '../../core/errors.js';
import { parseNumber, parseSize } from '../../engine/parse.js';
import { elfToImage } from '../../formats/elf2image.js';
import { ESP_IMAGE_CHIPS, findEspImageChip } from '../../formats/esp-chips.js';
import type { EspImageInfo } from '../../formats/esp-image.js';
import { inspectImage, type ImageDescription } from '../../formats/inspect.js';
import { mergeImages, type MergeFormat } from '../../formats/merge.js';
import { subtypeName, typeName } from '../../formats/partition-table.js';
import { outputOptions } from '../common.js';
import { parseFileArgs, readInputFile } from '../inputs.js';
import { Output } from '../output.js';

interface JsonFlags {
  json?: boolean;
  jsonEvents?: boolean;
  verbose?: boolean;
}

interface InfoFlags extends JsonFlags {
  chip?: string;
}

interface FlashFlags {
  flashMode?: string;
  flashFreq?: string;
  flashSize?: string;
}

interface Elf2ImageFlags extends JsonFlags, FlashFlags {
  chip?: string;
  output?: string;
  minRevFull?: string;
  maxRevFull?: string;
  appendDigest?: boolean;
  useSegments?: boolean;
  flashMmuPageSize?: string;
  elfSha256Offset?: string;
  padToSize?: string;
  securePad?: boolean;
  securePadV2?: boolean;
  ramOnlyHeader?: boolean;
  imageVersion?: string;
}

interface MergeFlags extends JsonFlags, FlashFlags {
  chip?: string;
  output?: string;
  format?: MergeFormat;
  targetOffset?: string;
  padToSize?: string;
  chunkSize?: string;
  md5?: boolean;
}

const CHIP_IDS = ESP_IMAGE_CHIPS.map((c) => c.id);

/** Runs a file command with the shared error rendering (exit code 2 for input errors). */
async function run(flags: JsonFlags, fn: (out: Output) => void): Promise<void> {
  const out = new Output(flags);
  try {
    fn(out);
    process.exitCode = 0;
  } catch (e) {
    process.exitCode = out.fail(toAnyflashError(e));
  }
}

function needChip(chip: string | undefined): string {
  if (!chip) {
    throw new AnyflashError('bad-input', 'This command needs --chip.', { advice: [`Pass --chip, one of: ${CHIP_IDS.join(', ')}.`] });
  }
  if (!findEspImageChip(chip)) {
    throw new AnyflashError('unknown-chip', `Unknown ESP chip "${chip}".`, { advice: [`Use one of: ${CHIP_IDS.join(', ')}.`] });
  }
  return chip;
}

function flashOptions(cmd: Command, keepDefault: boolean): Command {
  const suffix = keepDefault ? ' (default keep)' : '';
  return cmd
    .option('--flash-mode <mode>', `flash mode in the header: qio, qout, dio, dout${suffix}`)
    .option('--flash-freq <freq>', `flash frequency in the header, e.g. 40m, 80m${suffix}`)
    .option('--flash-size <size>', `flash size in the header, e.g. 4MB${suffix}`);
}

function flashParams(flags: FlashFlags): FlashFlags {
  return {
    ...(flags.flashMode ? { flashMode: flags.flashMode } : {}),
    ...(flags.flashFreq ? { flashFreq: flags.flashFreq } : {}),
    ...(flags.flashSize ? { flashSize: flags.flashSize } : {}),
  };
}

export function register(program: Command): void {
  const image = program.command('image').description('inspect and convert firmware images (ESP images, ELF, UF2, Intel HEX, Beken RBL)');

  outputOptions(
    image
      .command('info')
      .alias('image-info')
      .description('show what a firmware file holds: headers, segments, checksums, hashes, app/bootloader descriptors')
      .argument('<file>', 'ESP image, ELF, UF2, Intel HEX, partition table, Beken RBL/UG/UA/QIO file')
      .option('-c, --chip <chip>', 'ESP chip, when the image header cannot tell'),
  ).action((file: string, flags: InfoFlags) =>
    run(flags, (out) => {
      const info = inspectImage(file, readInputFile(file), flags.chip ? { chip: flags.chip } : {});
      out.result({ ok: true, file, ...jsonOf(info) }, describe(file, info, flags.verbose ?? false));
    }));

  flashOptions(
    outputOptions(
      image
        .command('elf2image')
        .aliases(['save-image'])
        .description('convert an ELF into an ESP app/bootloader image (byte-identical to esptool elf2image)')
        .argument('<elf>', 'ELF file from the build')
        .option('-c, --chip <chip>', `target chip: ${CHIP_IDS.join(', ')}`)
        .option('-o, --output <file>', 'output file (ESP8266: file name prefix); default: the ELF name with .bin')
        .option('--min-rev-full <n>', 'minimum chip revision, major*100+minor')
        .option('--max-rev-full <n>', 'maximum chip revision, major*100+minor')
        .addOption(new Option('-e, --image-version <n>', 'ESP8266 image version: 1 (ROM-loaded, two files) or 2 (SDK bootloader); esptool: --version').choices(['1', '2']).default('1'))
        .option('--dont-append-digest', 'do not append the SHA-256 of the image')
        .option('--secure-pad', 'pad so the image ends on a 64 KB boundary once signed (Secure Boot v1, ESP32)')
        .option('--secure-pad-v2', 'pad so the signature sector starts on a 64 KB boundary (Secure Boot v2)')
        .option('--use-segments', 'build from ELF program headers instead of sections')
        .option('--ram-only-header', 'count only RAM segments in the header (the ROM loads just those); implies --dont-append-digest')
        .addOption(new Option('--flash-mmu-page-size <size>', 'flash MMU page size').choices(['8KB', '16KB', '32KB', '64KB']))
        .option('--elf-sha256-offset <offset>', 'store the ELF SHA-256 at this image offset')
        .option('--pad-to-size <size>', 'pad the image with 0xFF to a multiple of this size (e.g. 64K, 4MB)'),
    ),
    false,
  ).action((elfFile: string, flags: Elf2ImageFlags & { dontAppendDigest?: boolean }) =>
    run(flags, (out) => {
      const chip = needChip(flags.chip);
      const result = elfToImage(readInputFile(elfFile), {
        chip, file: elfFile, ...flashParams(flags),
        ...(flags.minRevFull !== undefined ? { minRevFull: parseNumber(flags.minRevFull, '--min-rev-full') } : {}),
        ...(flags.maxRevFull !== undefined ? { maxRevFull: parseNumber(flags.maxRevFull, '--max-rev-full') } : {}),
        ...(flags.dontAppendDigest ? { appendDigest: false } : {}),
        ...(flags.useSegments ? { useSegments: true } : {}),
        ...(flags.ramOnlyHeader ? { ramOnlyHeader: true } : {}),
        ...(flags.imageVersion === '2' ? { version: 2 as const } : {}),
        ...(flags.securePadV2 ? { securePad: 2 as const } : flags.securePad ? { securePad: 1 as const } : {}),
        ...(flags.flashMmuPageSize ? { mmuPageSize: parseSize(flags.flashMmuPageSize.replace(/B$/i, ''), '--flash-mmu-page-size') } : {}),
        ...(flags.elfSha256Offset !== undefined ? { elfSha256Offset: parseNumber(flags.elfSha256Offset, '--elf-sha256-offset') } : {}),
        ...(flags.padToSize !== undefined ? { padToSize: parseSize(flags.padToSize.replace(/B$/i, ''), '--pad-to-size') } : {}),
      });
      for (const w of result.warnings) out.say(`warning: ${w}`);
      const stem = elfFile.slice(0, elfFile.length - extname(elfFile).length);
      const written = result.parts.map((p) => {
        const v1Parts = result.chip.id === 'esp8266' && flags.imageVersion !== '2';
        const path = v1Parts ? `${flags.output ?? `${elfFile}-`}${p.suffix}` : flags.output ?? `${stem}${p.suffix}`;
        writeFileSync(path, p.data);
        return { file: path, offset: p.offset, size: p.data.length };
      });
      out.result(
        { ok: true, chip: result.chip.id, mmuPageSize: result.mmuPageSize, files: written },
        written.map((w) => `Wrote ${w.file} (${w.size} bytes${result.chip.id === 'esp8266' ? `, flash at ${hexAddr(w.offset)}` : ''}) for ${result.chip.name}.`),
      );
    }));

  flashOptions(
    outputOptions(
      image
        .command('merge')
        .alias('merge-bin')
        .description('merge files at their flash offsets into one raw image, Intel HEX or UF2 (as esptool merge-bin)')
        .argument('<address-file...>', 'pairs: 0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 app.bin (or app.bin@0x10000)')
        .requiredOption('-o, --output <file>', 'output file')
        .option('-c, --chip <chip>', 'chip: bootloader offset for the header rewrite, UF2 family id', 'esp32')
        .addOption(new Option('-f, --format <format>', 'output format').choices(['raw', 'hex', 'uf2']).default('raw'))
        .option('--target-offset <address>', 'raw: flash address of the first output byte', '0')
        .option('--pad-to-size <size>', 'raw: pad with 0xFF up to this flash size (e.g. 4MB)')
        .option('--chunk-size <bytes>', 'uf2: payload bytes per block')
        .option('--md5-disable', 'uf2: leave out the per-block MD5'),
    ),
    true,
  ).action((tokens: string[], flags: MergeFlags & { md5Disable?: boolean }) =>
    run(flags, (out) => {
      const chip = needChip(flags.chip);
      const inputs = parseFileArgs(tokens).map((a) => {
        if (a.address === undefined) {
          throw new AnyflashError('bad-input', `${a.file} has no address.`, { advice: [`Write it as: 0x10000 ${a.file} (or ${a.file}@0x10000).`] });
        }
        return { address: a.address, data: readInputFile(a.file), name: a.file };
      });
      const format = flags.format ?? 'raw';
      const merged = mergeImages(inputs, {
        format, chip, ...flashParams(flags),
        targetOffset: parseNumber(flags.targetOffset ?? '0', '--target-offset'),
        ...(flags.padToSize ? { padToSize: parseSize(flags.padToSize.replace(/B$/i, ''), '--pad-to-size') } : {}),
        ...(flags.chunkSize ? { chunkSize: parseNumber(flags.chunkSize, '--chunk-size') } : {}),
        ...(flags.md5Disable ? { md5: false } : {}),
      });
      writeFileSync(flags.output!, merged);
      out.result(
        { ok: true, file: flags.output, format, size: merged.length, inputs: inputs.map((i) => ({ file: i.name, address: i.address, size: i.data.length })) },
        [`Wrote ${flags.output} (${format}, ${merged.length} bytes) from ${inputs.map((i) => `${basename(i.name)}@${hexAddr(i.address)}`).join(', ')}.`],
      );
    }));
}

/** JSON view: the parsed structures without their raw bytes. */
function jsonOf(info: ImageDescription): Record<string, unknown> {
  const replacer = (key: string, v: unknown): unknown => {
    if (v instanceof Uint8Array) return undefined;
    // Chip rows carry whole memory maps; the id says it all.
    if (key === 'chip' && typeof v === 'object' && v !== null && 'id' in v) return (v as { id: string }).id;
    return v;
  };
  return JSON.parse(JSON.stringify(info, replacer)) as Record<string, unknown>;
}

const pad = (label: string): string => (label + ':').padEnd(18);
const hex8 = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');

function describe(file: string, info: ImageDescription, verbose: boolean): string[] {
  switch (info.kind) {
    case 'esp-image':
      return describeEsp(file, info.esp, verbose);
    case 'elf':
      return [
        `${file}: ELF (${info.machine}), entry ${hex8(info.entry)}${info.entrySymbol ? ` (${info.entrySymbol})` : ''}, ${info.symbols} symbols`,
        'Sections:',
        ...info.sections.map((s) => `  ${s.name.padEnd(24)} ${hex8(s.addr)}  ${String(s.size).padStart(8)} B${s.nobits ? '  (no file data)' : ''}`),
        'Loadable segments (virtual → load address):',
        ...info.segments.map((s) => `  ${hex8(s.vaddr)} → ${hex8(s.paddr)}  ${String(s.filesz).padStart(8)} B in file, ${s.memsz} B in memory`),
      ];
    case 'uf2':
      return [
        `${file}: UF2, ${info.blocks} blocks, family ${info.families.join(', ') || 'none'}`,
        ...(info.libretiny ? [`${pad('LibreTiny')}board ${info.libretiny.board ?? '?'}, ${info.libretiny.firmware ?? '?'} ${info.libretiny.version ?? ''}; partitions ${info.libretiny.partitions.join(', ')}`] : []),
        ...info.regions.map((r) => `  ${hex8(r.address)}–${hex8(r.address + r.length)}  ${r.length} B`),
      ];
    case 'ihex':
      return [
        `${file}: Intel HEX, ${info.regions.length} region${info.regions.length === 1 ? '' : 's'}${info.start !== undefined ? `, start ${hex8(info.start)}` : ''}`,
        ...info.regions.map((r) => `  ${hex8(r.address)}–${hex8(r.address + r.length)}  ${r.length} B`),
      ];
    case 'partition-table':
      return [`${file}: ESP partition table${info.table.md5 ? ' (MD5 valid)' : ' (no MD5 row)'}`, ...partitionRows(info.table.partitions)];
    case 'esp-flash': {
      const b = info.bootloader;
      const lines = [
        `${file}: ESP flash image (${info.table.partitions.length} partitions)`,
        b ? `${pad('Bootloader')}${hexAddr(b.offset)}: ${b.info.chip.name}, ${b.info.flashModeName}/${b.info.flashSizeName}/${b.info.flashFreqName}, ${espIntegrity(b.info)}${b.info.bootloaderDescriptor ? `, IDF ${b.info.bootloaderDescriptor.idfVersion}` : ''}`
          : `${pad('Bootloader')}none found at 0x0, 0x1000 or 0x2000`,
        `Partition table at 0x8000${info.table.md5 ? ' (MD5 valid)' : ''}:`,
        ...partitionRows(info.table.partitions).map((l) => `  ${l}`),
        'Apps:',
      ];
      for (const a of info.apps) {
        const d = a.info?.appDescriptor;
        lines.push(`  ${a.partition.padEnd(10)} ${hexAddr(a.offset).padEnd(9)} ${a.info
          ? `${d ? `${d.projectName} ${d.version} (IDF ${d.idfVersion}, built ${d.date} ${d.time}), ` : ''}${espIntegrity(a.info)}`
          : a.problem}`);
      }
      return lines;
    }
    case 'beken': {
      const b = info.beken;
      const lines = [`${file}: Beken ${{ app: 'app image (UA, CRC16-interleaved)', 'full-dump': 'full flash dump (QIO)', rbl: 'RBL package', 'tuya-ug': 'Tuya UG package' }[b.kind]}`];
      if (b.ug) lines.push(`${pad('UG version')}${b.ug.version}, ${b.ug.length} bytes, byte sum ${b.ug.byteSumValid ? 'valid' : 'INVALID'}`);
      if (b.rbl) {
        const r = b.rbl;
        lines.push(
          `${pad('RBL name')}${r.name}`, `${pad('Version')}${r.version}`,
          `${pad('Encryption')}${r.encryption}, compression ${r.compression}`,
          `${pad('Sizes')}${r.rawSize} B raw, ${r.dataSize} B stored`,
          `${pad('Header CRC32')}${hex8(r.headerCrc32)} (${r.headerCrcValid ? 'valid' : 'INVALID'})`,
          `${pad('Data CRC32')}${hex8(r.dataCrc32)} (${r.dataCrcValid === null ? 'data not in file' : r.dataCrcValid ? 'valid' : 'INVALID'})`,
        );
      }
      if (b.bootloader) lines.push(`${pad('Bootloader')}${b.bootloader.name} ${b.bootloader.version} (RBL header CRC ${b.bootloader.headerCrcValid ? 'valid' : 'INVALID'})`);
      if (b.placement) lines.push(`${pad('Written at')}${hexAddr(b.placement.address)} (${b.placement.length} B${b.placement.skip ? ` from file offset ${hexAddr(b.placement.skip)}` : ''})`);
      return lines;
    }
  }
}

export function partitionRows(partitions: ReadonlyArray<{ name: string; type: number; subtype: number; offset: number; size: number; encrypted: boolean; readonly: boolean }>): string[] {
  const rows = partitions.map((p) => [
    p.name, typeName(p.type), subtypeName(p.type, p.subtype), hexAddr(p.offset), hexAddr(p.size), sizeLabel(p.size),
    [p.encrypted ? 'encrypted' : '', p.readonly ? 'readonly' : ''].filter(Boolean).join(','),
  ]);
  const head = ['Name', 'Type', 'SubType', 'Offset', 'Size', '', 'Flags'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

function sizeLabel(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / 1048576} MB`;
  if (n % 1024 === 0) return `${n / 1024} KB`;
  return `${n} B`;
}

function espIntegrity(e: EspImageInfo): string {
  const sum = e.checksum.valid ? 'checksum ok' : 'checksum BAD';
  return e.hash ? `${sum}, SHA-256 ${e.hash.valid ? 'ok' : 'BAD'}` : sum;
}

function describeEsp(file: string, e: EspImageInfo, verbose: boolean): string[] {
  const kind = e.appDescriptor ? 'app' : e.bootloaderDescriptor ? 'bootloader' : 'image';
  const lines = [
    `${file}: ${e.imageVersion === 2 ? 'ESP8266 V2 image (IROM first, then a V1 image)' : `${e.chip.name} ${kind}`}`,
    `${pad('Entry point')}${hex8(e.entry)}`,
    `${pad('Flash')}mode ${e.flashModeName}, size ${e.flashSizeName}, frequency ${e.flashFreqName}`,
  ];
  if (e.extended) {
    const x = e.extended;
    const max = x.maxRevFull === 0xffff ? 'any' : `v${Math.floor(x.maxRevFull / 100)}.${x.maxRevFull % 100}`;
    lines.push(
      `${pad('Chip id')}${x.chipId} (${e.chip.name}), revisions v${Math.floor(x.minRevFull / 100)}.${x.minRevFull % 100} – ${max}`,
      `${pad('WP pin')}${x.wpPin === 0xee ? 'disabled (0xee)' : x.wpPin}${verbose ? `; drive clk ${x.drive.clk} q ${x.drive.q} d ${x.drive.d} cs ${x.drive.cs} hd ${x.drive.hd} wp ${x.drive.wp}` : ''}`,
    );
  }
  lines.push(`Segments (${e.segments.length}):`, '   #  Length    Load addr   File offs   Memory');
  e.segments.forEach((s, i) => {
    lines.push(`  ${String(i).padStart(2)}  ${('0x' + s.length.toString(16).padStart(5, '0')).padEnd(8)}  ${hex8(s.addr)}  ${hex8(s.fileOffset)}  ${s.regions.join(', ') || '?'}`);
  });
  lines.push(`${pad('Checksum')}0x${e.checksum.stored.toString(16).padStart(2, '0')} (${e.checksum.valid ? 'valid' : `INVALID, computed 0x${e.checksum.computed.toString(16).padStart(2, '0')}`})`);
  if (e.hash) lines.push(`${pad('SHA-256')}${e.hash.stored} (${e.hash.valid ? 'valid' : `INVALID, computed ${e.hash.computed}`})`);
  else lines.push(`${pad('SHA-256')}not appended`);
  const a = e.appDescriptor;
  if (a) {
    lines.push(
      'App descriptor:',
      `  ${pad('Project')}${a.projectName}`, `  ${pad('Version')}${a.version}`, `  ${pad('IDF version')}${a.idfVersion}`,
      `  ${pad('Built')}${a.date} ${a.time}`, `  ${pad('ELF SHA-256')}${a.elfSha256}`,
      `  ${pad('Secure version')}${a.secureVersion}`,
      ...(a.mmuPageSize ? [`  ${pad('MMU page')}${a.mmuPageSize / 1024} KB`] : []),
    );
  }
  const b = e.bootloaderDescriptor;
  if (b) lines.push('Bootloader descriptor:', `  ${pad('Version')}${b.version}`, `  ${pad('IDF version')}${b.idfVersion}`, `  ${pad('Built')}${b.dateTime}`);
  return lines;
}
