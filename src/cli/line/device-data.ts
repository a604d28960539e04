import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fromHex } from '../../core/bytes.js';
import { AnyflashError } from '../../core/errors.js';
import { macHex } from '../../core/mac.js';
import { parseNumber } from '../../engine/parse.js';
import type { Region } from '../../engine/regions.js';
import { readInputFile } from '../inputs.js';

/**
 * `--device-data ADDRESS:SOURCE`: bytes that differ per device (an NVS identity or calibration
 * partition), written at ADDRESS in the same job as the images. SOURCE is a folder of files named
 * by MAC, or a CSV whose rows are chosen by a `mac` column or, without one, handed out in turn
 * (a running serial number) and claimed in `<csv>.claims.jsonl` so no row goes to two devices.
 */
export interface DeviceData {
  address: number;
  /** The SOURCE as given, for messages. */
  source: string;
  /** The largest data any device can get: checked against the images before any device is touched. */
  maxSize: number;
  /** This device's bytes and what they are (`240ac4123456.bin`, `serials.csv#SN1003`), claiming a row if rows go in turn. */
  pick(device: DeviceFacts): { region: Region; id: string };
}

/** What the choice of data depends on; `port` and `station` only go into a claim. */
export interface DeviceFacts {
  mac?: string;
  port: string;
  station: string;
}

interface Entry {
  /** The record's name for it: a file name, or `serials.csv#<serial or row number>`. */
  id: string;
  /** The row's serial (or row number): the key a claim names. */
  key: string;
  mac?: string;
  size: number;
  bytes: () => Uint8Array;
}

/** `ADDRESS:SOURCE` (a Windows drive letter stays in SOURCE), or `SOURCE@ADDRESS` as `write` takes files. */
export function parseDeviceDataArg(text: string): { address: number; source: string } {
  const first = /^(0x[0-9a-f]+|\d+):(.+)$/i.exec(text);
  const last = /^(.+)@(0x[0-9a-f]+|\d+)$/i.exec(text);
  const [address, source] = first ? [first[1]!, first[2]!] : last ? [last[2]!, last[1]!] : [];
  if (address === undefined || source === undefined) {
    throw new AnyflashError('bad-input', `--device-data ${text}: give ADDRESS:SOURCE, e.g. --device-data 0x9000:nvs-by-mac/ or 0x9000:serials.csv.`, {
      advice: ['SOURCE is a folder of files named by MAC (240ac4123456.bin) or a CSV with a file or hex column.'],
    });
  }
  return { address: parseNumber(address, '--device-data address'), source };
}

export function openDeviceData(text: string): DeviceData {
  const { address, source } = parseDeviceDataArg(text);
  if (!existsSync(source)) throw new AnyflashError('file-not-found', `--device-data: ${source} does not exist.`, { file: source, advice: ['Give a folder of files named by MAC, or a CSV.'] });
  const entries = statSync(source).isDirectory() ? folderEntries(source) : csvEntries(source);
  const maxSize = Math.max(...entries.list.map((e) => e.size));
  const byMac = new Map(entries.list.filter((e) => e.mac).map((e) => [e.mac!, e]));
  const claims = entries.byMac ? undefined : new Claims(`${source}.claims.jsonl`);
  return {
    address,
    source,
    maxSize,
    pick(device) {
      const mac = device.mac ? macHex(device.mac) : undefined;
      if (!mac) {
        throw new AnyflashError('device-data-missing', `The device on ${device.port} reports no MAC, so its --device-data cannot be chosen.`, {
          advice: ['Per-device data is chosen by MAC: use it with chips that report one (ESP32, Beken).'],
        });
      }
      const entry = claims ? claims.claim(entries.list, mac, device, source) : byMac.get(mac);
      if (!entry) {
        throw new AnyflashError('device-data-missing', `${source} has no data for MAC ${device.mac}: nothing was written to this device.`, {
          file: source,
          advice: [
            entries.kind === 'folder' ? `Add ${mac}.bin (or ${macDashes(mac)}.bin) to ${source}.` : `Add a row with mac ${device.mac} to ${source}.`,
            'Check that this board belongs to the batch the data was made for.',
          ],
        });
      }
      return { region: { name: entry.id, address, data: entry.bytes() }, id: entry.id };
    },
  };
}

/** Placeholders as large as the largest data of each source: `validateRegions` then finds an overlap with an image. */
export function reservedRegions(sources: readonly DeviceData[]): Region[] {
  return sources.map((s) => ({ name: `--device-data ${s.source}`, address: s.address, data: new Uint8Array(s.maxSize) }));
}

