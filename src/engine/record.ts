import { toHex } from '../core/bytes.js';
import { sha256 } from '../formats/sha256.js';
import type { Region } from './regions.js';

/** One device's line in a production record: what was written to which chip, and how it went. */
export interface DeviceRecord {
  /** ISO time the job ended. */
  time: string;
  station: string;
  port: string;
  chip?: string;
  revision?: string;
  mac?: string;
  flashId?: string;
  /** `--device-data`: what this device got — its file (`240ac4123456.bin`) or CSV row (`serials.csv#SN1003`); several joined by spaces. */
  deviceData?: string;
  /** `name:sha256` of each image, in the order given. */
  images: Array<{ name: string; sha256: string }>;
  result: 'pass' | 'fail';
  errorCode?: string;
  error?: string;
  /** Reconnects the engine made (link losses, reboots, garbled replies, silences). */
  recoveries: number;
  /** Unplugged mid-write and plugged in again, maybe on another port: the station resumed its job there. */
  resumed?: boolean;
  seconds: number;
  anyflash: string;
}

export const RECORD_COLUMNS = ['time', 'station', 'port', 'chip', 'revision', 'mac', 'flashId', 'images', 'result', 'errorCode', 'error', 'recoveries', 'seconds', 'anyflash', 'deviceData', 'resumed'] as const;

/** Names and SHA-256 of the images a job writes (hashed once for all devices). */
export function imageDigests(regions: readonly Region[]): DeviceRecord['images'] {
  return regions.map((r) => ({ name: r.name.replace(/^.*[\\/]/, ''), sha256: toHex(sha256(r.data)) }));
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(v: unknown): string {
  const s = v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return RECORD_COLUMNS.join(',');
}

/**
 * One record as a CSV line, its fields in `columns` order: a file begun by an older version keeps
 * its own header, so its rows follow that (a column it lacks is left out, one unknown stays empty).
 */
export function csvRow(r: DeviceRecord, columns: readonly string[] = RECORD_COLUMNS): string {
  return columns
    .map((c) => {
      if (c === 'images') return csvField(r.images.map((i) => `${i.name}:${i.sha256}`).join(' '));
      if (c === 'seconds') return csvField(r.seconds.toFixed(2));
      return (RECORD_COLUMNS as readonly string[]).includes(c) ? csvField(r[c as (typeof RECORD_COLUMNS)[number]]) : '';
    })
    .join(',');
}
