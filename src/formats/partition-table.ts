/**
 * ESP-IDF partition tables (reference/esp.md §6): CSV ↔ binary with the rules of ESP-IDF's
 * gen_esp32part (auto-placed offsets, alignment, K/M suffixes, flags, MD5 row) and validation
 * whose errors name the CSV line.
 */
import { AnyflashError } from '../core/errors.js';
import { hexAddr, toHex } from '../core/bytes.js';
import { md5 } from '../core/md5.js';

export const PARTITION_TABLE_OFFSET = 0x8000;
export const PARTITION_TABLE_SIZE = 0x1000;
/** Entries + MD5 row must fit in 0xC00 bytes (the rest of the sector is for a signature). */
export const PARTITION_DATA_MAX = 0xc00;
const ENTRY = 32;
const MAGIC = [0xaa, 0x50];
const MD5_MAGIC = [0xeb, 0xeb];
export const APP_ALIGN = 0x10000;
export const DATA_ALIGN = 0x1000;
export const APP_MAX_SIZE = 16 * 1024 * 1024;
export const OTADATA_SIZE = 0x2000;
/** Read/write NVS needs at least this much; smaller NVS partitions must be readonly. */
export const NVS_RW_MIN_SIZE = 0x3000;

export const TYPES: Record<string, number> = { app: 0x00, data: 0x01, bootloader: 0x02, partition_table: 0x03 };

export const SUBTYPES: Record<number, Record<string, number>> = {
  0x00: {
    factory: 0x00, test: 0x20, tee_0: 0x30, tee_1: 0x31,
    ...Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`ota_${i}`, 0x10 + i])),
  },
  0x01: {
    ota: 0x00, phy: 0x01, nvs: 0x02, coredump: 0x03, nvs_keys: 0x04, efuse: 0x05, undefined: 0x06,
    esphttpd: 0x80, fat: 0x81, spiffs: 0x82, littlefs: 0x83, tee_ota: 0x90,
  },
  0x02: { primary: 0x00, ota: 0x01, recovery: 0x02 },
  0x03: { primary: 0x00, ota: 0x01 },
};

export const FLAGS: Record<string, number> = { encrypted: 0, readonly: 1 };

export interface Partition {
  name: string;
  type: number;
  subtype: number;
  offset: number;
  size: number;
  encrypted: boolean;
  readonly: boolean;
  /** CSV line it came from (1-based), when parsed from CSV. */
  line?: number;
}

export interface PartitionTable {
  partitions: Partition[];
  /** Binary tables: whether an MD5 row was present (and matched). */
  md5?: string;
}

export interface CsvOptions {
  file?: string;
  /** Flash offset of the table; partitions start after its 4 KB sector. */
  tableOffset?: number;
  /** Flash size in bytes, to check that every partition fits. */
  flashSize?: number;
}

export function typeName(type: number): string {
  return Object.entries(TYPES).find(([, v]) => v === type)?.[0] ?? `0x${type.toString(16).padStart(2, '0')}`;
}

export function subtypeName(type: number, subtype: number): string {
  return Object.entries(SUBTYPES[type] ?? {}).find(([, v]) => v === subtype)?.[0] ?? `0x${subtype.toString(16).padStart(2, '0')}`;
}

function alignmentFor(type: number): number {
  return type === TYPES.app ? APP_ALIGN : DATA_ALIGN;
}

class CsvError extends Error {}

