import { dirname, resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { AnyflashError, isAnyflashError } from '../../core/errors.js';
import { parseNumber } from '../../engine/parse.js';
import { familiesFor } from '../../families/index.js';
import { parseFileArgs, type FileArg, type FlashSettings } from '../inputs.js';

import { SETTING_KEYS, type SettingKey } from './keys.js';
export { SETTING_KEYS, type SettingKey };

export interface Origin {
  file: string;
  line: number;
}

export interface Setting<T = string> extends Origin {
  value: T;
}

/** A board picked by its USB identity instead of its tty name (which changes with the plug order). */
export interface UsbSelector {
  vid?: number;
  pid?: number;
  serial?: string;
}

export interface Profile extends Origin {
  name: string;
  description?: string;
  /** Files with absolute paths (relative ones are taken from the config file's folder). */
  files: FileArg[];
  flash: FlashSettings;
}

export interface ConfigFile {
  path: string;
  scope: 'project' | 'user';
  settings: Partial<Record<SettingKey, Setting>>;
  usb?: Setting<UsbSelector>;
  profiles: Map<string, Profile>;
}

const TOP_KEYS = [...SETTING_KEYS, 'usb', 'profile'];
const USB_KEYS = ['vid', 'pid', 'serial'];
const PROFILE_KEYS = ['files', 'description', 'flash_mode', 'flash_freq', 'flash_size'];
/** esptool.cfg spells reset modes with underscores (`hard_reset`); the options use dashes. */
const DASHED = new Set<SettingKey>(['before', 'after']);

type Table = Record<string, unknown>;

/** Parses and checks one config file; every problem is a `bad-input` naming the file and line. */
export function parseConfig(text: string, path: string, scope: ConfigFile['scope']): ConfigFile {
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    const what = e.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
    throw new AnyflashError('bad-input', `${path}:${e.line}:${e.column}: not valid TOML: ${what}.`, {
      file: path,
      advice: [`Fix line ${e.line} of ${path}: settings are written key = value, strings in quotes (port = "/dev/ttyUSB0"), tables as [usb] or [profile.app].`],
      evidence: e.codeblock.split('\n').filter((l) => l.trim() !== ''),
    });
  }
  const lines = keyLines(text);
  const at = (keys: readonly string[]): Origin => ({ file: path, line: lines(keys) });
  const fail = (keys: readonly string[], message: string, advice: string): never => {
    throw new AnyflashError('bad-input', `${path}:${lines(keys)}: ${message}`, { file: path, advice: [advice] });
  };

  const config: ConfigFile = { path, scope, settings: {}, profiles: new Map() };
  for (const [raw, value] of Object.entries(doc)) {
    const key = normaliseKey(raw);
    if (!TOP_KEYS.includes(key)) {
      fail([raw], `unknown setting "${raw}".`, `Known settings: ${SETTING_KEYS.join(', ')}, and the tables [usb] and [profile.NAME]; see \`anyflash config --help\`.`);
    }
    if (key === 'usb') config.usb = { value: parseUsb(value, [raw], fail), ...at([raw]) };
    else if (key === 'profile') parseProfiles(value, raw, path, fail, at, config.profiles);
    else config.settings[key as SettingKey] = { value: parseSetting(key as SettingKey, value, [raw], fail), ...at([raw]) };
  }
  if (config.settings.port && config.usb) {
    fail(['usb'], 'both port and [usb] choose the port.', `Keep one: port (line ${config.settings.port.line}) names the port, [usb] finds it by VID:PID or serial number.`);
  }
  return config;
}

type Fail = (keys: readonly string[], message: string, advice: string) => never;

function parseSetting(key: SettingKey, value: unknown, keys: string[], fail: Fail): string {
  if (key === 'baud') {
    const text = typeof value === 'number' || typeof value === 'bigint' ? String(value) : typeof value === 'string' ? value : '';
    let n = Number.NaN;
    try {
      n = parseNumber(text, 'baud');
    } catch {
      // Reported below with the file and line.
    }
    if (!(n > 0)) fail(keys, `baud must be a positive whole number, not ${show(value)}.`, 'Write e.g. baud = 921600.');
    return String(n);
  }
  if (typeof value !== 'string' || value.trim() === '') fail(keys, `${key} must be a string, not ${show(value)}.`, `Write e.g. ${EXAMPLE[key]}.`);
  const text = (value as string).trim();
  if (key === 'chip') {
    try {
      familiesFor(text);
    } catch (e) {
      if (!isAnyflashError(e)) throw e;
      fail(keys, `unknown chip "${text}".`, e.advice[0] ?? 'Name a supported chip, or leave chip out to detect it.');
    }
  }
  return DASHED.has(key) && /^[a-z_]+$/.test(text) ? text.replace(/_/g, '-') : text;
}

const EXAMPLE: Record<SettingKey, string> = {
  port: 'port = "/dev/ttyUSB0"',
  baud: 'baud = 921600',
  chip: 'chip = "esp32"',
  before: 'before = "default-reset"',
  after: 'after = "hard-reset"',
};

