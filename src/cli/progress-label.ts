/**
 * A file name that fits `room` columns of a progress line: the base name, and when even that is
 * too long, its start and its extension around an ellipsis, so the terminal never cuts it off.
 */
export function fitName(name: string, room: number): string {
  const base = name.split(/[\\/]/).pop() || name;
  if (base.length <= room) return base;
  const ext = /\.[A-Za-z0-9]{1,5}$/.exec(base)?.[0] ?? '';
  const keep = room - 1 - ext.length;
  if (keep < 3) return room >= 1 ? '…' : '';
  return base.slice(0, keep) + '…' + ext;
}

/** Columns of a bar line besides the bar, the name and the byte counts: op, percentage, rate, ETA. */
const CORE_WIDTH = 8 + 1 + 4 + 3 + 13 + 7 + 6 + 1;

/**
 * How a bar line fits a terminal `columns` wide: the byte counts only where the name still fits
 * beside them, the bar shrinking (down to 10 cells) before the name does.
 */
export function barLayout(columns: number, total: number, name: string): { barsize: number; label: string; bytes: boolean } {
  const base = name.split(/[\\/]/).pop() || name;
  const bytesWidth = 2 * String(total).length + 6;
  const bytes = columns - 1 - CORE_WIDTH - bytesWidth - 10 >= base.length;
  const fixed = CORE_WIDTH + (bytes ? bytesWidth : 0);
  const barsize = Math.max(10, Math.min(40, columns - 1 - fixed - base.length));
  return { barsize, bytes, label: fitName(name, Math.max(0, columns - 1 - fixed - barsize)) };
}

/** What a finished operation did, for a line of its own. */
export function finishedText(op: string, region: string, seconds: number): string {
  const s = `${seconds.toFixed(2)} s`;
  if (op === 'stub') return `Flasher stub uploaded and running (${s}).`;
  return `${op} ${region ? region + ' ' : ''}done in ${s}`;
}
