import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { AnyflashError, toAnyflashError } from '../../core/errors.js';
import { hexAddr } from '../../core/bytes.js';
import type { EventSink } from '../../core/events.js';
import { csvHeader, csvRow, imageDigests, type DeviceRecord } from '../../engine/record.js';
import { familiesFor } from '../../families/index.js';
import { onPort, withCtrlC, type DeviceContext, type GlobalFlags } from '../common.js';
import { Output } from '../output.js';
import { selectPorts, type LineFlags } from './ports.js';
import { Reporter } from './report.js';
import { movedTo } from './moved.js';
import { liveTable, type LiveRow } from './table.js';

const ANYFLASH_VERSION = '0.1.0';

/** `--record FILE`: JSONL in FILE (or FILE.jsonl) and CSV beside it, one line per device, appended. */
export function recordPaths(file: string): { jsonl: string; csv: string } {
  const base = file.replace(/\.(jsonl|csv)$/i, '');
  return { jsonl: `${base}.jsonl`, csv: `${base}.csv` };
}

/**
 * Appends one device's record. Each line is one append of a few hundred bytes (O_APPEND), so
 * devices finishing together, or two stations sharing a file, never interleave within a line.
 */
export function appendRecord(file: string, record: DeviceRecord): void {
  const { jsonl, csv } = recordPaths(file);
  appendFileSync(jsonl, JSON.stringify(record) + '\n');
  const fresh = !existsSync(csv) || statSync(csv).size === 0;
  appendFileSync(csv, fresh ? csvHeader() + '\n' + csvRow(record) + '\n' : csvRow(record, headerOf(csv)) + '\n');
}

/** The columns of the CSV's first line (a file an older version began may lack newer ones). */
function headerOf(csv: string): string[] {
  const fd = openSync(csv, 'r');
  try {
    const head = Buffer.alloc(1024);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('utf8').split(/\r?\n/)[0]!.split(',');
  } finally {
    closeSync(fd);
  }
}

/** A short id for a port in tagged lines and events: `ttyUSB0`, `sim:esp32`. */
export function deviceId(port: string): string {
  return port.startsWith('/dev/') ? port.slice(5) : port.replace(/\?.*$/, '');
}

/**
 * The production line: runs the same device job on every selected port at once, each with its
 * own output tag, signal and reconnects, so one device's failure, brownout or unplug never stalls
 * the others. Records each device as it finishes and prints one summary; the exit code is 0 only
 * when every device passed.
 */
export async function withDevices(
  flags: GlobalFlags & LineFlags,
  fn: (ctx: DeviceContext) => Promise<number | void>,
  check?: () => void | Promise<void>,
): Promise<number> {
  return withCtrlC(flags, async (out, signal) => {
    if ((flags as { monitor?: boolean }).monitor) {
      throw new AnyflashError('bad-input', '--monitor watches one device, but this write runs on several.', { advice: ['Leave out --monitor, or give one --port.'] });
    }
    await check?.();
    familiesFor(flags.chip);
    const ports = await selectPorts(flags);
    const ids = ports.map(deviceId);
    // Two sims of the same chip with different parameters share a short id: fall back to the full port.
    const unique = ids.map((id, i) => (ids.indexOf(id) === ids.lastIndexOf(id) ? id : ports[i]!));
    const station = flags.station ?? hostname();
    const publish = publisher(flags, out);
    const table = liveTable(flags);
    out.printAbove(table);
    let records: DeviceRecord[];
    try {
      records = await Promise.all(ports.map(async (port, i) => publish(await runOne(port, unique[i]!, station, flags, fn, signal, { row: table?.add(unique[i]!) }))));
    } finally {
      table?.close();
      out.printAbove(undefined);
    }
    await publish.settled();
    return summarize(out, records);
  });
}

/** Where each finished device goes: the record files at once, the report URL in the background. */
export function publisher(flags: LineFlags, out: Output): ((r: DeviceRecord) => DeviceRecord) & { settled: () => Promise<void> } {
  const reporter = flags.reportUrl ? new Reporter(flags.reportUrl, out.events) : undefined;
  const publish = (r: DeviceRecord): DeviceRecord => {
    // Written as each device finishes: a crash of the station later loses no finished device.
    if (flags.record) appendRecord(flags.record, r);
    reporter?.post(r);
    return r;
  };
  return Object.assign(publish, { settled: async () => reporter?.settled() });
}

