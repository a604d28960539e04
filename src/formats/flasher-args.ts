/**
 * Project flashing: ESP-IDF's `build/flasher_args.json` (and a plain PlatformIO build folder)
 * into the files to write, their offsets and the flash settings. Pure: the caller reads files.
 */
import { AnyflashError } from '../core/errors.js';
import { findEspImageChip } from './esp-chips.js';

export interface ProjectFile {
  address: number;
  /** Path relative to the build directory, with forward slashes. */
  path: string;
  /** Role when the build names it: bootloader, app, partition-table, otadata, … */
  role?: string;
  encrypted: boolean;
}

export interface ProjectPlan {
  files: ProjectFile[];
  chip?: string;
  flashMode?: string;
  flashFreq?: string;
  flashSize?: string;
  before?: string;
  after?: string;
  stub?: boolean;
}

function bad(file: string, what: string): AnyflashError {
  return new AnyflashError('bad-input', `${file}: ${what}.`, {
    file, advice: ['Run the ESP-IDF build again (idf.py build) so flasher_args.json is complete.'],
  });
}

function address(text: unknown, file: string): number {
  if (typeof text !== 'string' || !/^(0x[0-9a-f]+|\d+)$/i.test(text.trim())) throw bad(file, `"${String(text)}" is not a flash offset`);
  return Number(text.trim());
}

const FLAG_KEYS: Record<string, 'flashMode' | 'flashFreq' | 'flashSize'> = {
  '--flash_mode': 'flashMode', '--flash-mode': 'flashMode',
  '--flash_freq': 'flashFreq', '--flash-freq': 'flashFreq',
  '--flash_size': 'flashSize', '--flash-size': 'flashSize',
};

export function parseFlasherArgs(text: string, file = 'flasher_args.json'): ProjectPlan {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(file, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null) throw bad(file, 'not a JSON object');
  const d = doc as Record<string, unknown>;
  const flashFiles = d.flash_files;
  if (typeof flashFiles !== 'object' || flashFiles === null) throw bad(file, 'it has no "flash_files"');

  // Roles and encryption come from the named sections ("bootloader", "app", …) when present.
  const roles = new Map<number, { role: string; encrypted: boolean }>();
  for (const [key, value] of Object.entries(d)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const v = value as Record<string, unknown>;
    if (typeof v.offset === 'string' && typeof v.file === 'string') {
      roles.set(address(v.offset, file), { role: key, encrypted: String(v.encrypted) === 'true' });
    }
  }
  const files = Object.entries(flashFiles as Record<string, unknown>).map(([offset, path]) => {
    if (typeof path !== 'string' || path === '') throw bad(file, `flash_files entry ${offset} has no file name`);
    const at = address(offset, file);
    const role = roles.get(at);
    return { address: at, path: path.replace(/\\/g, '/'), ...(role ? { role: role.role } : {}), encrypted: role?.encrypted ?? false };
  }).sort((a, b) => a.address - b.address);
  if (files.length === 0) throw bad(file, '"flash_files" is empty');

  const plan: ProjectPlan = { files };
  const settings = d.flash_settings as Record<string, unknown> | undefined;
  if (settings && typeof settings === 'object') {
    if (typeof settings.flash_mode === 'string') plan.flashMode = settings.flash_mode;
    if (typeof settings.flash_freq === 'string') plan.flashFreq = settings.flash_freq;
    if (typeof settings.flash_size === 'string') plan.flashSize = settings.flash_size;
  }
  // Older IDF versions only list the settings as esptool arguments.
  const args = d.write_flash_args;
  if (Array.isArray(args)) {
    for (let i = 0; i + 1 < args.length; i++) {
      const key = FLAG_KEYS[String(args[i])];
      if (key && plan[key] === undefined) plan[key] = String(args[i + 1]);
    }
  }
  const extra = d.extra_esptool_args as Record<string, unknown> | undefined;
  if (extra && typeof extra === 'object') {
    if (typeof extra.chip === 'string') plan.chip = extra.chip;
    if (typeof extra.before === 'string') plan.before = extra.before.replace(/_/g, '-');
    if (typeof extra.after === 'string') plan.after = extra.after.replace(/_/g, '-');
    if (typeof extra.stub === 'boolean') plan.stub = extra.stub;
  }
  return plan;
}

/**
 * A PlatformIO (Arduino/ESP-IDF) build folder holds bootloader.bin, partitions.bin and
 * firmware.bin but no offsets; they go where the framework puts them. `names` lists the files
 * present in the folder. Returns null when the folder does not look like that.
 */
export function platformioPlan(names: readonly string[], chip: string): ProjectPlan | null {
  const has = (n: string): boolean => names.includes(n);
  if (!has('firmware.bin')) return null;
  const c = findEspImageChip(chip);
  if (!c) {
    throw new AnyflashError('unknown-chip', `Unknown ESP chip "${chip}".`, { advice: ['Connect to the device or pass --chip.'] });
  }
  const files: ProjectFile[] = [];
  if (has('bootloader.bin')) files.push({ address: c.bootloaderOffset, path: 'bootloader.bin', role: 'bootloader', encrypted: false });
  if (has('partitions.bin')) files.push({ address: 0x8000, path: 'partitions.bin', role: 'partition-table', encrypted: false });
  files.push({ address: 0x10000, path: 'firmware.bin', role: 'app', encrypted: false });
  return { files, chip: c.id };
}
