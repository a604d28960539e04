import cliProgress from 'cli-progress';
import { hexAddr } from '../core/bytes.js';
import { AnyflashError, INPUT_CODES, toAnyflashError } from '../core/errors.js';
import type { AnyflashEvent, EventSink } from '../core/events.js';
import type { LiveRow } from './line/table.js';
import { errColors as pc } from './colors.js';
import { withAdvice } from './error-advice.js';
import { barLayout, finishedText } from './progress-label.js';

export interface OutputOptions {
  json?: boolean;
  jsonEvents?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  /** One device among several (a production line): tags every line and JSON event with it. */
  device?: string;
  /** Receives the command's result instead of printing it (the line prints one summary). */
  onResult?: (json: unknown) => void;
  /** Also receives every event (a web station streams them to its page). */
  tap?: EventSink;
  /** The device's row in a live table: progress goes there, other lines above the table. */
  row?: LiveRow;
}

/**
 * Renders library events and results: progress bars on a TTY, plain lines when piped, JSON lines
 * with --json-events, one JSON document with --json. Human text goes to stderr when --json owns
 * stdout, so machines always get clean JSON.
 */
export class Output {
  private bar: cliProgress.SingleBar | null = null;
  private barKey = '';
  private barStart = 0;
  private lastPlainPercent = -1;
  private readonly tty: boolean;
  readonly events: EventSink;
  /** `recover` events seen, by what was recovered (engine kinds and the families' own). */
  readonly recovered: Record<string, number> = {};
  private readonly tag: string;
  /** Where stderr text goes: the terminal, or above a live table that holds its bottom. */
  private above: (text: string) => void;

  constructor(readonly options: OutputOptions) {
    // Several devices share the terminal: plain tagged lines instead of progress bars.
    this.tty = Boolean(process.stderr.isTTY) && !options.json && !options.jsonEvents && !options.device;
    this.tag = options.device ? `[${options.device}] ` : '';
    this.events = (e) => this.onEvent(e);
    this.above = options.row?.above ?? toStderr;
  }

  /** Prints above `table` until it closes (undefined: straight to the terminal again). */
  printAbove(table: { above(text: string): void } | undefined): void {
    this.above = table ? (text) => table.above(text) : toStderr;
  }

  /** A line for people (stderr, so stdout stays for data and JSON). */
  say(line: string): void {
    if (this.options.quiet || this.options.jsonEvents) return;
    this.stopBar();
    this.above(this.tag + line + '\n');
  }

  /** The command's result: a JSON document with --json, otherwise human lines on stdout. */
  result(json: unknown, human: string[]): void {
    this.stopBar();
    if (this.options.onResult) {
      this.options.onResult(json);
      return;
    }
    if (this.options.json || this.options.jsonEvents) {
      process.stdout.write(JSON.stringify(json, null, this.options.jsonEvents ? 0 : 2) + '\n');
    } else {
      for (const l of human) process.stdout.write(l + '\n');
    }
  }

  fail(error: unknown): number {
    this.stopBar();
    const e = withAdvice(toAnyflashError(error));
    if (this.options.json || this.options.jsonEvents) {
      process.stdout.write(JSON.stringify({ ok: false, error: e.toJSON() }) + '\n');
    } else {
      const lines = [this.tag + pc.red(`error [${e.code}]: `) + e.message];
      if (e.advice.length > 0) lines.push(pc.yellow('what to do: ') + e.advice[0]);
      if (this.options.verbose) {
        for (const a of e.advice.slice(1)) lines.push(`  - ${a}`);
        for (const ev of e.evidence) lines.push(`  evidence: ${ev}`);
        if (e.cause instanceof Error) lines.push(`  cause: ${e.cause.message}`);
      } else if (e.advice.length > 1 || e.evidence.length > 0) {
        lines.push(pc.dim('(--verbose shows more advice and the evidence)'));
      }
      this.above(lines.map((l) => l + '\n').join(''));
    }
    return exitCodeFor(e);
  }

