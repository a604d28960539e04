import { Command, Option } from 'commander';
import { relative } from 'node:path';
import { hexAddr } from '../../core/bytes.js';
import { toAnyflashError } from '../../core/errors.js';
import { listPorts } from '../../diagnose/ports.js';
import { deviceCommand, outputOptions } from '../common.js';
import { describeSource, effectiveSettings, readsConfigItself, type Effective } from '../config/effective.js';
import type { LoadedConfig } from '../config/load.js';
import type { Profile } from '../config/parse.js';
import { describeUsb, matchUsb } from '../config/usb-match.js';
import { Output } from '../output.js';
import { run as runWrite, writeOptions, type WriteFlags } from './write.js';

const FILE_HELP = `
Precedence: command line > environment (ANYFLASH_PORT, ANYFLASH_BAUD, ANYFLASH_CHIP)
> project file > user file > default.
  project file: anyflash.toml in the current folder or the nearest folder above it
  user file:    $ANYFLASH_HOME/anyflash.toml when ANYFLASH_HOME is set, else
                $XDG_CONFIG_HOME/anyflash/anyflash.toml (~/.config/anyflash/anyflash.toml;
                %APPDATA%\\anyflash\\anyflash.toml on Windows)

Example anyflash.toml:
  port = "/dev/ttyUSB0"        # or tcp://host:port, rfc2217://host:port, sim:esp32
  baud = 921600
  chip = "esp32"
  before = "default-reset"
  after = "hard-reset"

  [usb]                        # instead of port: find the board by USB identity (see \`anyflash list\`)
  vid = "303a"
  pid = "1001"
  serial = "F4:12:FA:00:11:22" # optional; tells identical boards apart

  [profile.app]                # anyflash flash-profile app
  files = { 0x10000 = "build/app.bin" }

  [profile.full]
  files = ["0x1000", "build/bootloader.bin", "build/partitions.bin@0x8000", "0x10000", "build/app.bin"]
  flash_mode = "dio"           # also flash_freq, flash_size

Relative file names in a profile are taken from the folder of the file that defines it.`;

interface ConfigFlags {
  json?: boolean;
  jsonEvents?: boolean;
  verbose?: boolean;
}

export function register(program: Command): void {
  const config = outputOptions(
    program
      .command('config')
      .description('show the effective port, baud, chip, reset modes and flash profiles, and where each comes from')
      .addOption(new Option('-p, --port <port>', 'as a device command would get it').env('ANYFLASH_PORT'))
      .addOption(new Option('-b, --baud <baud>', 'as a device command would get it').env('ANYFLASH_BAUD'))
      .addOption(new Option('-c, --chip <chip>', 'as a device command would get it').env('ANYFLASH_CHIP'))
      .option('--before <strategy>', 'as a device command would get it')
      .option('--after <mode>', 'as a device command would get it')
      .addHelpText('after', FILE_HELP),
  ).action(async (flags: ConfigFlags, cmd: Command) => {
    const out = new Output(flags);
    try {
      // The TOML reader loads only when a config is read.
      const { loadConfigs } = await import('../config/load.js');
      const loaded = loadConfigs();
      // A device command's own options (environment variables, --after's choices and default) decide what applies.
      const device = deviceCommand(new Command(), 'probe', '');
      for (const o of ['port', 'baud', 'chip', 'before', 'after']) {
        const source = cmd.getOptionValueSource(o);
        if (source === 'cli' || source === 'env') device.setOptionValueWithSource(o, cmd.getOptionValue(o), source);
      }
      const settings = effectiveSettings(device, loaded);
      const ports = settings.some((s) => s.usb) ? await listPorts() : [];
      const rows = settings.map((s) => settingJson(s, ports));
      const profiles = profileList(loaded);
      out.result({ ok: true, settings: Object.fromEntries(rows.map((r) => [r.key, r.json])), profiles: profiles.map(profileJson), files: filesJson(loaded) }, [
        ...table([['SETTING', 'VALUE', 'FROM'], ...rows.map((r) => [r.key, r.text, r.json.from as string])]),
        '',
        ...(profiles.length
          ? ['Profiles (anyflash flash-profile NAME):', ...table(profiles.map((p) => [`  ${p.name}`, profileText(p), `${p.file}:${p.line}`]))]
          : ['No flash profiles.']),
        '',
        `Project file: ${loaded.project?.path ?? `none (no anyflash.toml in ${loaded.cwd} or above)`}`,
        `User file:    ${loaded.userPath}${loaded.user ? '' : ' (none)'}`,
      ]);
      process.exitCode = 0;
    } catch (e) {
      process.exitCode = out.fail(toAnyflashError(e));
    }
  });
  readsConfigItself.add(config);
  program.addHelpText(
    'after',
    '\nDefaults for --port (or the board by USB VID:PID), --baud, --chip, --before and --after, and named flash\nprofiles, can live in anyflash.toml: see `anyflash config --help`. Shell completion: `anyflash completions --help`.',
  );

  writeOptions(deviceCommand(program, 'flash-profile', 'write the files of a profile in anyflash.toml (see `anyflash config --help`)'))
    .argument('<name>', 'profile name: a [profile.NAME] section of the project or user anyflash.toml')
    .action(async (name: string, flags: WriteFlags, cmd: Command) => {
      let profile: Profile;
      try {
        const { findProfile, loadConfigs } = await import('../config/load.js');
        profile = findProfile(loadConfigs(), name);
      } catch (e) {
        process.exitCode = new Output(flags).fail(toAnyflashError(e));
        return;
      }
      // The profile's flash settings stand in for options left at their defaults.
      for (const [key, value] of Object.entries(profile.flash)) {
        if (cmd.getOptionValueSource(key) === 'default') cmd.setOptionValueWithSource(key, value, 'config');
      }
      process.exitCode = await runWrite(profileArgs(profile), cmd.opts<WriteFlags>());
    });
}

