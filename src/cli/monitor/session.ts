/**
 * The interactive serial monitor: device output line by line (ESP-IDF levels coloured, crashes
 * decoded against the ELF, optional timestamps, a log file, JSON lines), keys to the device, and
 * Ctrl-R reset / Ctrl-F reflash / Ctrl-C or Ctrl-] quit (also after idf.py's Ctrl-T prefix). A port
 * that vanishes (native USB re-enumerating after a reset) is waited for and reopened.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import type { EventSink } from '../../core/events.js';
import { toAnyflashError } from '../../core/errors.js';
import { deadlineIn, sleep } from '../../core/time.js';
import { hardReset, isUsbJtagSerial, runReset } from '../../families/esp/reset.js';
import type { MeteredTransport } from '../../transport/metered.js';
import type { PortFacts } from '../../transport/types.js';
import { CrashDecoder, formatDecoded, type DecodedLine } from '../../monitor/crash-decoder.js';
import { DefmtStream, type DefmtDecoder } from '../../formats/defmt.js';
import { colourIdfLine, parseIdfLog, passesLevel, type IdfLevel } from '../../monitor/idf-log.js';
import { LineSplitter, type LinePiece } from '../../monitor/line-splitter.js';
import { openPort } from '../open-port.js';

export const KEY = { CTRL_C: 0x03, CTRL_F: 0x06, CTRL_R: 0x12, CTRL_T: 0x14, CTRL_X: 0x18, CTRL_RBRACKET: 0x1d } as const;

/** Where the session reads keys from and writes the console to (process stdin/stdout, or a test's). */
export interface MonitorIo {
  keys: NodeJS.ReadableStream;
  write(text: string): void;
  /** Status lines for people (stderr in the CLI). */
  say(text: string): void;
}

export interface MonitorOptions {
  port: string;
  baud: number;
  /** Reset the chip into its firmware when the monitor starts. */
  reset: boolean;
  decoder?: CrashDecoder;
  /** SHA-256 (hex) of the app ELF: compared with the `ELF file SHA256:` line ESP-IDF apps print at boot. */
  elfSha256?: string;
  /** Set when the ELF has a `.defmt` section: `FF 00 … 00` frames in the output are decoded with it. */
  defmt?: DefmtDecoder;
  timestamps?: boolean;
  json?: boolean;
  logFile?: string;
  /** Hide ESP-IDF log lines less severe than this. */
  logLevel?: IdfLevel;
  colour?: boolean;
  /** Ctrl-F: write the last files again (unchanged sectors are skipped); resolves false on failure. */
  reflash?: () => Promise<boolean>;
  /** Stop after this long (scripts, tests). */
  seconds?: number;
  /** Keys come as whole lines (a pipe, `--mode line`): line ends go out as CR LF. */
  lineMode?: boolean;
  events: EventSink;
  signal?: AbortSignal;
  /** How long a vanished port is waited for before the monitor gives up. */
  reconnectMs?: number;
}

