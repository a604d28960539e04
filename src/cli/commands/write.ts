import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { hexAddr } from '../../core/bytes.js';
import { AnyflashError } from '../../core/errors.js';
import type { FlashDevice } from '../../families/types.js';
import { describeRecoveries, FAILURE_KINDS } from '../../engine/recovery.js';
import { validateRegions, type Region } from '../../engine/regions.js';
import { planWrite } from '../../engine/plan.js';
import { deviceCommand, withDevice, type DeviceContext, type GlobalFlags } from '../common.js';
import { backupBeforeWrite } from '../backup-store.js';
import { eraseRange } from '../../engine/ops.js';
import { isElf } from '../../formats/elf.js';
import { findEspImageChip } from '../../formats/esp-chips.js';
import { writeWarnings } from '../write-checks.js';
import { patchBootloaderHeader } from '../../formats/esp-image.js';
import { protectedWrite } from '../write-job.js';
import { isLine, type LineFlags } from '../line/ports.js';
import type { DeviceData } from '../line/device-data.js';
import { loadFileArgs, parseFileArgs, readInputFile, type FileArg, type FlashSettings } from '../inputs.js';
import { parseNumber, parseSize } from '../../engine/parse.js';
import { monitorAfterOptions, writeThenMonitor, type MonitorAfterFlags } from '../monitor/after-write.js';

export interface WriteFlags extends GlobalFlags, FlashSettings, MonitorAfterFlags {
  skip?: boolean;
  start?: string;
  skipBytes?: string;
  length?: string;
  verify?: boolean;
  force?: boolean;
  partition?: string;
  backup?: boolean;
  eraseAll?: boolean;
  /** `--device-data ADDRESS:SOURCE`, repeatable. */
  deviceData?: string[];
}

/** Runs the job's device part on one device, on several at once, or on each a station sees. */
export type Session = (flags: WriteFlags & LineFlags, fn: (ctx: DeviceContext) => Promise<number | void>, check?: () => void | Promise<void>) => Promise<number>;

// The production-line session loads only for a production line.
const withDevices: Session = async (...args) => (await import('../line/session.js')).withDevices(...args);

export async function run(files: string[], flags: WriteFlags & LineFlags, session?: Session): Promise<number> {
  let regions: Region[] = [];
  let warnings: string[] = [];
  let elfArgs: FileArg[] | undefined;
  let deviceData: DeviceData[] = [];
  // For ELF conversion: `keep` is no override (the converter's defaults); `detect` is known only
  // once connected (patchBootloader rewrites the header then).
  const given = (v?: string): string | undefined => (v === undefined || ['keep', 'detect'].includes(v.toLowerCase()) ? undefined : v);
  const settings = (): FlashSettings => ({ flashMode: given(flags.flashMode), flashFreq: given(flags.flashFreq), flashSize: given(flags.flashSize) });
  // Several devices run this job side by side (a production line): each plans its own regions.
  return (session ?? (isLine(flags) ? withDevices : withDevice))(
    flags,
    async ({ device, out, signal, recovery, onPlanned, onDeviceData }) => {
      let loaded = { regions, warnings };
      if (elfArgs) {
        // An ELF becomes an app image for the exact chip, known only now (espflash flash app.elf).
        loaded = loadFileArgs(elfArgs, device.chip, settings());
        validateRegions(loaded.regions);
      }
      for (const w of loaded.warnings) out.say(`warning: ${w}`);
      // Chosen (a CSV row claimed) before anything is written; checked against the placed images.
      const perDevice = deviceData.length ? await forDevice(deviceData, device, flags, onDeviceData) : [];
      const withData = (r: Region[]): Region[] => (perDevice.length ? checked([...r, ...perDevice]) : r);
      const planned = await planWrite(device, loaded.regions, { partition: flags.partition, force: flags.force, adjust: (r) => withData(patchBootloader(device, r, flags)) });
      onPlanned?.(planned);
      for (const w of writeWarnings(device, planned)) out.events({ type: 'note', level: 'warn', code: w.code, message: w.message });
      if (flags.eraseAll) await eraseAllFirst(device, flags, out, signal);
      const { device: _last, ...summary } = await protectedWrite(device, planned, {
        skipUnchanged: flags.skip !== false,
        verify: flags.verify !== false,
        recovery,
        events: out.events,
        signal,
        out,
        port: device.transport.url,
        backup: flags.backup !== false && !flags.eraseAll,
      });
      const recovered = summary.recoveries && describeRecoveries(summary.recoveries, device.sectorSize);
      // Families also recover on their own (a Beken re-link after a lost reply) without the engine reconnecting.
      const engineKinds = new Set<string>(FAILURE_KINDS);
      const inFamily = Object.entries(out.recovered).filter(([what]) => !engineKinds.has(what));
      const familyLine = inFamily.length
        ? `The ${device.family} client recovered by itself: ${inFamily.map(([what, n]) => `${n}× ${what}`).join(', ')}.`
        : undefined;
      out.result({ ok: true, chip: device.chip, family: device.family, ...summary, familyRecoveries: Object.fromEntries(inFamily) }, [
        ...summary.regions.map(
          (r) =>
            `${r.name} @ ${hexAddr(r.address)}: ${r.writtenBytes === 0 ? 'unchanged, skipped' : `wrote ${r.writtenBytes} B, skipped ${r.skippedBytes} B`}${r.verified ? ', verified' : ''}`,
        ),
        `Done in ${summary.seconds.toFixed(2)} s: ${summary.writtenBytes} B written, ${summary.skippedBytes} B unchanged.`,
        ...(recovered ? [recovered[0]!.toUpperCase() + recovered.slice(1) + '.'] : []),
        ...(familyLine ? [familyLine] : []),
        ...(summary.restored ? [`Put back ${describeRanges(summary.restored)} from the backup: a command damaged on the line had changed it.`] : []),
        ...(summary.damaged
          ? [`warning: a command damaged on the line may have changed ${describeRanges(summary.damaged)}, outside the image; \`anyflash backups\` lists the copies \`anyflash restore\` can put back.`]
          : []),
      ]);
    },
    async () => {
      const args = parseFileArgs(files);
      // The per-device data, as large as its largest entry, must not overlap an image: refused before any device is touched.
      let reserved: Region[] = [];
      if (flags.deviceData?.length) {
        const { openDeviceData, reservedRegions } = await import('../line/device-data.js');
        deviceData = flags.deviceData.map(openDeviceData);
        reserved = reservedRegions(deviceData);
      }
      const range = fileRange(args, flags);
      if (range) {
        regions = [range];
        validateRegions([...regions, ...reserved]);
        return;
      }
      if (flags.partition && args.some((a) => a.address !== undefined)) {
        throw new AnyflashError('bad-input', '--partition places the file itself; give the file without an address.');
      }
      if (!flags.chip && !flags.partition && args.some((a) => isFile(a.file) && isElf(readInputFile(a.file)))) {
        elfArgs = args;
        return;
      }
      const loaded = loadFileArgs(flags.partition ? args.map((a) => ({ ...a, address: 0 })) : args, flags.chip, settings());
      regions = loaded.regions;
      warnings = loaded.warnings;
      if (loaded.project?.chip && !flags.chip) flags.chip = loaded.project.chip;
      if (!flags.partition) validateRegions([...regions, ...reserved]);
    },
  );
}