/** decimal / 0x hex / 0o octal / 0b binary, with K and M suffixes (1024-based) as gen_esp32part. */
export function parsePartitionNumber(text: string): number {
  const t = text.trim();
  const suffix = /[kKmM]$/.exec(t);
  if (suffix) return parsePartitionNumber(t.slice(0, -1)) * (suffix[0].toLowerCase() === 'k' ? 1024 : 1024 * 1024);
  if (!/^(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i.test(t)) throw new CsvError(`"${text}" is not a number`);
  return Number(t);
}

function parseKeyword(text: string, keywords: Record<string, number>, what: string): number {
  const key = text.toLowerCase();
  if (key in keywords) return keywords[key]!;
  try {
    const n = parsePartitionNumber(text);
    if (n > 0xfe) throw new CsvError(`${what} ${text} is larger than 0xFE`);
    return n;
  } catch (e) {
    if (e instanceof CsvError && /larger/.test(e.message)) throw e;
    throw new CsvError(`${what} "${text}" is not valid (known: ${Object.keys(keywords).join(', ') || 'numbers only'})`);
  }
}

function fail(file: string, line: number | undefined, message: string, advice: string[] = []): never {
  throw new AnyflashError('bad-input', `${file}${line !== undefined ? ` line ${line}` : ''}: ${message}.`, {
    file, advice: advice.length ? advice : ['Fix the partition table CSV; see the ESP-IDF "Partition Tables" guide.'],
  });
}

export function parsePartitionCsv(text: string, opts: CsvOptions = {}): PartitionTable {
  const file = opts.file ?? 'partitions.csv';
  const tableOffset = opts.tableOffset ?? PARTITION_TABLE_OFFSET;
  const partitions: Partition[] = [];
  const pending: Array<{ p: Partition; offsetGiven: boolean }> = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = (trimmed + ',,,,').split(',').map((f) => f.trim());
    try {
      const name = fields[0]!;
      if (name === '') throw new CsvError('the name is empty');
      if (fields[1] === '') throw new CsvError('the type is empty');
      const type = parseKeyword(fields[1]!, TYPES, 'type');
      let subtype: number;
      if (fields[2] === '') {
        if (type === TYPES.app) throw new CsvError('an app partition needs a subtype');
        subtype = SUBTYPES[0x01]!.undefined!;
      } else {
        subtype = parseKeyword(fields[2]!, SUBTYPES[type] ?? {}, 'subtype');
      }
      const offsetGiven = fields[3] !== '';
      const offset = offsetGiven ? parsePartitionNumber(fields[3]!) : -1;
      if (fields[4] === '') throw new CsvError('the size is empty');
      const negative = fields[4]!.startsWith('-');
      const sizeValue = parsePartitionNumber(negative ? fields[4]!.slice(1) : fields[4]!);
      let encrypted = false;
      let readonly = false;
      for (const flag of fields[5]!.split(':').map((f) => f.trim()).filter(Boolean)) {
        if (!(flag in FLAGS)) throw new CsvError(`unknown flag "${flag}" (known: ${Object.keys(FLAGS).join(', ')})`);
        if (flag === 'encrypted') encrypted = true;
        else readonly = true;
      }
      // A negative size means "up to this end address", as in gen_esp32part.
      const p: Partition = { name, type, subtype, offset, size: negative ? -sizeValue : sizeValue, encrypted, readonly, line };
      pending.push({ p, offsetGiven });
    } catch (e) {
      if (e instanceof CsvError) fail(file, line, e.message);
      throw e;
    }
  });

  let lastEnd = tableOffset + PARTITION_TABLE_SIZE;
  for (const { p, offsetGiven } of pending) {
    if ((p.type === TYPES.bootloader || p.type === TYPES.partition_table) && p.subtype === 0) {
      // The primary bootloader and table entries describe fixed places; they take no part in placement.
      if (!offsetGiven) fail(file, p.line, `the primary ${typeName(p.type)} entry needs an explicit offset`);
      partitions.push(p);
      continue;
    }
    if (offsetGiven) {
      if (p.offset < lastEnd) {
        if (partitions.length === 0) {
          fail(file, p.line, `offset ${hexAddr(p.offset)} overlaps the partition table, which ends at ${hexAddr(lastEnd)}`,
            [`Start the first partition at ${hexAddr(lastEnd)} or later, or leave its offset empty.`]);
        }
        fail(file, p.line, `offset ${hexAddr(p.offset)} overlaps the previous partition, which ends at ${hexAddr(lastEnd)}`,
          ['Leave the offset empty to place it after the previous one, or move it.']);
      }
    } else {
      const align = alignmentFor(p.type);
      p.offset = Math.ceil(lastEnd / align) * align;
    }
    if (p.size < 0) p.size = -p.size - p.offset;
    lastEnd = p.offset + p.size;
    partitions.push(p);
  }
  const table = { partitions };
  validatePartitionTable(table, { ...opts, file });
  return table;
}

