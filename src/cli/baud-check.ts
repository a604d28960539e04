import { AnyflashError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import { parseNumber } from '../engine/parse.js';
import { BAUD_LIMITS, STANDARD_BAUDS } from '../families/baud-limits.js';
import { familiesFor } from '../families/index.js';

/**
 * `--baud` before anything touches the device: refused outside what the named chip's family (or,
 * while detecting, any family) can run at; a warning for a rate off the standard list.
 */
export function checkBaud(text: string | undefined, chip: string | undefined, events: EventSink): void {
  if (!text) return;
  const baud = parseNumber(text, '--baud');
  const families = familiesFor(chip);
  const min = Math.min(...families.map((f) => BAUD_LIMITS[f.name].min));
  const max = Math.max(...families.map((f) => BAUD_LIMITS[f.name].max));
  const who = families.length === 1 ? `the ${families[0]!.title} download protocol` : 'any supported chip';
  if (baud < min || baud > max) {
    throw new AnyflashError('bad-input', `--baud ${baud} is ${baud < min ? 'slower' : 'faster'} than ${who} can run (${min}–${max} baud).`, {
      advice: [`Use a standard rate within ${min}–${max}, e.g. 115200, 460800 or 921600${max >= 2_000_000 ? ' (2000000 and more need a good USB-serial adapter)' : ''}.`],
    });
  }
  if (!STANDARD_BAUDS.includes(baud)) {
    const nearest = STANDARD_BAUDS.reduce((a, b) => (Math.abs(b - baud) < Math.abs(a - baud) ? b : a));
    events({
      type: 'note',
      level: 'warn',
      code: 'unusual-baud',
      message: `--baud ${baud} is not a standard rate: many USB-serial adapters cannot make it exactly, and the link may fail (nearest standard rate: ${nearest}).`,
    });
  }
}
