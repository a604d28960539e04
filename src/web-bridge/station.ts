/**
 * The web UI's station view, server side: runs the CLI's station (same write job, same loop, same
 * records) on the bridge's serial ports or a simulated hub, and streams each device's progress to
 * the page as server-sent events.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { AnyflashError, toAnyflashError } from '../core/errors.js';
import type { AnyflashEvent } from '../core/events.js';
import type { DeviceRecord } from '../engine/record.js';
import { listPorts, type SerialPortInfo } from '../diagnose/ports.js';
import { run } from '../cli/commands/write.js';
import { serialPorts, SimHub, type PortSource } from '../cli/line/hub.js';
import { deviceId, publisher, recordPaths, runOne } from '../cli/line/session.js';
import { movedTo } from '../cli/line/moved.js';
import { claiming, runStation } from '../cli/line/station.js';
import { Output } from '../cli/output.js';
import type { StationMessage, StationRow, StationStart, StationState } from './station-wire.js';

export interface WebStationOptions {
  /** `anyflash ui --hub sim-hub:…`. */
  hub?: string;
  /** `anyflash ui --record FILE`: FILE.jsonl and FILE.csv, appended. */
  record: string;
  station?: string;
  /** The bridge's port filter: the station uses only ports the bridge offers. */
  offered: (p: SerialPortInfo) => boolean;
}

/** Progress reaches the page at most this often per device (a write emits an event per block). */
const FLUSH_MS = 100;
/** Images arrive base64 in one JSON body. */
const MAX_BODY = 64 << 20;

export class WebStation {
  private readonly clients = new Set<ServerResponse>();
  private rows = new Map<number, StationRow>();
  private records: DeviceRecord[] = [];
  private active?: { abort: AbortController; done: Promise<void> };
  private error?: { code: string; message: string };
  private dirty = new Set<number>();
  private flushTimer?: NodeJS.Timeout;
  private nextId = 1;

  constructor(private readonly options: WebStationOptions) {}

  state(): StationState {
    return {
      hub: this.options.hub,
      record: recordPaths(resolve(this.options.record)).jsonl,
      running: this.active !== undefined,
      rows: [...this.rows.values()],
      records: this.records,
      error: this.error,
    };
  }

