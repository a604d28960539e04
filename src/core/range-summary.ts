import { hexAddr } from './bytes.js';

export interface ByteRange {
  start: number;
  end: number;
}

/** Ranges shown at each end of a long list before the rest is counted instead of listed. */
const SHOWN_AT_EACH_END = 3;

function formatRange(r: ByteRange): string {
  return `${hexAddr(r.start)}..${hexAddr(r.end)}`;
}

/**
 * Differing ranges as a person reads them: the count and bytes, then the first and last few;
 * `all` lists every one. `hint` follows a shortened list (where the full one is).
 */
export function summariseRanges(ranges: readonly ByteRange[], all = false, hint = ''): string {
  const bytes = ranges.reduce((n, r) => n + (r.end - r.start), 0);
  const head = `${ranges.length} range${ranges.length === 1 ? '' : 's'}, ${bytes} byte${bytes === 1 ? '' : 's'}`;
  if (all || ranges.length <= SHOWN_AT_EACH_END * 2 + 1) return `${head}: ${ranges.map(formatRange).join(', ')}`;
  const first = ranges.slice(0, SHOWN_AT_EACH_END).map(formatRange);
  const last = ranges.slice(-SHOWN_AT_EACH_END).map(formatRange);
  const hidden = ranges.length - SHOWN_AT_EACH_END * 2;
  return `${head}: ${first.join(', ')}, … ${hidden} more …, ${last.join(', ')}${hint ? ` ${hint}` : ''}`;
}