/** This device's `--device-data` regions; the record learns which file or row it got. */
async function forDevice(sources: readonly DeviceData[], device: FlashDevice, flags: WriteFlags & LineFlags, tell?: (what: string) => void): Promise<Region[]> {
  const { mac } = await (device.identity?.() ?? device.info());
  const { pickDeviceData } = await import('../line/device-data.js');
  const picked = pickDeviceData(sources, { mac, port: device.transport.url, station: flags.station ?? hostname() });
  tell?.(picked.id);
  return picked.regions;
}

function checked(regions: Region[]): Region[] {
  validateRegions(regions);
  return regions;
}

/**
 * `--start/--skip-bytes/--length` as in bk7231tools and ltchiptool (`-s`, `-S`, `-l`): part of one
 * file, as raw bytes, at an address — e.g. the app part of a full dump (`-s 0x11000 -S 0x11000`).
 */
function fileRange(args: readonly FileArg[], flags: WriteFlags): Region | undefined {
  if (flags.start === undefined && flags.skipBytes === undefined && flags.length === undefined) return undefined;
  const only = args.length === 1 ? args[0]! : undefined;
  if (!only || only.address !== undefined || flags.partition) {
    throw new AnyflashError('bad-input', '--start/--skip-bytes/--length take exactly one file, without an address or --partition.', {
      advice: ['Example: anyflash write dump.bin --start 0x11000 --skip-bytes 0x11000'],
    });
  }
  if (flags.start === undefined) throw new AnyflashError('bad-input', '--skip-bytes and --length need --start: the flash address the bytes go to.');
  const start = parseNumber(flags.start, '--start');
  const bytes = readInputFile(only.file);
  const skip = flags.skipBytes === undefined ? 0 : parseSize(flags.skipBytes, '--skip-bytes');
  const length = flags.length === undefined ? bytes.length - skip : parseSize(flags.length, '--length');
  if (skip >= bytes.length || length <= 0 || skip + length > bytes.length) {
    throw new AnyflashError('bad-input', `${only.file} has ${bytes.length} B: it holds no ${length > 0 ? `${length} B` : 'bytes'} after skipping ${skip}.`, {
      file: only.file,
      advice: ['Check --skip-bytes and --length against the file size.'],
    });
  }
  return { name: `${only.file}[${hexAddr(skip)}..${hexAddr(skip + length)}]`, address: start, data: bytes.subarray(skip, skip + length) };
}

/**
 * As esptool: --flash-mode/--flash-freq/--flash-size rewrite the header of the image written at the
 * chip's bootloader offset (an image, checked by its magic); `detect` is the connected flash's size.
 */