/** Quiet time after which a partial line (a prompt) is shown. */
const PARTIAL_AFTER_MS = 100;
const ANSI = /\x1b\[[0-9;]*m/g;

export function keyHelp(canReflash: boolean): string {
  return `Ctrl-R reset · ${canReflash ? 'Ctrl-F reflash · ' : ''}Ctrl-C or Ctrl-] quit (Ctrl-T prefix as in idf.py works too)`;
}

function clock(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export async function runMonitor(options: MonitorOptions, io: MonitorIo): Promise<void> {
  const quit = new AbortController();
  const onOuterAbort = (): void => quit.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (options.seconds !== undefined) setTimeout(() => quit.abort(), options.seconds * 1000).unref();
  if (options.logFile) writeFileSync(options.logFile, '');

  const splitter = new LineSplitter();
  const defmtStream = options.defmt ? new DefmtStream() : undefined;
  let partialLine = '';
  let transport: MeteredTransport | undefined;
  let busy: Promise<void> | undefined;
  let ctrlT = false;

  const log = (text: string): void => {
    if (options.logFile) appendFileSync(options.logFile, text.replace(ANSI, ''));
  };
  const show = (text: string): void => {
    io.write(text);
    log(text);
  };
  const status = (text: string): void => {
    if (options.json) io.write(JSON.stringify({ type: 'monitor', time: new Date().toISOString(), message: text }) + '\n');
    else io.say(`--- ${text}`);
    // A partial line already shown in the log ends here; its rest follows on a line of its own.
    log(`${partialLine ? '\n' : ''}--- ${text}\n`);
  };

  const render = (piece: LinePiece): void => {
    const stamp = options.timestamps && !piece.continued ? `[${clock()}] ` : '';
    if (!piece.complete) {
      partialLine += piece.text;
      if (!options.json) show(stamp + piece.text);
      return;
    }
    const full = partialLine + piece.text;
    partialLine = '';
    const idf = parseIdfLog(full);
    const running = options.elfSha256 && /ELF file SHA256:\s*([0-9a-f]{8,64})/i.exec(full)?.[1]?.toLowerCase();
    if (running && !options.elfSha256!.startsWith(running)) {
      status(`warning: the running app's ELF SHA256 starts ${running}, the --elf file's ${options.elfSha256!.slice(0, running.length)}: decoded addresses may point at the wrong code`);
    }
    if (options.logLevel && !passesLevel(idf?.level, options.logLevel)) {
      if (piece.continued && !options.json) show('\n');
      return;
    }
    const decoded: DecodedLine | undefined = options.decoder?.decodeLine(full);
    if (options.json) {
      io.write(JSON.stringify(jsonLine(full, idf, decoded)) + '\n');
      log(`${stamp}${full}\n`);
      return;
    }
    let text = piece.text;
    if (options.colour) {
      if (idf && !piece.continued) text = colourIdfLine(text, idf.level);
      else if (decoded?.crash && decoded.crash.kind !== 'backtrace') text = `\x1b[1;31m${text}\x1b[0m`;
    }
    show(`${stamp}${text}\n`);
    for (const l of decoded ? formatDecoded(decoded) : []) show(options.colour ? `\x1b[33m${l}\x1b[0m\n` : `${l}\n`);
  };

  /** USB facts of the first port, to find a re-enumerated native-USB chip under a new path. */
  let facts: PortFacts | undefined;
  const DEFMT_COLOUR: Record<string, string> = { error: '31', warn: '33', info: '32' };
  const renderDefmt = (encoded: Uint8Array): void => {
    let frame: ReturnType<DefmtDecoder['decodeWire']>;
    try {
      frame = options.defmt!.decodeWire(encoded);
    } catch (e) {
      status(`defmt frame not decoded: ${(e as Error).message}`);
      return;
    }
    const decoded = options.decoder?.decodeLine(frame.text);
    if (options.json) {
      io.write(JSON.stringify({ type: 'defmt', time: new Date().toISOString(), ...frame, ...(decoded?.addresses.length ? { addresses: decoded.addresses } : {}) }) + '\n');
      log(`${frame.text}\n`);
      return;
    }
    const stamp = options.timestamps ? `[${clock()}] ` : '';
    const head = `${frame.timestamp !== undefined ? `${frame.timestamp} ` : ''}${(frame.level ?? '').toUpperCase().padEnd(5)} `;
    const colour = frame.level && options.colour ? DEFMT_COLOUR[frame.level] : undefined;
    show(`${stamp}${colour ? `\x1b[0;${colour}m${head}${frame.text}\x1b[0m` : head + frame.text}\n`);
    for (const l of decoded ? formatDecoded(decoded) : []) show(`${l}\n`);
  };

  const open = async (): Promise<MeteredTransport> => {
    const t = await openPort(options.port, options.events, facts);
    facts ??= { ...t.facts };
    await t.setBaud(options.baud);
    await t.setSignals({ dtr: false, rts: false });
    return t;
  };
  const reset = async (): Promise<void> => {
    if (!transport) return;
    status('resetting the chip');
    await runReset(transport, hardReset(isUsbJtagSerial(transport)), quit.signal).catch(() => {});
  };
  const reflash = async (): Promise<void> => {
    if (!options.reflash) {
      status('Ctrl-F reflashes when the monitor was started by write/flash-project --monitor');
      return;
    }
    status('reflashing (unchanged sectors are skipped)…');
    await transport?.close().catch(() => {});
    transport = undefined;
    const ok = await options.reflash().catch(() => false);
    transport = await open();
    status(ok ? 'reflashed; back to the monitor' : 'reflash failed (see above); back to the monitor');
  };

  const onKeys = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const pass: number[] = [];
    for (const b of bytes) {
      const command = ctrlT ? b : undefined;
      ctrlT = false;
      if (b === KEY.CTRL_T && command === undefined) {
        ctrlT = true;
        continue;
      }
      if (b === KEY.CTRL_C || b === KEY.CTRL_RBRACKET || (command !== undefined && (b === KEY.CTRL_X || b === 0x78 || b === 0x71))) {
        quit.abort();
        return;
      }
      if (b === KEY.CTRL_R || (command !== undefined && b === 0x72)) busy ??= reset().finally(() => (busy = undefined));
      else if (b === KEY.CTRL_F || (command !== undefined && b === 0x66)) busy ??= reflash().finally(() => (busy = undefined));
      else pass.push(b);
    }
    if (!pass.length || !transport || busy) return;
    const out = options.lineMode ? Buffer.from(Buffer.from(pass).toString('utf8').replace(/\r?\n/g, '\r\n')) : Uint8Array.from(pass);
    void transport.write(new Uint8Array(out)).catch(() => {});
  };

  try {
    transport = await open();
    if (options.reset) await reset();
    io.keys.on('data', onKeys);
    while (!quit.signal.aborted) {
      if (busy) {
        await Promise.race([busy, new Promise((r) => quit.signal.addEventListener('abort', r, { once: true }))]);
        continue;
      }
      const port: MeteredTransport = transport!;
      let data: Uint8Array;
      try {
        data = await port.read({ deadline: deadlineIn(PARTIAL_AFTER_MS), signal: quit.signal });
      } catch (e) {
        if (quit.signal.aborted) break;
        if (busy || port !== transport) continue;
        transport = await reconnect(toAnyflashError(e).message);
        continue;
      }
      if (data.length === 0) {
        const partial = options.json ? undefined : splitter.flushPartial();
        if (partial) render(partial);
        continue;
      }
      if (!defmtStream) {
        for (const piece of splitter.push(data)) render(piece);
        continue;
      }
      for (const piece of defmtStream.push(data)) {
        if (piece.kind === 'text') for (const p of splitter.push(piece.bytes)) render(p);
        else renderDefmt(piece.frame);
      }
    }
  } finally {
    io.keys.off('data', onKeys);
    options.signal?.removeEventListener('abort', onOuterAbort);
    await busy?.catch(() => {});
    await transport?.close().catch(() => {});
  }

  async function reconnect(why: string): Promise<MeteredTransport> {
    status(`port lost (${why}); waiting for it to come back…`);
    await transport?.close().catch(() => {});
    transport = undefined;
    const until = deadlineIn(options.reconnectMs ?? 30_000);
    for (;;) {
      try {
        const t = await open();
        status('port back; monitoring again');
        return t;
      } catch (e) {
        if (quit.signal.aborted || performance.now() > until) throw e;
        await sleep(500, quit.signal).catch(() => {});
      }
    }
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** One `--json` record per device line. */
function jsonLine(text: string, idf: ReturnType<typeof parseIdfLog>, decoded: DecodedLine | undefined): Record<string, unknown> {
  return {
    type: 'line',
    time: new Date().toISOString(),
    text: text.replace(ANSI, ''),
    ...(idf ? { level: idf.level, tag: idf.tag, uptime: idf.time } : {}),
    ...(decoded?.crash ? { crash: decoded.crash } : {}),
    ...(decoded?.notes.length ? { notes: decoded.notes } : {}),
    ...(decoded?.addresses.length
      ? { addresses: decoded.addresses.map((a) => ({ address: hex(a.address), role: a.role, ...(a.register ? { register: a.register } : {}), frames: a.frames })) }
      : {}),
  };
}
