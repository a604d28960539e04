import { AnyflashError } from '../core/errors.js';

/** Parses `0x1000`, `4096`, `0b1…`, `0o7…`; rejects anything else with a clear message. */
export function parseNumber(text: string, what: string): number {
  const t = text.trim();
  if (!/^(0x[0-9a-f]+|0b[01]+|0o[0-7]+|\d+)$/i.test(t)) {
    throw new AnyflashError('bad-number', `${what}: "${text}" is not a number (use decimal or 0x… hex).`);
  }
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new AnyflashError('bad-number', `${what}: "${text}" is too large.`);
  return n;
}

/** Parses sizes with optional K/M suffixes (`4M`, `64K`, `0x1000`) or `all`. */
export function parseSize(text: string, what: string): number {
  const m = /^\s*(0x[0-9a-f]+|\d+)\s*([kKmM])?(i?B)?\s*$/.exec(text);
  if (!m) throw new AnyflashError('bad-number', `${what}: "${text}" is not a size (e.g. 4096, 0x1000, 64K, 4M).`);
  const base = parseNumber(m[1]!, what);
  const mult = m[2] ? (m[2].toLowerCase() === 'k' ? 1024 : 1024 * 1024) : 1;
  return base * mult;
}