function parseUsb(value: unknown, keys: string[], fail: Fail): UsbSelector {
  if (!isTable(value)) fail(keys, '[usb] must be a table.', 'Write it as a [usb] section with vid, pid and/or serial.');
  const usb: UsbSelector = {};
  for (const [raw, v] of Object.entries(value as Table)) {
    const key = normaliseKey(raw);
    const here = [...keys, raw];
    if (!USB_KEYS.includes(key)) fail(here, `unknown [usb] setting "${raw}".`, `[usb] takes ${USB_KEYS.join(', ')} (as \`anyflash list\` shows them).`);
    if (key === 'serial') {
      if (typeof v !== 'string' || v === '') fail(here, `serial must be a string, not ${show(v)}.`, 'Copy the SERIAL column of `anyflash list`, in quotes.');
      usb.serial = v as string;
      continue;
    }
    const id = usbId(v);
    if (id === undefined) fail(here, `${key} must be a 4-digit hex USB id, not ${show(v)}.`, `Write it as \`anyflash list\` shows it, e.g. ${key} = "${key === 'vid' ? '303a' : '1001'}".`);
    usb[key as 'vid' | 'pid'] = id;
  }
  if (usb.vid === undefined && usb.pid === undefined && usb.serial === undefined) {
    fail(keys, '[usb] is empty.', 'Give vid and pid (e.g. vid = "303a", pid = "1001"), a serial, or both.');
  }
  return usb;
}

/** `"303a"`, `"0x303a"` (hex, as lsusb and `anyflash list` print them) or a TOML integer such as 0x303a. */
function usbId(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^(0x)?[0-9a-f]{1,4}$/i.test(v) ? parseInt(v.replace(/^0x/i, ''), 16) : Number.NaN;
  return Number.isInteger(n) && n >= 0 && n <= 0xffff ? n : undefined;
}

function parseProfiles(value: unknown, raw: string, path: string, fail: Fail, at: (keys: readonly string[]) => Origin, into: Map<string, Profile>): void {
  if (!isTable(value)) fail([raw], 'profile must hold tables like [profile.app].', 'Write each profile as a [profile.NAME] section with files.');
  for (const [name, body] of Object.entries(value as Table)) {
    const keys = [raw, name];
    if (!isTable(body)) fail(keys, `profile ${name} must be a table.`, `Write it as a [profile.${name}] section with files.`);
    const profile: Profile = { name, files: [], flash: {}, ...at(keys) };
    for (const [rawKey, v] of Object.entries(body as Table)) {
      const key = normaliseKey(rawKey);
      const here = [...keys, rawKey];
      if (!PROFILE_KEYS.includes(key)) fail(here, `unknown setting "${rawKey}" in profile ${name}.`, `A profile takes ${PROFILE_KEYS.join(', ')}.`);
      if (key === 'files') {
        profile.files = profileFiles(v, here, dirname(path), fail);
        continue;
      }
      if (typeof v !== 'string') fail(here, `${rawKey} must be a string, not ${show(v)}.`, `Write e.g. ${rawKey} = "${key === 'description' ? 'the app only' : 'keep'}".`);
      if (key === 'description') profile.description = v as string;
      else profile.flash[key === 'flash_mode' ? 'flashMode' : key === 'flash_freq' ? 'flashFreq' : 'flashSize'] = v as string;
    }
    if (profile.files.length === 0) {
      fail(keys, `profile ${name} has no files.`, `Add e.g. files = { 0x10000 = "build/app.bin" } under [profile.${name}].`);
    }
    into.set(name, profile);
  }
}

/**
 * A table `{ 0x10000 = "app.bin" }` (address = file), or a list of what `anyflash write` takes:
 * `["0x1000", "boot.bin", "app.bin@0x10000", "firmware.uf2"]`.
 */
function profileFiles(v: unknown, keys: string[], dir: string, fail: Fail): FileArg[] {
  const advice = 'Write files = { 0x10000 = "build/app.bin" } (address = file) or a list of write arguments, e.g. ["app.bin@0x10000"].';
  let args: FileArg[];
  try {
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
      args = parseFileArgs(v as string[]);
    } else if (isTable(v)) {
      args = Object.entries(v).map(([address, file]) => {
        if (typeof file !== 'string') throw new AnyflashError('bad-input', `the file at ${address} must be a string, not ${show(file)}.`);
        return { address: parseNumber(address, `address ${address}`), file };
      });
    } else {
      return fail(keys, `files must be a table or a list of strings, not ${show(v)}.`, advice);
    }
  } catch (e) {
    if (!isAnyflashError(e)) throw e;
    return fail(keys, e.message.replace(/\.?$/, '.'), advice);
  }
  return args.map((a) => ({ ...a, file: resolve(dir, a.file) }));
}

const normaliseKey = (k: string): string => k.replace(/-/g, '_');
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : Array.isArray(v) ? 'a list' : isTable(v) ? 'a table' : String(v));

const BARE_OR_QUOTED = String.raw`(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')`;
const DOTTED = new RegExp(String.raw`^(${BARE_OR_QUOTED}(?:\s*\.\s*${BARE_OR_QUOTED})*)\s*=`);
const HEADER = new RegExp(String.raw`^\[\[?\s*(${BARE_OR_QUOTED}(?:\s*\.\s*${BARE_OR_QUOTED})*)\s*\]\]?`);

/**
 * The TOML parser gives values, not positions: this finds the line of each key (a table header
 * for the table itself) so errors and `anyflash config` can point at it. A key inside an inline
 * table or a multi-line value is reported at the line of the key holding it.
 */
function keyLines(text: string): (keys: readonly string[]) => number {
  const found = new Map<string, number>();
  let table: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const header = HEADER.exec(line);
    const kv = header ? undefined : DOTTED.exec(line);
    if (header) table = splitKey(header[1]!);
    const path = header ? table : kv ? [...table, ...splitKey(kv[1]!)] : undefined;
    if (path && !found.has(path.join('\0'))) found.set(path.join('\0'), i + 1);
  });
  return (keys) => {
    for (let n = keys.length; n > 0; n--) {
      const line = found.get(keys.slice(0, n).join('\0'));
      if (line !== undefined) return line;
    }
    return 1;
  };
}

function splitKey(dotted: string): string[] {
  return (dotted.match(new RegExp(BARE_OR_QUOTED, 'g')) ?? []).map((k) => (/^["']/.test(k) ? k.slice(1, -1) : k));
}
