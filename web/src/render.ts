import { hexAddr } from '../../src/core/bytes.js';
import type { AnyflashError } from '../../src/core/errors.js';
import type { AnyflashEvent, RegionRef } from '../../src/core/events.js';
import type { ExplainResult } from '../../src/diagnose/explain.js';
import { describeRecoveries } from '../../src/engine/recovery.js';
import type { Region } from '../../src/engine/regions.js';
import type { WriteSummary } from '../../src/engine/write.js';
import type { DeviceInfo } from '../../src/families/types.js';
import { actionLabel, actionsFor, webWords, withCode, type PageAction } from './advice.js';
import { $, el, fill, formatBytes, formatSeconds, show } from './dom.js';
import type { MapMark } from './paint.js';

/** Chips the page's Chip list offers, and what a page action does (set by main). */
export const actionContext: { chips: string[]; run: (a: PageAction) => void } = { chips: [], run: () => {} };

function actionButtons(code: string, advice: readonly string[], seenChip?: string): HTMLElement | null {
  const actions = actionsFor(code, advice, actionContext.chips, seenChip);
  if (actions.length === 0) return null;
  return el('div', { class: 'actions' }, ...actions.map((a) => {
    const b = el('button', { type: 'button', 'data-action': a.kind }, actionLabel(a));
    b.addEventListener('click', () => actionContext.run(a));
    return b;
  }));
}

/** The CLI's code, summary and evidence, with advice in the page's words and buttons for its steps. */
export function renderError(e: AnyflashError): void {
  const box = $('error');
  const json = e.toJSON() as { code: string; summary: string; advice: string[]; evidence: string[] };
  fill(box,
    el('h2', {}, el('span', { class: 'code-tag', 'data-code': json.code }, json.code), json.summary),
    json.advice.length ? el('p', {}, el('strong', {}, 'What to do: ')) : null,
    json.advice.length ? el('ol', { class: 'advice' }, ...json.advice.map((a) => el('li', {}, ...withCode(webWords(a))))) : null,
    actionButtons(json.code, json.advice),
    json.evidence.length
      ? el('details', {}, el('summary', {}, 'Evidence'), el('ul', {}, ...json.evidence.map((x) => el('li', { class: 'mono' }, x))))
      : null,
  );
  show(box, true);
  box.focus();
}

export function clearError(): void {
  show($('error'), false);
}