/** Write arguments for a profile's files, named relative to the working folder when inside it. */
function profileArgs(profile: Profile): string[] {
  return profile.files.flatMap((f) => (f.address === undefined ? [shortPath(f.file)] : [hexAddr(f.address), shortPath(f.file)]));
}

function shortPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

const DEFAULT_TEXT: Record<string, string> = {
  port: '(the only USB serial port, else asked)',
  baud: "(each family's default)",
  chip: '(detected)',
  before: '(default-reset)',
};

function settingJson(s: Effective, ports: Awaited<ReturnType<typeof listPorts>>): { key: string; text: string; json: Record<string, unknown> } {
  const from = describeSource(s.source);
  const where = 'file' in s.source ? { file: s.source.file, line: s.source.line } : {};
  const base = { source: s.source.kind === 'env' ? 'env' : s.source.kind, from, ...where };
  if (s.usb) {
    const hits = matchUsb(ports, s.usb);
    const value = hits.length === 1 ? hits[0]!.path : null;
    const state = hits.length === 1 ? hits[0]!.path : hits.length === 0 ? 'not connected' : `${hits.length} ports match: ${hits.map((p) => p.path).join(', ')}`;
    return {
      key: s.key,
      text: `USB ${describeUsb(s.usb)} → ${state}`,
      json: { value, usb: usbJson(s.usb), matches: hits.map((p) => p.path), ...base },
    };
  }
  return { key: s.key, text: s.value ?? DEFAULT_TEXT[s.key] ?? '', json: { value: s.value ?? null, ...base } };
}

function usbJson(u: { vid?: number; pid?: number; serial?: string }): Record<string, string> {
  const hex = (n: number): string => n.toString(16).padStart(4, '0');
  return { ...(u.vid !== undefined ? { vid: hex(u.vid) } : {}), ...(u.pid !== undefined ? { pid: hex(u.pid) } : {}), ...(u.serial !== undefined ? { serial: u.serial } : {}) };
}

/** Profiles by name, the project file's hiding the user file's of the same name. */
function profileList(loaded: LoadedConfig): Profile[] {
  const byName = new Map<string, Profile>();
  for (const file of [loaded.user, loaded.project]) for (const [name, p] of file?.profiles ?? []) byName.set(name, p);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function profileText(p: Profile): string {
  return p.files.map((f) => (f.address === undefined ? shortPath(f.file) : `${hexAddr(f.address)} ${shortPath(f.file)}`)).join(', ');
}

function profileJson(p: Profile): Record<string, unknown> {
  return {
    name: p.name,
    ...(p.description ? { description: p.description } : {}),
    files: p.files.map((f) => ({ ...(f.address !== undefined ? { address: hexAddr(f.address) } : {}), file: f.file })),
    ...p.flash,
    from: `${p.file}:${p.line}`,
    file: p.file,
    line: p.line,
  };
}

function filesJson(loaded: LoadedConfig): Record<string, unknown> {
  return { cwd: loaded.cwd, project: loaded.project?.path ?? null, user: loaded.userPath, userExists: loaded.user !== undefined };
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}