function patchBootloader(device: FlashDevice, regions: Region[], flags: WriteFlags): Region[] {
  const chip = device.family === 'esp' ? findEspImageChip(device.chip) : undefined;
  if (!chip) return regions;
  const detect = flags.flashSize?.toLowerCase() === 'detect';
  // Plain sizes only (`4MB`, `512KB`), not ESP8266 layouts such as `2MB-c1`.
  const bytesOf = (k: string): number | undefined => (/^\d+[KM]B$/i.test(k) ? parseSize(k.slice(0, -1), 'flash size') : undefined);
  const size = detect ? Object.keys(chip.flashSizes).find((k) => bytesOf(k) === device.flashSize) ?? 'keep' : flags.flashSize;
  const params = { chip: chip.id, flashMode: flags.flashMode, flashFreq: flags.flashFreq, flashSize: size };
  return regions.map((r) => (r.address === chip.bootloaderOffset ? { ...r, data: patchBootloaderHeader(r.data, params) } : r));
}

/** `--erase-all`: the whole flash goes, so a first write to this device saves all of it first. */
async function eraseAllFirst(device: FlashDevice, flags: WriteFlags, out: DeviceContext['out'], signal: AbortSignal): Promise<void> {
  if (flags.backup !== false && device.transport.kind !== 'sim') {
    const whole: Region = { name: 'whole flash', address: device.flashBase ?? 0, data: new Uint8Array(device.flashSize) };
    const saved = await backupBeforeWrite(device, [whole], { events: out.events, signal });
    if (saved) out.say(`Saved the original flash first: ${saved.dir} (anyflash restore ${saved.id})`);
  }
  await eraseRange(device, undefined, undefined, { events: out.events, signal });
}

export function writeOptions(cmd: Command): Command {
  return cmd
    .option('-s, --start <address>', 'write one file (or part of it) at this address, as raw bytes (bk7231tools/ltchiptool -s)')
    .option('-S, --skip-bytes <n>', 'with --start: leave out the first N bytes of the file (bk7231tools/ltchiptool -S)')
    .option('-l, --length <n>', 'with --start: write only N bytes of the file (bk7231tools/ltchiptool -l)')
    .option('--no-skip', 'write every sector even when the flash already holds the same bytes')
    .option('--no-verify', 'do not check the written regions by digest')
    .option('--no-backup', 'do not save the flash about to be overwritten on the first write to a device')
    .option('--flash-mode <mode>', 'ESP: rewrite the bootloader header: keep, qio, qout, dio, dout', 'keep')
    .option('--flash-freq <freq>', 'ESP: rewrite the bootloader header: keep, 80m, 40m, 26m, 20m, …', 'keep')
    .option('--flash-size <size>', 'ESP: rewrite the bootloader header: keep, detect (this flash), 1MB, 2MB, 4MB, …', 'keep')
    .option('--erase-all', 'erase the whole flash before writing (esptool -e); the first write to a device saves all of it first')
    .option('--force', 'ESP: write images built for another chip or revision')
    .option('--partition <name>', "write the file into the device's partition NAME (checks that it fits)")
    .option('--ports <glob>', "production line: every port whose path matches GLOB (e.g. '/dev/ttyUSB*'), all at once; --port may also repeat")
    .option('--all-ports', 'production line: every USB serial port (narrow with --port-filter)')
    .option('--port-filter <text>', 'with --ports/--all-ports: only ports whose VID:PID, bridge, maker, product or serial contains TEXT')
    .option('--station <name>', 'production line: the station name in the record (default: the host name)')
    .option('--device-data <address:source>', 'per-device data written at ADDRESS in the same job: SOURCE is a folder of files named by MAC (240ac4123456.bin) or a CSV (a mac column picks the row, else each device takes the next unused row); repeatable', collect)
    .option('--record <file>', 'production line: append one line per device to FILE.jsonl and FILE.csv')
    .option('--report-url <url>', 'production line: POST each device record as JSON to URL (retried in the background)');
}

export function register(program: Command): void {
  monitorAfterOptions(writeOptions(deviceCommand(program, 'write', 'write files to flash (skips unchanged sectors, verifies after writing)')))
    .aliases(['write-flash', 'write_flash'])
    .argument('<files...>', 'ADDRESS FILE pairs (0x1000 boot.bin), FILE@ADDRESS, .hex/.uf2/.elf files, or a build folder')
    .action(async (files: string[], flags: WriteFlags) => {
      process.exitCode = await writeThenMonitor(files, flags, run);
    });
  monitorAfterOptions(writeOptions(deviceCommand(program, 'flash-project', "write an ESP-IDF build (flasher_args.json) or PlatformIO build: bootloader, partition table and app")))
    .argument('<dir>', 'project or build folder')
    .action(async (dir: string, flags: WriteFlags) => {
      process.exitCode = await writeThenMonitor([dir], flags, run);
    });
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile();

function describeRanges(ranges: ReadonlyArray<{ start: number; end: number }>): string {
  return ranges.map((r) => `${hexAddr(r.start)}–${hexAddr(r.end)}`).join(', ');
}