/** `24:0A:C4:12:34:56`, `24-0a-c4-12-34-56`, `240ac4123456` → `240ac4123456`; undefined when not a MAC. */
const macDashes = (mac: string): string => mac.match(/../g)!.join('-');

/** A MAC anywhere in a file name, bytes joined or separated by `-`, `_` or `:` (`nvs-24-0a-c4-12-34-56.bin`). */
const MAC_IN_NAME = /(?<![0-9a-f])[0-9a-f]{2}(?:[-_:]?[0-9a-f]{2}){5}(?![0-9a-f])/i;

function folderEntries(dir: string): { kind: 'folder'; byMac: true; list: Entry[] } {
  const list: Entry[] = [];
  const seen = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const found = MAC_IN_NAME.exec(name);
    if (!found || name.startsWith('.') || !statSync(path).isFile()) continue;
    const mac = macHex(found[0])!;
    if (seen.has(mac)) throw new AnyflashError('bad-input', `${dir}: ${seen.get(mac)} and ${name} are both for MAC ${macDashes(mac)}.`, { file: path, advice: ['Keep one file per MAC.'] });
    seen.set(mac, name);
    const size = statSync(path).size;
    if (size === 0) throw new AnyflashError('file-empty', `${path} is empty.`, { file: path });
    list.push({ id: name, key: name, mac, size, bytes: () => readInputFile(path) });
  }
  if (list.length === 0) {
    throw new AnyflashError('bad-input', `--device-data: ${dir} holds no file named by a MAC.`, {
      file: dir,
      advice: ['Name each device\'s file by its MAC: 240ac4123456.bin or 24-0a-c4-12-34-56.bin (as `anyflash info` shows the MAC).'],
    });
  }
  return { kind: 'folder', byMac: true, list };
}

const COLUMNS = {
  mac: ['mac', 'mac_address'],
  serial: ['serial', 'serial_no', 'serial_number', 'sn'],
  file: ['file'],
  hex: ['hex', 'data'],
};

function csvEntries(csv: string): { kind: 'csv'; byMac: boolean; list: Entry[] } {
  const rows = parseCsv(new TextDecoder().decode(readInputFile(csv)));
  const bad = (line: number, message: string): AnyflashError =>
    new AnyflashError('bad-input', `${csv}:${line}: ${message}`, { file: csv, advice: ['Columns: mac or serial (optional), and file (a path) or hex (the bytes) on each row.'] });
  const header = rows.shift();
  if (!header) throw bad(1, 'the CSV is empty.');
  const names = header.cells.map((c) => c.trim().toLowerCase());
  const col = (k: keyof typeof COLUMNS): number => names.findIndex((n) => COLUMNS[k].includes(n));
  const [macCol, serialCol, fileCol, hexCol] = [col('mac'), col('serial'), col('file'), col('hex')];
  if (fileCol < 0 && hexCol < 0) throw bad(header.line, `no file or hex column (the header is: ${header.cells.join(',')}).`);
  const list: Entry[] = [];
  const seen = new Map<string, number>();
  for (const [i, { line, cells }] of rows.entries()) {
    const cell = (c: number): string => (c < 0 ? '' : (cells[c] ?? '').trim());
    const mac = macCol < 0 ? undefined : macHex(cell(macCol));
    if (macCol >= 0 && !mac) throw bad(line, `"${cell(macCol)}" is not a MAC address.`);
    const key = serialCol < 0 ? String(i + 1) : cell(serialCol);
    if (!key) throw bad(line, 'the serial is empty.');
    for (const unique of [mac && `MAC ${mac}`, `serial ${key}`]) {
      if (!unique) continue;
      if (seen.has(unique)) throw bad(line, `${unique} is already on line ${seen.get(unique)}.`);
      seen.set(unique, line);
    }
    const id = `${basename(csv)}#${key}`;
    const [file, hex] = [cell(fileCol), cell(hexCol)];
    if (Boolean(file) === Boolean(hex)) throw bad(line, file ? 'give file or hex, not both.' : 'the row has neither a file nor hex bytes.');
    if (file) {
      const path = isAbsolute(file) ? file : join(dirname(csv), file);
      if (!existsSync(path)) throw new AnyflashError('file-not-found', `${csv}:${line}: ${path} does not exist.`, { file: path, advice: ['A file column is relative to the folder of the CSV.'] });
      const size = statSync(path).size;
      if (size === 0) throw new AnyflashError('file-empty', `${csv}:${line}: ${path} is empty.`, { file: path });
      list.push({ id, key, mac, size, bytes: () => readInputFile(path) });
    } else {
      const digits = hex.replace(/^0x/i, '').replace(/\s/g, '');
      if (!/^([0-9a-f]{2})+$/i.test(digits)) throw bad(line, `"${hex}" is not hex bytes (an even number of hex digits, spaces allowed).`);
      const data = fromHex(digits);
      list.push({ id, key, mac, size: data.length, bytes: () => data });
    }
  }
  if (list.length === 0) throw bad(header.line + 1, 'the CSV has a header but no rows.');
  return { kind: 'csv', byMac: macCol >= 0, list };
}