  /** GET/POST under /api/station. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      if (req.method === 'GET' && path === '/api/station') return reply(res, 200, this.state());
      if (req.method === 'GET' && path === '/api/station/events') return this.subscribe(req, res);
      if (req.method === 'POST' && path === '/api/station/start') {
        await this.start(JSON.parse(await readBody(req)) as StationStart);
        return reply(res, 200, { ok: true });
      }
      if (req.method === 'POST' && path === '/api/station/stop') {
        await this.stop();
        return reply(res, 200, { ok: true });
      }
      return reply(res, 404, { ok: false, error: { code: 'bad-input', message: 'No such station request.' } });
    } catch (e) {
      const err = toAnyflashError(e, 'bad-input');
      return reply(res, 400, { ok: false, error: err.toJSON() });
    }
  }

  private subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
    this.clients.add(res);
    send(res, { type: 'state', state: this.state() });
    req.on('close', () => this.clients.delete(res));
  }

  private async start(request: StationStart): Promise<void> {
    if (this.active) throw new AnyflashError('bad-input', 'The station is already running: stop it first.');
    const images = Array.isArray(request.images) ? request.images : [];
    if (images.length === 0) throw new AnyflashError('bad-input', 'Choose the files to write first.');
    const source = this.source(request);
    const dir = mkdtempSync(join(tmpdir(), 'anyflash-station-'));
    const args: string[] = [];
    try {
      images.forEach((image, i) => {
        // Each file in its own folder keeps its own name, which the record lists.
        const file = join(dir, String(i), basename(String(image.name)).replace(/^\.+$/, '') || 'image.bin');
        mkdirSync(join(dir, String(i)));
        writeFileSync(file, Buffer.from(String(image.data), 'base64'));
        args.push(...(image.address ? [String(image.address), file] : [file]));
      });
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    this.rows = new Map();
    this.records = [];
    this.error = undefined;
    const abort = new AbortController();
    let ended!: () => void;
    this.active = { abort, done: new Promise<void>((ok) => (ended = ok)) };
    let checked!: () => void;
    const ready = new Promise<void>((ok) => (checked = ok));
    const flags = {
      chip: request.chip || undefined,
      verify: request.verify !== false,
      skip: request.skip !== false,
      after: 'hard-reset',
      wait: false,
      record: this.options.record,
      station: this.options.station ?? hostname(),
    };
    const finished = run(args, flags, async (lineFlags, fn, check) => {
      // The file checks run before any device is touched; a refusal answers the Start request.
      await check?.();
      checked();
      // The page starts over from this state: running, no rows yet.
      this.broadcast({ type: 'state', state: this.state() });
      const out = new Output({ quiet: true });
      const publish = publisher(lineFlags, out);
      const station = lineFlags.station!;
      await runStation(
        source,
        Infinity,
        abort.signal,
        (port, jobSignal, claim) => {
          const row: StationRow = { id: this.nextId++, port, phase: 'starting', percent: 0 };
          this.update(row);
          const job = async (ctx: Parameters<typeof fn>[0]): Promise<number | void> => {
            const info = await ctx.device.info();
            this.update(Object.assign(row, { chip: info.chip, mac: info.mac }));
            return fn(ctx);
          };
          // As in the CLI's station: a board replugged mid-write on another port resumes there.
          return runOne(port, deviceId(port), station, lineFlags, claiming(job, claim), jobSignal, { observe: (e) => this.onEvent(row, e), follow: false }).then((r) => {
            const to = movedTo(jobSignal.reason);
            if (to) this.update(Object.assign(row, { phase: 'moved', result: 'moved', movedTo: to }));
            else this.update(Object.assign(row, { phase: 'done', percent: r.result === 'pass' ? 100 : row.percent, result: r.result, errorCode: r.errorCode, error: r.error }));
            return r;
          });
        },
        (r) => {
          this.records.push(publish(r));
          this.flush();
          this.broadcast({ type: 'record', record: r });
        },
      );
      await publish.settled();
      return 0;
    });
    // Started once the files passed their checks; a refusal ends the run before that.
    const refused = await Promise.race([ready.then(() => undefined), finished.then(() => undefined, (e: unknown) => e ?? new Error('refused'))]);
    const end = (): void => {
      rmSync(dir, { recursive: true, force: true });
      this.active = undefined;
      ended();
    };
    if (refused) {
      end();
      throw refused;
    }
    void finished
      .catch((e: unknown) => {
        const err = toAnyflashError(e);
        this.error = { code: err.code, message: err.message };
      })
      .finally(() => {
        end();
        this.flush();
        this.broadcast({ type: 'running', running: false, error: this.error });
      });
  }

  /** Stop: no new devices, and the running ones are stopped as Ctrl-C stops them (recorded as failed). */
  async stop(): Promise<void> {
    const active = this.active;
    if (!active) return;
    active.abort.abort(new AnyflashError('aborted', 'Stopped from the station page.'));
    await active.done;
  }

  async dispose(): Promise<void> {
    await this.stop();
    clearTimeout(this.flushTimer);
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  private source(request: StationStart): PortSource {
    if (request.source === 'hub') {
      if (!this.options.hub) throw new AnyflashError('bad-input', 'This bridge has no simulated hub.', { advice: ['Start anyflash ui with --hub sim-hub:esp32,bk7231n to try the station without hardware.'] });
      return new SimHub(this.options.hub);
    }
    return serialPorts({ ports: request.ports ? String(request.ports) : undefined }, async () => (await listPorts({ excludePid: process.pid })).filter(this.options.offered));
  }

  private onEvent(row: StationRow, e: AnyflashEvent): void {
    switch (e.type) {
      case 'connected':
        Object.assign(row, { chip: e.chip, phase: 'connected' });
        break;
      case 'start':
        Object.assign(row, { phase: e.op, percent: 0 });
        break;
      case 'progress':
        row.percent = Math.floor((e.done * 100) / Math.max(1, e.total));
        break;
      case 'finish':
        row.percent = 100;
        break;
      case 'recover':
        row.phase = 'recovering';
        break;
      default:
        return;
    }
    this.update(row, e.type === 'progress');
  }

  /** Phase changes go out at once; progress is batched. */
  private update(row: StationRow, batch = false): void {
    this.rows.set(row.id, row);
    this.dirty.add(row.id);
    if (!batch) return this.flush();
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const id of this.dirty) this.broadcast({ type: 'row', row: this.rows.get(id)! });
    this.dirty.clear();
  }

  private broadcast(message: StationMessage): void {
    for (const c of this.clients) send(c, message);
  }
}

function send(res: ServerResponse, message: StationMessage): void {
  res.write(`data: ${JSON.stringify(message)}\n\n`);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new AnyflashError('bad-input', `The images are over ${MAX_BODY >> 20} MiB.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