export function renderDevice(info: DeviceInfo, how: string): void {
  const rows: Array<[string, string | undefined]> = [
    ['Family', info.family.toUpperCase()],
    ['Chip', info.revision && !info.description.includes(info.revision) ? `${info.description} (rev ${info.revision})` : info.description],
    ['Flash', formatBytes(info.flashSize)],
    ['MAC', info.mac],
    ['Connected', `${info.strategy}, ${info.baud} baud, ${info.mode}`],
    ['Via', how],
  ];
  fill($('device'), ...rows.filter(([, v]) => v).flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-field': k.toLowerCase() }, v!)]));
  show($('device'), true);
}

export function renderMap(regions: readonly Region[], flashSize: number, marks: readonly MapMark[]): void {
  const map = $('flash-map');
  const pct = (n: number): string => `${Math.min(100, (n / flashSize) * 100)}%`;
  const box = (r: { address: number; size: number }, cls: string, title: string): HTMLElement => {
    const d = el('div', { class: `region ${cls}`, title });
    d.style.left = pct(r.address);
    d.style.width = pct(r.size);
    return d;
  };
  fill(map,
    ...regions.map((r) => box({ address: r.address, size: r.data.length }, 'planned', `${r.name}: ${hexAddr(r.address)} + ${formatBytes(r.data.length)}`)),
    ...marks.map((m) => box(m, m.state, `${m.state}: ${hexAddr(m.address)} + ${formatBytes(m.size)}`)),
  );
  map.setAttribute(
    'aria-label',
    `Flash of ${formatBytes(flashSize)}: ` + regions.map((r) => `${r.name} at ${hexAddr(r.address)}, ${formatBytes(r.data.length)}`).join('; '),
  );
  const unchanged = marks.filter((m) => m.state === 'unchanged').reduce((n, m) => n + m.size, 0);
  const written = marks.filter((m) => m.state === 'written').reduce((n, m) => n + m.size, 0);
  fill($('map-legend'),
    el('li', {}, el('span', { class: 'swatch' }), `to write (flash is ${formatBytes(flashSize)})`),
    written ? el('li', { class: 'written' }, el('span', { class: 'swatch' }), `written ${formatBytes(written)}`) : null,
    unchanged ? el('li', { class: 'unchanged', 'data-unchanged': String(unchanged) }, el('span', { class: 'swatch' }), `unchanged, skipped ${formatBytes(unchanged)}`) : null,
  );
  show($('map-figure'), regions.length > 0);
}

interface Row {
  item: HTMLElement;
  bar: HTMLProgressElement;
  info: HTMLElement;
  started: number;
}

/** Per-operation progress bars with rate and time left. */
export class ProgressView {
  private rows = new Map<string, Row>();

  reset(): void {
    this.rows.clear();
    fill($('progress'));
    fill($('event-log'));
    show($('progress-section'), true);
  }

  /** Empties and hides the section (after a disconnect). */
  clear(): void {
    this.reset();
    show($('progress-section'), false);
  }

  private key(op: string, region?: RegionRef): string {
    return `${op}:${region?.address ?? ''}:${region?.name ?? ''}`;
  }

  start(op: string, total: number, region?: RegionRef): void {
    this.rows.get(this.key(op, region))?.item.remove();
    const title = `${op} ${region?.name ?? ''} ${region ? `@ ${hexAddr(region.address)}` : ''}`.trim();
    const bar = el('progress', { max: String(Math.max(1, total)), value: '0', 'aria-label': title });
    const info = el('span', { class: 'rate' }, '');
    const item = el('div', { class: 'item', 'data-op': op }, el('div', { class: 'label' }, el('span', {}, title), info), bar);
    $('progress').append(item);
    this.rows.set(this.key(op, region), { bar, info, item, started: performance.now() });
  }

  progress(op: string, done: number, total: number, region?: RegionRef): void {
    const row = this.rows.get(this.key(op, region));
    if (!row) return;
    row.bar.max = Math.max(1, total);
    row.bar.value = done;
    const seconds = (performance.now() - row.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? (total - done) / rate : 0;
    row.info.textContent = `${Math.floor((done / Math.max(1, total)) * 100)}% · ${formatBytes(Math.round(rate))}/s · ${formatSeconds(eta)} left`;
  }

  /** A recovery cut the running operations short; they are done again as new rows. */
  interrupt(why: string): void {
    for (const [key, row] of this.rows) {
      if (row.bar.value >= row.bar.max) continue;
      row.info.textContent = `interrupted at ${Math.floor((row.bar.value / row.bar.max) * 100)}% — ${why}`;
      this.rows.delete(key);
    }
  }

  /** Times are this page's own clock from the bar's start: what the person waited, bridge round trips included. */
  finish(op: string, _engineSeconds: number, region?: RegionRef, bytes?: number): void {
    const row = this.rows.get(this.key(op, region));
    if (!row) return;
    const seconds = (performance.now() - row.started) / 1000;
    row.bar.value = row.bar.max;
    const rate = bytes && seconds > 0 ? ` · ${formatBytes(Math.round(bytes / seconds))}/s` : '';
    row.info.textContent = `done in ${formatSeconds(seconds)}${rate}`;
  }
}

/** One line per event a person wants to see; progress ticks go to the bars instead. */
export function logEvent(e: AnyflashEvent): void {
  let text: string | undefined;
  let cls = e.type;
  switch (e.type) {
    case 'note':
      text = e.message;
      cls = e.level === 'warn' ? 'retry' : 'note';
      break;
    case 'connect-attempt':
      text = `Connect attempt ${e.attempt} (${e.strategy})`;
      break;
    case 'connected':
      text = `Connected to ${e.chip} (${e.family}) via ${e.strategy} at ${e.baud} baud`;
      break;
    case 'skip':
      if (e.region.size > 0) text = `Skipped ${e.region.name ?? ''} ${hexAddr(e.region.address)} + ${formatBytes(e.region.size)}: ${e.reason}`;
      break;
    case 'retry':
      text = `Retry ${e.op} #${e.attempt}: ${e.cause}${e.address !== undefined ? ` at ${hexAddr(e.address)}` : ''}`;
      break;
    case 'recover':
      text = `Recovered (${e.what}): ${e.detail}`;
      break;
    case 'wait-for-user':
      text = e.message;
      break;
    case 'finish':
      if (e.op !== 'compare') text = `${e.op} ${e.region?.name ?? ''} done in ${formatSeconds(e.seconds)}`;
      break;
  }
  if (!text) return;
  const log = $('event-log');
  log.append(el('li', { class: cls }, text));
  while (log.childElementCount > 200) log.firstElementChild?.remove();
  log.scrollTop = log.scrollHeight;
}

/** What happened, in a few words: nothing to do, written without a check, or written and checked. */
export function resultTitle(summary: WriteSummary): string {
  const r = summary.recoveries;
  const recoveries = r ? r.linkLosses + r.reboots + r.garbled + r.silences : 0;
  if (summary.writtenBytes === 0 && recoveries === 0) return 'Already up to date';
  const verified = summary.regions.length > 0 && summary.regions.every((x) => x.verified);
  const base = verified ? 'Flashed and verified' : 'Flashed (not verified)';
  return recoveries ? `${base} after ${recoveries} ${recoveries === 1 ? 'recovery' : 'recoveries'}` : base;
}

/** `seconds`: the wall time the person waited for the job, measured by the page. */
export function renderResult(summary: WriteSummary, sectorSize: number, seconds = summary.seconds): void {
  const recovered = summary.recoveries ? describeRecoveries(summary.recoveries, sectorSize) : undefined;
  const box = $('result');
  fill(box,
    el('h2', {}, resultTitle(summary)),
    el(
      'p',
      { 'data-summary': '' },
      `${formatBytes(summary.writtenBytes)} written, ${formatBytes(summary.skippedBytes)} unchanged and skipped, in ${formatSeconds(seconds)}.`,
    ),
    recovered ? el('p', { class: 'recovered' }, `Recovery: ${recovered}.`) : null,
    summary.damaged
      ? el(
          'p',
          { class: 'warn' },
          `A command damaged on the line may have changed ${summary.damaged.map((r) => `${hexAddr(r.start)}–${hexAddr(r.end)}`).join(', ')}, outside the files; restore it from a backup.`,
        )
      : null,
    // Scrolls sideways on a narrow screen instead of the page; focusable so keys can scroll it too.
    el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Regions written' }, el(
      'table',
      { class: 'files' },
      el('caption', { class: 'sr-only' }, 'Regions written'),
      el('thead', {}, el('tr', {}, ...['Region', 'Address', 'Written', 'Skipped', 'Verified'].map((h) => el('th', { scope: 'col' }, h)))),
      el(
        'tbody',
        {},
        ...summary.regions.map((r) =>
          el(
            'tr',
            {},
            el('td', {}, r.name),
            el('td', { class: 'mono' }, hexAddr(r.address)),
            el('td', {}, formatBytes(r.writtenBytes)),
            el('td', {}, formatBytes(r.skippedBytes)),
            el('td', {}, r.verified ? 'yes' : 'no'),
          ),
        ),
      ),
    )),
  );
  show(box, true);
}

