import { el, type Child } from './dom.js';

/** What a button under an error or an explanation does on this page. */
export type PageAction = { kind: 'pick-chip'; chip: string } | { kind: 'manual-entry' };

/**
 * The library's advice speaks to a terminal (`--chip`, `--before no-reset`, "run again"); the page
 * has a Chip list, a Connect button and a guided entry instead. Rewrites are phrase by phrase so
 * advice the page has no words for stays as the library wrote it.
 */
const REWRITES: Array<[RegExp, string]> = [
  [/\(?(?:enter download mode by hand and )?(?:run (?:again )?with|use|then run again with) `?--before no-reset(?:-no-sync)?`?\)?/gi, 'then press "Retry without auto-reset"'],
  [/`?--before no-reset(?:-no-sync)?`?/gi, '"Retry without auto-reset"'],
  [/\b(?:give|pass|use) `?--chip`?(?= to\b)/gi, 'pick the chip in the Chip list'],
  [/leave `?--chip`? out/gi, 'set Chip to "detect"'],
  [/`?--chip ([a-z0-9]+)`?(?=[ ,.;)]|$)/gi, 'Chip: $1'],
  [/\bor `?--chip`?\b/gi, 'or the Chip list'],
  [/check `?--chip`?/gi, 'check the Chip setting'],
  [/`?--baud (\d+)`?/gi, 'Working baud $1'],
  [/run again in a terminal and/gi, 'Press Connect again and'],
  [/run (?:anyflash )?again/gi, 'press Connect again'],
  [/\(anyflash list\)/gi, '(the Port list)'],
  [/`?--chip`?/gi, 'the Chip setting'],
];

export function webWords(text: string): string {
  let out = text;
  for (const [from, to] of REWRITES) out = out.replace(from, to);
  return out.replace(/^[a-z]/, (c) => c.toUpperCase());
}

/** Text with `code` spans as code elements instead of raw backticks. */
export function withCode(text: string): Child[] {
  return text.split(/`([^`]+)`/).map((part, i) => (i % 2 ? el('code', {}, part) : part));
}

/** Codes a manual BOOT/RESET entry can get past. */
const MANUAL_HELPS = new Set(['firmware-owns-uart', 'no-response', 'wrong-boot-mode', 'no-sync-reply', 'auto-reset-failed', 'garbled-reply']);

/** Buttons the page offers for a failure: the chip its advice names, a connect without auto-reset. */
export function actionsFor(code: string, advice: readonly string[], knownChips: readonly string[], seenChip?: string): PageAction[] {
  const actions: PageAction[] = [];
  const chips = new Set<string>();
  // The chip a log or a failure saw is the one to pick when the chip name was the problem.
  if (seenChip && /chip/.test(code) && knownChips.includes(seenChip.toLowerCase())) chips.add(seenChip.toLowerCase());
  for (const a of advice) for (const m of a.matchAll(/--chip[ =`]+([a-z0-9]+)/gi)) if (knownChips.includes(m[1]!.toLowerCase())) chips.add(m[1]!.toLowerCase());
  for (const chip of chips) actions.push({ kind: 'pick-chip', chip });
  if (MANUAL_HELPS.has(code) || advice.some((a) => /no-reset|by hand/i.test(a))) actions.push({ kind: 'manual-entry' });
  return actions;
}

export function actionLabel(a: PageAction): string {
  return a.kind === 'pick-chip' ? `Pick chip: ${chipTitle(a.chip)}` : 'Retry without auto-reset';
}

/** `esp32c3` → `ESP32-C3`, `bk7231n` → `BK7231N`, `sf32lb52` → `SF32LB52`. */
export function chipTitle(chip: string): string {
  const up = chip.toUpperCase();
  const m = /^(ESP32)([A-Z]\d+)$/.exec(up);
  return m ? `${m[1]}-${m[2]}` : up;
}
