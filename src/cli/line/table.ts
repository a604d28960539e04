import type { AnyflashEvent, EventSink, Operation } from '../../core/events.js';
import { errColors, type Colors } from '../colors.js';

/** Where a device is in its job, as its row shows it. */
export type Phase = 'connect' | 'backup' | 'erase' | 'write' | 'verify' | 'reset' | 'done' | 'moved';

const PHASE_OF: Record<Operation, Exclude<Phase, 'done' | 'moved'>> = {
  connect: 'connect',
  stub: 'connect',
  baud: 'connect',
  read: 'backup',
  backup: 'backup',
  erase: 'erase',
  compare: 'write',
  write: 'write',
  verify: 'verify',
  reset: 'reset',
};

export interface RowState {
  id: string;
  chip?: string;
  mac?: string;
  phase: Phase;
  /** Of the running operation; kept where a failed device stopped. */
  percent?: number;
  /** Bytes per second of the running operation. */
  rate?: number;
  /** Of the last write, which a finished row shows: the figure a line is tuned by. */
  writeRate?: number;
  /** MOVED: unplugged mid-job and back on another port (`movedTo`), whose row goes on with it. */
  result?: 'PASS' | 'FAIL' | 'MOVED';
  code?: string;
  movedTo?: string;
  /** When the running operation started (ms), for its rate. */
  opStart?: number;
}

/** The row after one of its device's events, `now` in ms. Pure, so a sequence of events can be tested. */
export function rowAfter(row: RowState, e: AnyflashEvent, now: number): RowState {
  if (row.result) return row;
  switch (e.type) {
    case 'connected':
      return { ...row, chip: e.chip };
    case 'start':
      return { ...row, phase: PHASE_OF[e.op], percent: e.total > 0 ? 0 : undefined, rate: undefined, opStart: now };
    case 'progress': {
      const seconds = (now - (row.opStart ?? now)) / 1000;
      const rate = seconds > 0 && e.done > 0 ? e.done / seconds : row.rate;
      return { ...row, phase: PHASE_OF[e.op], percent: Math.floor((e.done * 100) / Math.max(1, e.total)), rate, ...(e.op === 'write' ? { writeRate: rate } : {}) };
    }
    case 'finish': {
      const rate = e.bytes !== undefined && e.seconds > 0 ? e.bytes / e.seconds : row.rate;
      return { ...row, percent: row.percent === undefined ? undefined : 100, rate, ...(e.op === 'write' ? { writeRate: rate } : {}) };
    }
    default:
      return row;
  }
}

/** The row of a board unplugged mid-job and plugged in again on `to`: not a failure, its new row goes on. */
export function rowMoved(row: RowState, to: string): RowState {
  // Its progress goes on in the new row: this one keeps none.
  return { ...row, result: 'MOVED', movedTo: to, phase: 'moved', percent: undefined, rate: undefined, writeRate: undefined };
}

/** The row of a device whose job ended: PASS leaves it `done`, FAIL keeps the phase it failed in. */
export function rowEnded(row: RowState, result: 'PASS' | 'FAIL', code?: string): RowState {
  return { ...row, result, code, phase: result === 'PASS' ? 'done' : row.phase };
}

const HEADER = { id: 'DEVICE', chip: 'CHIP', mac: 'MAC', phase: 'PHASE', percent: '%', rate: 'RATE', result: 'RESULT' };
type Column = keyof typeof HEADER;
const COLUMNS = Object.keys(HEADER) as Column[];
/** Room for what a column will hold, so columns do not shift as facts arrive and phases change. */
const STEADY: Partial<Record<Column, number>> = { chip: 8, mac: 17, phase: 7, percent: 3, rate: 10 };
/** The device column gives way to the others down to this: enough to name a port. */
const MIN_ID = 12;

/**
 * The rows that fit `room` lines: every running device first, then the most recently finished,
 * in their original order. Rows left out are finished ones, whose PASS/FAIL the summary has.
 */
export function visibleRows(rows: readonly RowState[], room: number): RowState[] {
  const running = rows.filter((r) => !r.result).length;
  let finishedRoom = Math.max(0, room - running);
  const keep = new Set<RowState>();
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i]!;
    if (!r.result) keep.add(r);
    else if (finishedRoom > 0) {
      keep.add(r);
      finishedRoom--;
    }
  }
  return rows.filter((r) => keep.has(r));
}

/**
 * The table as lines for a terminal `width` columns wide and at most `height` lines tall: a header,
 * then one row per device, no line wider than `width - 1` (a full line would wrap and break the
 * redraw). `paint` colours the result.
 */