export function renderExplain(result: ExplainResult): void {
  const out = $('explain-out');
  fill(out,
    el('p', { 'data-summary': '' }, el('strong', {}, ...withCode(webWords(result.summary)))),
    el('p', { class: 'hint' }, `Written by ${result.tool}${result.version ? ` ${result.version}` : ''}${result.wrapper ? ` via ${result.wrapper}` : ''}${result.chip ? ` for ${result.chip}` : ''}${result.step ? `; stopped at: ${result.step}` : ''}.`),
    result.undecided ? el('p', { 'data-undecided': '' }, ...withCode(webWords(result.undecided.text))) : null,
    ...result.causes.map((c) =>
      el(
        'div',
        { class: 'cause panel' },
        el('h3', {}, el('span', { class: 'code-tag', 'data-code': c.code }, c.code), `${Math.round(c.confidence * 100)}% likely`),
        el('ol', {}, ...c.advice.map((a) => el('li', {}, ...withCode(webWords(a))))),
        actionButtons(c.code, c.advice, result.chip),
        c.evidence.length ? el('details', {}, el('summary', {}, 'Evidence'), el('ul', {}, ...c.evidence.map((x) => el('li', { class: 'mono' }, x)))) : null,
      ),
    ),
    ...result.notes.map((n) => el('p', { class: 'hint' }, ...withCode(n))),
    result.suggestion ? el('p', { class: 'hint' }, 'On the command line, anyflash would run: ', el('code', {}, result.suggestion)) : null,
  );
}