/** Checks alignment, overlaps, unique names, otadata and sizes; errors name the CSV line when known. */
export function validatePartitionTable(table: PartitionTable, opts: CsvOptions = {}): void {
  const file = opts.file ?? 'partition table';
  const tableEnd = (opts.tableOffset ?? PARTITION_TABLE_OFFSET) + PARTITION_TABLE_SIZE;
  const seen = new Map<string, Partition>();
  for (const p of table.partitions) {
    const align = alignmentFor(p.type);
    if (p.offset % align !== 0) {
      fail(file, p.line, `partition ${p.name} offset ${hexAddr(p.offset)} is not aligned to ${hexAddr(align)}`,
        [`${p.type === TYPES.app ? 'App' : 'Data'} partitions must start on a ${hexAddr(align)} boundary.`]);
    }
    if (p.size <= 0) fail(file, p.line, `partition ${p.name} has no size`);
    if (p.type === TYPES.app && p.size % DATA_ALIGN !== 0) fail(file, p.line, `app partition ${p.name} size ${hexAddr(p.size)} is not a multiple of 0x1000`);
    if (p.type === TYPES.app && p.size > APP_MAX_SIZE) fail(file, p.line, `app partition ${p.name} is larger than 16 MB`, ['The flash MMU maps at most 16 MB per app.']);
    if (p.type === TYPES.data && (p.subtype === SUBTYPES[0x01]!.ota || p.subtype === SUBTYPES[0x01]!.coredump) && p.readonly) {
      fail(file, p.line, `partition ${p.name} (${subtypeName(p.type, p.subtype)}) is always read-write and cannot be readonly`);
    }
    if (p.type === TYPES.data && p.subtype === SUBTYPES[0x01]!.nvs && !p.readonly && p.size < NVS_RW_MIN_SIZE) {
      fail(file, p.line, `NVS partition ${p.name} of ${hexAddr(p.size)} bytes must be flagged readonly (read/write NVS needs at least 0x3000)`);
    }
    const twin = seen.get(p.name);
    if (twin) fail(file, p.line, `partition name ${p.name} is used twice${twin.line ? ` (also line ${twin.line})` : ''}`);
    seen.set(p.name, p);
    if (opts.flashSize !== undefined && p.offset + p.size > opts.flashSize) {
      fail(file, p.line, `partition ${p.name} ends at ${hexAddr(p.offset + p.size)}, beyond the ${opts.flashSize / 1048576} MB flash`);
    }
  }
  const sorted = [...table.partitions].sort((a, b) => a.offset - b.offset);
  sorted.forEach((p, i) => {
    if (p.type !== TYPES.bootloader && p.type !== TYPES.partition_table && p.offset < tableEnd) {
      fail(file, p.line, `partition ${p.name} at ${hexAddr(p.offset)} lies below ${hexAddr(tableEnd)}, the end of the partition table`);
    }
    const prev = sorted[i - 1];
    if (prev && p.offset < prev.offset + prev.size) {
      fail(file, p.line, `partition ${p.name} at ${hexAddr(p.offset)} overlaps ${prev.name} (${hexAddr(prev.offset)}–${hexAddr(prev.offset + prev.size - 1)})`);
    }
  });
  const otadata = table.partitions.filter((p) => p.type === TYPES.data && p.subtype === SUBTYPES[0x01]!.ota);
  if (otadata.length > 1) fail(file, otadata[1]!.line, 'more than one otadata partition (type data, subtype ota)');
  if (otadata.length === 1 && otadata[0]!.size !== OTADATA_SIZE) fail(file, otadata[0]!.line, `the otadata partition must be 0x2000 bytes, not ${hexAddr(otadata[0]!.size)}`);
}

export function partitionTableToBinary(table: PartitionTable): Uint8Array {
  const entries = table.partitions.length;
  if ((entries + 1) * ENTRY > PARTITION_DATA_MAX) {
    throw new AnyflashError('bad-input', `The partition table has ${entries} entries; at most ${PARTITION_DATA_MAX / ENTRY - 1} fit.`);
  }
  const out = new Uint8Array(PARTITION_DATA_MAX).fill(0xff);
  const v = new DataView(out.buffer);
  table.partitions.forEach((p, i) => {
    const o = i * ENTRY;
    out.set(MAGIC, o);
    out[o + 2] = p.type;
    out[o + 3] = p.subtype;
    v.setUint32(o + 4, p.offset, true);
    v.setUint32(o + 8, p.size, true);
    out.fill(0, o + 12, o + 28);
    out.set(new TextEncoder().encode(p.name).subarray(0, 16), o + 12);
    v.setUint32(o + 28, (p.encrypted ? 1 << FLAGS.encrypted! : 0) | (p.readonly ? 1 << FLAGS.readonly! : 0), true);
  });
  const md5At = entries * ENTRY;
  out.set(MD5_MAGIC, md5At);
  out.set(md5(out.subarray(0, md5At)), md5At + 16);
  return out;
}