export function renderTable(rows: readonly RowState[], width: number, height: number, paint?: Colors): string[] {
  if (rows.length === 0) return [];
  const room = Math.max(1, height - 2);
  let shown = visibleRows(rows, room);
  const hidden = shown.length > room ? shown.length - room + 1 : 0;
  if (hidden > 0) shown = shown.slice(0, room - 1);
  const cells = shown.map((r) => ({
    id: r.id,
    chip: r.chip ?? '',
    mac: r.mac ?? '',
    phase: r.phase,
    percent: r.percent === undefined || r.result === 'PASS' ? '' : `${r.percent}`,
    rate: rateText(r.result ? r.writeRate : r.rate),
    result: r.result === 'MOVED' ? `MOVED → ${r.movedTo}` : r.result ? [r.result, r.code].filter(Boolean).join(' ') : '',
  }));
  const widthsWith = (least: Partial<Record<Column, number>>): Record<Column, number> =>
    Object.fromEntries(COLUMNS.map((k) => [k, Math.max(HEADER[k].length, least[k] ?? 0, ...cells.map((c) => c[k].length))])) as Record<Column, number>;
  const besideId = (ws: Record<Column, number>): number => COLUMNS.reduce((sum, k) => sum + (k === 'id' ? 0 : ws[k] + 2), 0);
  // Steady columns where they fit; on a narrow terminal each column takes only what it holds.
  const steady = widthsWith(STEADY);
  const ws = MIN_ID + besideId(steady) <= width - 1 ? steady : widthsWith({});
  // Then the device column gives way, then the end of the line.
  const idWidth = Math.min(ws.id, Math.max(MIN_ID, width - 1 - besideId(ws)));
  const layout = (c: typeof HEADER): string =>
    [fit(c.id, idWidth), c.chip.padEnd(ws.chip), c.mac.padEnd(ws.mac), c.phase.padEnd(ws.phase), c.percent.padStart(ws.percent), c.rate.padStart(ws.rate), c.result].join('  ');
  const clip = (line: string): string => (line.length > width - 1 ? line.slice(0, Math.max(0, width - 2)) + '…' : line.trimEnd());
  const lines = [clip(layout(HEADER))];
  shown.forEach((r, i) => {
    const line = clip(layout(cells[i]!));
    const result = cells[i]!.result;
    // Colour only a result the clipping left whole, so no escape code is ever cut in half.
    lines.push(paint && result && line.endsWith(result) ? line.slice(0, -result.length) + { PASS: paint.green, FAIL: paint.red, MOVED: paint.yellow }[r.result!](result) : line);
  });
  if (hidden > 0) lines.push(clip(`… and ${hidden} more running`));
  return lines;
}

function rateText(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined) return '';
  const k = bytesPerSecond / 1024;
  return `${k.toFixed(k < 100 ? 1 : 0)} KiB/s`;
}

function fit(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : text.slice(0, width - 1) + '…';
}

/** One device's row in a live table; an Output given it draws into it instead of printing progress lines. */
export interface LiveRow {
  readonly events: EventSink;
  /** Prints `text` (whole lines) above the table, where it stays. */
  above(text: string): void;
  identify(facts: { chip?: string; mac?: string }): void;
  /** The job is done with the device and resets it. */
  resetting(): void;
  end(result: 'PASS' | 'FAIL', code?: string): void;
  /** The board was unplugged mid-job and is back on `to`, where a new row goes on with it. */
  moved(to: string): void;
}

/** Redraws at most this often: a terminal stays readable and a fast device does not flood it. */
const FRAME_MS = 100;

/**
 * A live table of devices at the bottom of a terminal, redrawn in place with ANSI cursor moves;
 * lines printed meanwhile go above it and stay. Closing draws the final rows and leaves them.
 */
export class LiveTable {
  private rows: RowState[] = [];
  /** The lines on the screen now. */
  private drawn: string[] = [];
  private lastDraw = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private cursorHidden = false;
  private readonly showCursor = (): void => void this.stream.write('\x1b[?25h');

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly paint?: Colors,
  ) {}

  add(id: string): LiveRow {
    let row: RowState = { id, phase: 'connect' };
    this.rows.push(row);
    const set = (next: RowState): void => {
      if (next === row) return;
      const i = this.rows.indexOf(row);
      if (i >= 0) this.rows[i] = next;
      row = next;
      this.schedule();
    };
    this.schedule();
    return {
      events: (e) => set(rowAfter(row, e, performance.now())),
      above: (text) => this.above(text),
      identify: (facts) => set({ ...row, chip: facts.chip ?? row.chip, mac: facts.mac ?? row.mac }),
      resetting: () => set({ ...row, phase: 'reset', percent: undefined }),
      end: (result, code) => set(rowEnded(row, result, code)),
      moved: (to) => set(rowMoved(row, to)),
    };
  }

  above(text: string): void {
    const lines = text.endsWith('\n') ? text : text + '\n';
    if (this.closed) this.stream.write(lines);
    else this.draw(lines);
  }

  close(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.draw();
    this.closed = true;
    if (this.cursorHidden) {
      this.showCursor();
      process.off('exit', this.showCursor);
    }
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => this.draw(), Math.max(0, this.lastDraw + FRAME_MS - performance.now()));
  }

  /** One write: back to the table's first line, clear to the end of the screen, `text`, the rows. */
  private draw(text = ''): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastDraw = performance.now();
    const lines = renderTable(this.rows, this.stream.columns || 80, this.stream.rows || 24, this.paint);
    // Finished rows that no longer fit are gone for good: the summary has them, and memory stays bounded.
    this.rows = visibleRows(this.rows, Math.max(1, (this.stream.rows || 24) - 2));
    if (!text && lines.join('\n') === this.drawn.join('\n')) return;
    // Hidden only once there is a table: a station waiting for hours for its first board keeps it.
    if (lines.length > 0 && !this.cursorHidden) {
      this.cursorHidden = true;
      this.stream.write('\x1b[?25l');
      // The cursor comes back also when the process ends before the table is closed.
      process.once('exit', this.showCursor);
    }
    const up = this.drawn.length > 0 ? `\x1b[${this.drawn.length}A` : '';
    this.stream.write(up + '\r\x1b[J' + text + lines.map((l) => l + '\n').join(''));
    this.drawn = lines;
  }
}

/** A live table when stderr is a terminal a person watches; plain tagged lines otherwise. */
export function liveTable(flags: { json?: boolean; jsonEvents?: boolean; quiet?: boolean }): LiveTable | undefined {
  const live = process.stderr.isTTY && !flags.json && !flags.jsonEvents && !flags.quiet && process.env.TERM !== 'dumb';
  return live ? new LiveTable(process.stderr, errColors) : undefined;
}
