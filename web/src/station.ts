/**
 * The station view: the page picks the images and the ports, `anyflash ui` runs the command line's
 * station on them (same engine, same record) and streams each device's progress back.
 */
import type { DeviceRecord } from '../../src/engine/record.js';
import type { StationMessage, StationRow, StationStart, StationState } from '../../src/web-bridge/station-wire.js';
import { $, el, fill, formatBytes, show } from './dom.js';
import { addressFromName } from './files.js';

interface Picked {
  file: File;
  address: HTMLInputElement;
}

/** The access token `anyflash ui` put in the page address when it listens beyond loopback. */
const token = new URLSearchParams(location.search).get('token');
const api = (path: string): string => `./api/station${path}${token ? `?token=${encodeURIComponent(token)}` : ''}`;

let picked: Picked[] = [];
let running = false;
const rows = new Map<number, HTMLTableRowElement>();

function status(text: string): void {
  $('station-status').textContent = text;
}

function source(): 'hub' | 'ports' {
  return document.querySelector<HTMLInputElement>('input[name="source"]:checked')?.value === 'hub' ? 'hub' : 'ports';
}

/** The port pattern applies to the machine's ports only. */
function onSource(): void {
  $<HTMLInputElement>('station-ports').disabled = source() === 'hub';
}

function setRunning(now: boolean): void {
  running = now;
  $<HTMLButtonElement>('station-start').disabled = now || picked.length === 0;
  $<HTMLButtonElement>('station-stop').disabled = !now;
}

function onFiles(files: FileList | null): void {
  picked = [...(files ?? [])].map((file) => {
    const guess = addressFromName(file.name);
    const address = el('input', {
      type: 'text',
      spellcheck: 'false',
      'aria-label': `Address of ${file.name}`,
      placeholder: 'from the file',
      value: guess === undefined ? '' : `0x${guess.toString(16)}`,
    });
    return { file, address };
  });
  const table = $<HTMLTableElement>('station-images');
  fill(table.tBodies[0]!, ...picked.map((p) => el('tr', {}, el('td', {}, p.file.name), el('td', {}, p.address), el('td', {}, formatBytes(p.file.size)))));
  show(table, picked.length > 0);
  setRunning(running);
}

async function base64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(api(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await res.json().catch(() => ({}))) as { ok?: boolean; error?: { code: string; message: string } };
  if (!res.ok || !answer.ok) throw new Error(answer.error ? `${answer.error.code}: ${answer.error.message}` : `HTTP ${res.status}`);
}

async function start(): Promise<void> {
  const request: StationStart = {
    images: await Promise.all(picked.map(async (p) => ({ name: p.file.name, address: p.address.value.trim() || undefined, data: await base64(p.file) }))),
    source: source(),
    ports: $<HTMLInputElement>('station-ports').value.trim() || undefined,
    verify: $<HTMLInputElement>('station-verify').checked,
    skip: $<HTMLInputElement>('station-skip').checked,
  };
  status('Starting…');
  $<HTMLButtonElement>('station-start').disabled = true;
  try {
    await post('/start', request);
  } catch (e) {
    status(`Not started: ${(e as Error).message}`);
    setRunning(false);
  }
}

async function stop(): Promise<void> {
  status('Stopping…');
  await post('/stop', {}).catch((e: Error) => status(`Stop failed: ${e.message}`));
}

function rowCells(r: StationRow): HTMLElement[] {
  const result = r.result ? r.result.toUpperCase() : '';
  return [
    el('td', {}, r.port),
    el('td', { class: 'chip' }, r.chip ?? ''),
    el('td', { class: 'mac' }, r.mac ?? ''),
    el('td', { class: 'phase' }, r.phase),
    el('td', { class: 'percent' }, el('progress', { max: '100', value: String(r.percent), 'aria-label': `Progress on ${r.port}` }), ` ${r.percent} %`),
    el('td', { class: 'result', 'data-result': r.result ?? '', title: r.error ?? '' }, result, r.movedTo ? ` → ${r.movedTo}` : r.errorCode ? ` (${r.errorCode}: ${r.error ?? ''})` : ''),
  ];
}

function showRow(r: StationRow): void {
  let tr = rows.get(r.id);
  if (!tr) {
    tr = el('tr', { 'data-id': String(r.id) });
    rows.set(r.id, tr);
    $<HTMLTableElement>('station-rows').tBodies[0]!.append(tr);
  }
  tr.dataset.phase = r.phase;
  fill(tr, ...rowCells(r));
}

function showRecord(r: DeviceRecord): void {
  $<HTMLTableElement>('station-records').tBodies[0]!.append(
    el(
      'tr',
      { 'data-result': r.result },
      el('td', {}, new Date(r.time).toLocaleTimeString()),
      el('td', {}, r.port),
      el('td', {}, r.chip ?? ''),
      el('td', {}, r.mac ?? ''),
      el('td', {}, r.result.toUpperCase(), r.resumed ? ' (resumed after a replug)' : ''),
      el('td', {}, r.seconds.toFixed(1)),
      el('td', { class: 'images' }, r.images.map((i) => `${i.name} ${i.sha256.slice(0, 12)}…`).join(', ')),
    ),
  );
}

function showState(s: StationState): void {
  $('record-path').textContent = s.record;
  $('hub-spec').textContent = s.hub ?? '';
  show($('source-hub-label'), s.hub !== undefined);
  rows.clear();
  fill($<HTMLTableElement>('station-rows').tBodies[0]!);
  fill($<HTMLTableElement>('station-records').tBodies[0]!);
  for (const r of s.rows) showRow(r);
  for (const r of s.records) showRecord(r);
  onRunning(s.running, s.error);
}

function onRunning(now: boolean, error?: { code: string; message: string }): void {
  if (now) {
    status('Running: plug devices in; each is flashed as it appears.');
  } else if (running || error) {
    const records = $<HTMLTableElement>('station-records').tBodies[0]!.rows;
    const passed = [...records].filter((r) => r.dataset.result === 'pass').length;
    status(error ? `Stopped: ${error.code}: ${error.message}` : `Station stopped: ${passed} of ${records.length} devices passed.`);
  }
  setRunning(now);
}

function onMessage(m: StationMessage): void {
  if (m.type === 'state') showState(m.state);
  else if (m.type === 'row') showRow(m.row);
  else if (m.type === 'record') showRecord(m.record);
  else onRunning(m.running, m.error);
}

function init(): void {
  $<HTMLInputElement>('station-files').addEventListener('change', (e) => onFiles((e.target as HTMLInputElement).files));
  $('station-start').addEventListener('click', () => void start());
  $('station-stop').addEventListener('click', () => void stop());
  const events = new EventSource(api('/events'));
  let first = true;
  events.onmessage = (e: MessageEvent<string>) => {
    const message = JSON.parse(e.data) as StationMessage;
    onMessage(message);
    if (first && message.type === 'state') {
      first = false;
      // The hub, when there is one, is the way to try the station without hardware.
      const preferred = message.state.hub ? 'hub' : 'ports';
      for (const r of document.querySelectorAll<HTMLInputElement>('input[name="source"]')) {
        r.checked = r.value === preferred;
        r.addEventListener('change', onSource);
      }
      onSource();
      document.body.dataset.ready = 'true';
    }
  };
  events.onerror = () => status('Lost the connection to anyflash ui; retrying…');
  if (token) $<HTMLAnchorElement>('flasher-link').href = `./?token=${encodeURIComponent(token)}`;
}

init();