export function isPartitionTableBinary(bytes: Uint8Array): boolean {
  return bytes.length >= ENTRY && bytes.length % ENTRY === 0 && bytes[0] === MAGIC[0] && bytes[1] === MAGIC[1];
}

export function parsePartitionBinary(bytes: Uint8Array, file = 'partition table'): PartitionTable {
  const bad = (message: string): never => {
    throw new AnyflashError('bad-input', `${file}: ${message}.`, {
      file, advice: ['Read the table from offset 0x8000 (or the configured table offset) and check the file is complete.'],
    });
  };
  const partitions: Partition[] = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let digest: string | undefined;
  for (let o = 0; o + ENTRY <= bytes.length; o += ENTRY) {
    const row = bytes.subarray(o, o + ENTRY);
    if (row.every((b) => b === 0xff)) return { partitions, ...(digest ? { md5: digest } : {}) };
    if (row[0] === MD5_MAGIC[0] && row[1] === MD5_MAGIC[1]) {
      const stored = toHex(row.subarray(16));
      const computed = toHex(md5(bytes.subarray(0, o)));
      if (stored !== computed) bad(`the MD5 row does not match the entries (stored ${stored}, computed ${computed})`);
      digest = stored;
      continue;
    }
    if (row[0] !== MAGIC[0] || row[1] !== MAGIC[1]) bad(`entry ${o / ENTRY} has no AA 50 magic`);
    const nameBytes = row.subarray(12, 28);
    const end = nameBytes.indexOf(0);
    const flags = v.getUint32(o + 28, true);
    partitions.push({
      name: new TextDecoder().decode(end < 0 ? nameBytes : nameBytes.subarray(0, end)),
      type: row[2]!, subtype: row[3]!, offset: v.getUint32(o + 4, true), size: v.getUint32(o + 8, true),
      encrypted: (flags & 1) !== 0, readonly: (flags & 2) !== 0,
    });
  }
  return bad('no end-of-table marker (a row of 0xFF)');
}

function sizeText(n: number): string {
  if (n % 0x100000 === 0) return `${n / 0x100000}M`;
  if (n % 0x400 === 0) return `${n / 0x400}K`;
  return hexAddr(n);
}

export function partitionTableToCsv(table: PartitionTable): string {
  const rows = ['# ESP-IDF Partition Table', '# Name, Type, SubType, Offset, Size, Flags'];
  for (const p of table.partitions) {
    const flags = [p.encrypted ? 'encrypted' : '', p.readonly ? 'readonly' : ''].filter(Boolean).join(':');
    // Unnamed (custom) types and subtypes are written in decimal, as gen_esp32part does.
    const type = Object.entries(TYPES).find(([, v]) => v === p.type)?.[0] ?? String(p.type);
    const subtype = Object.entries(SUBTYPES[p.type] ?? {}).find(([, v]) => v === p.subtype)?.[0] ?? String(p.subtype);
    rows.push([p.name, type, subtype, hexAddr(p.offset), sizeText(p.size), flags].join(','));
  }
  return rows.join('\n') + '\n';
}

/** Parses a table given as CSV text or binary bytes. */
export function parsePartitionTable(bytes: Uint8Array, opts: CsvOptions = {}): PartitionTable {
  if (isPartitionTableBinary(bytes)) {
    const table = parsePartitionBinary(bytes, opts.file);
    validatePartitionTable(table, opts);
    return table;
  }
  return parsePartitionCsv(new TextDecoder().decode(bytes), opts);
}

export function findPartition(table: PartitionTable, name: string): Partition {
  const p = table.partitions.find((x) => x.name === name);
  if (!p) {
    throw new AnyflashError('bad-input', `There is no partition named "${name}".`, {
      advice: [`Partitions: ${table.partitions.map((x) => x.name).join(', ')}.`],
    });
  }
  return p;
}

/** Throws file-too-large when `length` bytes do not fit in the named partition. */
export function checkFitsPartition(table: PartitionTable, name: string, length: number, file = 'the file'): Partition {
  const p = findPartition(table, name);
  if (length > p.size) {
    throw new AnyflashError('file-too-large', `${file} (${length} bytes) is larger than partition ${name} (${p.size} bytes).`, {
      file, address: p.offset,
      advice: ['Make the partition bigger in the partition table CSV (and flash the new table), or shrink the image.'],
    });
  }
  return p;
}