/** RFC 4180 rows (quoted fields may hold commas, quotes and line breaks), blank lines skipped, with their first line number. */
function parseCsv(text: string): Array<{ line: number; cells: string[] }> {
  const rows: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const endRow = (): void => {
    cells.push(cell);
    if (cells.length > 1 || cells[0]!.trim() !== '') rows.push({ line: start, cells });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted && ch === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (quoted) {
      cell += ch;
      if (ch === '\n') line++;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n') {
      endRow();
      start = ++line;
    } else if (ch !== '\r' && ch !== '\ufeff') {
      cell += ch;
    }
  }
  endRow();
  return rows;
}

interface Claim {
  key: string;
  mac: string;
  station?: string;
  port?: string;
  time?: string;
}

/**
 * Which rows of a CSV are taken, in `<csv>.claims.jsonl` beside it. A claim is one small append
 * (O_APPEND), so claims of stations sharing the folder land whole and in one order; the first
 * claim of a row wins, and a station that finds it lost re-reads and takes the next row. No lock,
 * so a crashed station leaves nothing to clean up. Claims happen before the device is written:
 * the --record line comes only when a device finishes, too late to keep two stations apart.
 */
class Claims {
  constructor(readonly path: string) {}

  claim(rows: readonly Entry[], mac: string, device: DeviceFacts, source: string): Entry {
    // Each lost race leaves that row owned, so this ends within one pass over the rows.
    for (let attempt = 0; attempt <= rows.length; attempt++) {
      const { owners, text } = this.read();
      const mine = rows.find((r) => owners.get(r.key)?.mac === mac);
      if (mine) return mine;
      const free = rows.find((r) => !owners.has(r.key));
      if (!free) {
        throw new AnyflashError('device-data-exhausted', `Every row of ${source} is taken (${rows.length} ${rows.length === 1 ? 'row' : 'rows'}, claims in ${this.path}): nothing was written to this device.`, {
          file: source,
          advice: [`Add rows with new serials at the end of ${source}.`, `A board that already took a row gets it again; ${this.path} says which board took which.`],
        });
      }
      const claim: Claim = { key: free.key, mac, station: device.station, port: device.port, time: new Date().toISOString() };
      // A line torn by a crash must not swallow the next claim.
      appendFileSync(this.path, (text && !text.endsWith('\n') ? '\n' : '') + JSON.stringify(claim) + '\n');
    }
    throw new AnyflashError('internal', `Could not claim a row of ${source}: ${this.path} keeps changing.`, { file: this.path });
  }

  /** The first claim of each row. */
  private read(): { owners: Map<string, Claim>; text: string } {
    const text = existsSync(this.path) ? readFileSync(this.path, 'utf8') : '';
    const owners = new Map<string, Claim>();
    for (const line of text.split('\n')) {
      const claim = parseClaim(line);
      if (claim && !owners.has(claim.key)) owners.set(claim.key, claim);
    }
    return { owners, text };
  }
}

function parseClaim(line: string): Claim | undefined {
  try {
    const c = JSON.parse(line) as Partial<Claim>;
    return typeof c.key === 'string' && typeof c.mac === 'string' ? (c as Claim) : undefined;
  } catch {
    return undefined;
  }
}

/** The device's data regions and the record's `deviceData` (ids joined by spaces). */
export function pickDeviceData(sources: readonly DeviceData[], device: DeviceFacts): { regions: Region[]; id: string } {
  const picked = sources.map((s) => s.pick(device));
  return { regions: picked.map((p) => p.region), id: picked.map((p) => p.id).join(' ') };
}
