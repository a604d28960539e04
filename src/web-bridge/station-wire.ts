/** What the station view and `anyflash ui` say to each other (types only: the page imports them too). */
import type { DeviceRecord } from '../engine/record.js';

/** One device job as the page shows it, live. */
export interface StationRow {
  /** Jobs are numbered: a port flashes a new board after each replug. */
  id: number;
  port: string;
  chip?: string;
  mac?: string;
  /** `starting`, `connected`, an engine operation (`write`, `verify`, …), `recovering`, `done`, `moved`. */
  phase: string;
  /** Of the current operation, 0–100. */
  percent: number;
  /** `moved`: unplugged mid-write and back on `movedTo`, whose row goes on with it (no record, no failure). */
  result?: 'pass' | 'fail' | 'moved';
  movedTo?: string;
  errorCode?: string;
  error?: string;
}

export interface StationState {
  /** The simulated hub `anyflash ui --hub` offers, if any. */
  hub?: string;
  /** Where records are appended on the server (JSONL; the CSV beside it). */
  record: string;
  running: boolean;
  rows: StationRow[];
  records: DeviceRecord[];
  /** Why the last run ended early, if it did. */
  error?: { code: string; message: string };
}

export interface StationImage {
  name: string;
  /** Flash address (`0x10000`); left out for files that carry their own (UF2, HEX, flasher_args.json). */
  address?: string;
  /** The file, base64. */
  data: string;
}

export interface StationStart {
  images: StationImage[];
  /** `hub`: the simulated hub; `ports`: the bridge's serial ports matching `ports` (a glob; all USB ports when empty). */
  source: 'hub' | 'ports';
  ports?: string;
  chip?: string;
  verify?: boolean;
  skip?: boolean;
}

/** Server-sent events on /api/station/events: a full state first, then changes. */
export type StationMessage =
  | { type: 'state'; state: StationState }
  | { type: 'row'; row: StationRow }
  | { type: 'record'; record: DeviceRecord }
  | { type: 'running'; running: boolean; error?: { code: string; message: string } };