  private onEvent(e: AnyflashEvent): void {
    this.options.tap?.(e);
    if (e.type === 'recover') this.recovered[e.what] = (this.recovered[e.what] ?? 0) + 1;
    if (this.options.jsonEvents) {
      process.stdout.write(JSON.stringify(this.options.device ? { device: this.options.device, ...e } : e) + '\n');
      return;
    }
    if (this.options.quiet) return;
    // The row shows the chip and the progress; warnings and the like still print, above the table.
    const row = this.options.row;
    row?.events(e);
    switch (e.type) {
      case 'note':
        if (e.level === 'warn' || this.options.verbose) this.say((e.level === 'warn' ? pc.yellow('warning: ') : '') + e.message);
        return;
      case 'wait-for-user':
        this.say(pc.cyan(e.message));
        return;
      case 'connect-attempt':
        if (this.options.verbose) this.say(`connect attempt ${e.attempt} (${e.strategy})`);
        return;
      case 'boot-log':
        if (this.options.verbose) this.say(pc.dim(`boot log: ${e.text.trim()}`));
        return;
      case 'connected':
        if (!row) this.say(`Connected to ${e.chip} (${e.family}) via ${e.strategy} at ${e.baud} baud`);
        return;
      case 'skip':
        if (e.region.size > 0 && this.options.verbose) this.say(`skipped ${regionText(e.region)}: ${e.reason}`);
        return;
      case 'retry':
        this.say(pc.yellow(`retry ${e.op} #${e.attempt}: ${e.cause}${e.address !== undefined ? ' at ' + hexAddr(e.address) : ''}`));
        return;
      case 'recover':
        this.say(pc.yellow(`recovered: ${e.what} — ${e.detail}`));
        return;
      case 'start':
        this.startProgress(e.op, e.region?.name ?? '', e.total);
        return;
      case 'progress':
        this.updateProgress(e.op, e.region?.name ?? '', e.done, e.total);
        return;
      case 'finish':
        this.completeBar(e.op, e.region?.name ?? '', e.seconds);
        if (!this.tty && !row && e.op !== 'compare') this.say(finishedText(e.op, e.region ? regionText(e.region) : '', e.seconds));
        return;
      case 'plan':
        if (this.options.verbose) for (const r of e.regions) this.say(`plan: ${regionText(r)}`);
        return;
    }
  }

  private startProgress(op: string, name: string, total: number): void {
    this.stopBar();
    this.lastPlainPercent = -1;
    if (op === 'compare' || total === 0) return;
    this.barKey = op + name;
    this.barStart = performance.now();
    if (this.tty) {
      const { barsize, label, bytes } = barLayout(process.stderr.columns || 80, total, name);
      this.bar = new cliProgress.SingleBar(
        {
          format: `${op.padEnd(7)} {bar} {percentage}% | ${bytes ? '{value}/{total} B | ' : ''}{rate} | ETA {eta_formatted} ${label}`,
          barsize,
          hideCursor: true,
          clearOnComplete: false,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, { rate: '' });
    }
  }

  private updateProgress(op: string, name: string, done: number, total: number): void {
    if (this.bar && this.barKey === op + name) {
      const seconds = (performance.now() - this.barStart) / 1000;
      this.bar.update(done, { rate: seconds > 0 ? `${(done / 1024 / seconds).toFixed(1)} KiB/s` : '' });
      return;
    }
    // Plain lines only for the long data operations; the stub upload and the like just finish.
    if (!this.tty && !this.options.quiet && !this.options.row && ['write', 'read', 'erase', 'verify'].includes(op)) {
      const pct = Math.floor((done * 10) / Math.max(1, total)) * 10;
      if (pct !== this.lastPlainPercent) {
        this.lastPlainPercent = pct;
        this.above(`${this.tag}${op} ${name} ${pct}%\n`);
      }
    }
  }

  /**
   * A finished operation's bar shows 100 % and its average rate, also when no progress came
   * (a verify that only compares digests).
   */
  private completeBar(op: string, name: string, seconds: number): void {
    if (this.bar && this.barKey === op + name) {
      const total = this.bar.getTotal();
      this.bar.update(total, { rate: `${(total / 1024 / Math.max(seconds, 0.001)).toFixed(1)} KiB/s` });
    }
    this.stopBar();
  }

  private stopBar(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
  }
}

function toStderr(text: string): void {
  process.stderr.write(text);
}

function regionText(r: { address: number; size: number; name?: string }): string {
  return `${r.name ? r.name + ' ' : ''}${hexAddr(r.address)}..${hexAddr(r.address + r.size)}`;
}

/** Another tool's exit codes, for an entry point that stands in for it (anyflash-esptool). */
let exitCodePolicy: ((e: AnyflashError) => number) | undefined;

export function setExitCodePolicy(policy: ((e: AnyflashError) => number) | undefined): void {
  exitCodePolicy = policy;
}

export function exitCodeFor(e: AnyflashError): number {
  if (exitCodePolicy) return exitCodePolicy(e);
  if (e.code === 'aborted') return 130;
  return INPUT_CODES.has(e.code) ? 2 : 1;
}