export function summaryLine(r: DeviceRecord): string {
  const identity = r.mac ?? (r.flashId ? `flash ${r.flashId}` : '');
  const recoveries = r.recoveries ? `${r.recoveries} ${r.recoveries === 1 ? 'recovery' : 'recoveries'}` : '';
  return [r.result === 'pass' ? 'PASS' : 'FAIL', r.port, r.chip ?? '?', identity, `${r.seconds.toFixed(1)} s`, recoveries, r.errorCode ? `${r.errorCode}: ${r.error}` : ''].filter(Boolean).join('  ');
}

/** The line's result: each device, and exit 0 only when every one passed. */
export function summarize(out: Output, records: readonly DeviceRecord[], options: { toldEach?: boolean } = {}): number {
  const passed = records.filter((r) => r.result === 'pass').length;
  out.result({ ok: passed === records.length, passed, failed: records.length - passed, devices: records }, [
    ...(options.toldEach ? [] : records.map(summaryLine)),
    `${passed} of ${records.length} devices passed.`,
  ]);
  return passed === records.length ? 0 : 1;
}

export interface RunOneOptions {
  /** Gets every event instead of printing them (a web station). */
  observe?: EventSink;
  /** The device's row in a live table. */
  row?: LiveRow;
  /**
   * False: a reconnect reopens the same path, never following the adapter to another one. A station
   * finds a moved board by its identity and starts a job there; following it too would race that job.
   */
  follow?: boolean;
}

export async function runOne(
  port: string,
  id: string,
  station: string,
  flags: GlobalFlags & LineFlags,
  fn: (ctx: DeviceContext) => Promise<number | void>,
  signal: AbortSignal,
  options: RunOneOptions = {},
): Promise<DeviceRecord> {
  const { observe, row } = options;
  const started = performance.now();
  const record: DeviceRecord = { time: '', station, port, images: [], result: 'fail', recoveries: 0, seconds: 0, anyflash: ANYFLASH_VERSION };
  // Observed (a web station): the events go to the observer and nothing is printed.
  const out = new Output({ ...flags, json: false, device: id, onResult: () => {}, ...(observe ? { quiet: true, tap: observe } : { row }) });
  out.events({ type: 'note', level: 'info', message: `Starting on ${port}.` });
  try {
    const code = await onPort(
      port,
      flags,
      out,
      signal,
      async (ctx) => {
        const info = await ctx.device.info();
        Object.assign(record, { chip: info.chip, revision: info.revision, mac: info.mac, flashId: info.flashId === undefined ? undefined : hexAddr(info.flashId) });
        row?.identify({ chip: info.chip, mac: info.mac });
        ctx.onPlanned = (regions) => (record.images = imageDigests(regions));
        ctx.onDeviceData = (what) => (record.deviceData = what);
        const code = await fn(ctx);
        // The session resets the chip once the job returns; no event tells that.
        row?.resetting();
        return code;
      },
      { wait: false, follow: options.follow },
    );
    record.result = code === 0 ? 'pass' : 'fail';
  } catch (e) {
    const err = toAnyflashError(e);
    Object.assign(record, { result: 'fail', errorCode: err.code, error: err.message });
    // The summary lists it; the device's own lines and events say it where it happened.
    if (observe || flags.jsonEvents) out.events({ type: 'note', level: 'warn', code: err.code, message: err.message });
    else if (!movedTo(signal.reason)) out.fail(err);
  }
  // A board that moved is no failure: one line says where it goes on (its job there records it).
  const to = movedTo(signal.reason);
  if (to) {
    if (!observe && !flags.jsonEvents) out.say(`Moved: the board is back on ${to} and resumes there.`);
    row?.moved(deviceId(to));
  } else row?.end(record.result === 'pass' ? 'PASS' : 'FAIL', record.errorCode);
  record.recoveries = Object.values(out.recovered).reduce((a, b) => a + b, 0);
  record.seconds = (performance.now() - started) / 1000;
  record.time = new Date().toISOString();
  return record;
}
