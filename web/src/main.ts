import { hexAddr } from '../../src/core/bytes.js';
import { toAnyflashError } from '../../src/core/errors.js';
import type { AnyflashEvent } from '../../src/core/events.js';
import { deadlineIn } from '../../src/core/time.js';
import { explain } from '../../src/diagnose/explain.js';
import { eraseRange, readRange } from '../../src/engine/ops.js';
import { runWriteJob } from '../../src/engine/job.js';
import { planWrite } from '../../src/engine/plan.js';
import { Reconnector } from '../../src/engine/reconnect.js';
import type { RecoveryOptions } from '../../src/engine/recovery.js';
import { connectDevice, FAMILIES } from '../../src/families/index.js';
import type { FlashDevice } from '../../src/families/types.js';
import { simChips } from '../../src/sim/registry.js';
import type { Transport } from '../../src/transport/types.js';
import { $, el, fill, formatBytes, show } from './dom.js';
import { addressFromName, isProjectFile, parseAddress, readProject, regionsFor, type Expectation, type FileEntry } from './files.js';
import { createLink, fetchBridgePorts, type BridgePort, type LinkChoice, type OpenedLink } from './links.js';
import { MapPainter } from './paint.js';
import { chipTitle, type PageAction } from './advice.js';
import { actionContext, clearError, logEvent, ProgressView, renderDevice, renderError, renderExplain, renderMap, renderResult } from './render.js';
import { pageBackups, pageJournals } from './stores.js';
import { installBrowserStubs } from './stubs.js';
import { monitorView } from './monitor-elf.js';

installBrowserStubs();

const DEFAULT_FLASH = 4 * 1024 * 1024;

let link: OpenedLink | null = null;
let device: FlashDevice | null = null;
let job: AbortController | null = null;
let monitoring = false;
let entries: FileEntry[] = [];
let expected = new Map<string, Expectation>();
let nextId = 1;
let sifliStub: Uint8Array | undefined;
/** Set by "Retry without auto-reset": the next connect goes straight to the guided BOOT/RESET entry. */
let manualEntry = false;
/** Auto-reset attempts made and planned in the connect running now ("trying auto-reset… 2/3"). */
let attempts = { made: 0, planned: 0 };
/** Ends the monitor without ending the connection. */
let monitorStop: AbortController | null = null;
const progress = new ProgressView();
const painter = new MapPainter();

// ---- transport choice -------------------------------------------------------------------------

const radios = (): HTMLInputElement[] => [...document.querySelectorAll<HTMLInputElement>('input[name="transport"]')];

function choice(): LinkChoice {
  const kind = radios().find((r) => r.checked)?.value ?? 'demo';
  if (kind === 'web-serial') return { kind };
  if (kind === 'bridge') {
    const typed = $<HTMLInputElement>('bridge-custom').value.trim();
    return { kind, port: typed || $<HTMLSelectElement>('bridge-port').value };
  }
  return { kind: 'demo', chip: $<HTMLSelectElement>('demo-chip').value, autoReset: $<HTMLInputElement>('demo-autoreset').checked };
}

function onTransportChange(): void {
  const kind = choice().kind;
  show($('bridge-controls'), kind === 'bridge');
  show($('demo-controls'), kind === 'demo');
  showStubPicker();
}

async function loadBridgePorts(): Promise<boolean> {
  const list = await fetchBridgePorts();
  if (!list) return false;
  const select = $<HTMLSelectElement>('bridge-port');
  const option = (p: BridgePort) => {
    const facts = [p.bridge, p.board && `likely ${p.board}`, p.busyBy.length ? `busy: ${p.busyBy.join(', ')}` : ''].filter(Boolean).join(' · ');
    return el('option', { value: p.byId ?? p.path }, `${p.path}${facts ? ` — ${facts}` : ''}`);
  };
  const usb = list.ports.filter((p) => p.bus === 'usb');
  const onboard = list.ports.filter((p) => p.bus !== 'usb');
  const sims = list.sims.map((c) => el('option', { value: `sim:${c}` }, `Simulated ${c.toUpperCase()} (on the bridge)`));
  fill(
    select,
    el('optgroup', { label: usb.length ? 'USB serial ports' : 'USB serial ports (none found)' }, ...usb.map(option)),
    el('optgroup', { label: 'Simulators' }, ...sims),
    onboard.length ? el('optgroup', { label: 'On-board UARTs' }, ...onboard.map(option)) : null,
  );
  // With no USB port plugged in, a simulator is the useful default rather than an on-board UART.
  select.value = usb[0] ? (usb[0].byId ?? usb[0].path) : (list.sims[0] ? `sim:${list.sims[0]}` : '');
  return true;
}

// ---- events -------------------------------------------------------------------------------------

/** The flasher stub's upload is part of connecting, not a bar among the file's writes. */
const BARLESS = new Set(['stub', 'connect', 'baud']);

function onEvent(e: AnyflashEvent): void {
  logEvent(e);
  if ((e.type === 'start' || e.type === 'progress' || e.type === 'finish') && BARLESS.has(e.op)) return;
  switch (e.type) {
    case 'wait-for-user':
      $('connect-status').textContent = 'Auto-reset did not start the bootloader: use the buttons on the board.';
      showBootPanel(e.message);
      break;
    case 'connect-attempt':
      if (e.strategy !== 'manual' && attempts.planned > 0) {
        attempts.made = Math.min(attempts.planned, attempts.made + 1);
        $('connect-status').textContent = `Trying auto-reset… ${attempts.made}/${attempts.planned}`;
      }
      break;
    case 'connected':
      $('connect-status').textContent = '';
      show($('boot-panel'), false);
      break;
    case 'start':
      progress.start(e.op, e.total, e.region);
      break;
    case 'progress':
      progress.progress(e.op, e.done, e.total, e.region);
      break;
    case 'finish':
      progress.finish(e.op, e.seconds, e.region, e.bytes);
      break;
    case 'recover':
      progress.interrupt(e.detail);
      break;
  }
  if (painter.onEvent(e)) drawPlan();
}

/** The guided boot entry: stays up, live, until the chip answers (`connected`) or the job ends. */
function showBootPanel(message: string): void {
  const panel = $('boot-panel');
  const sim = link?.sim;
  fill(panel,
    el('h3', {}, 'Put the chip in download mode'),
    el('p', {}, message),
    el('p', { class: 'hint' }, 'Waiting for the chip to answer…'),
    sim
      ? el('div', { class: 'row' }, simButton('Hold BOOT, tap RESET, release BOOT (simulated)', () => {
          sim.control('hold-boot');
          sim.control('press-reset');
          setTimeout(() => sim.control('release-boot'), 300);
        }))
      : null,
  );
  show(panel, true);
}

function simButton(label: string, action: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', id: 'sim-boot' }, label);
  b.addEventListener('click', action);
  return b;
}

// ---- connect ------------------------------------------------------------------------------------

function refresh(): void {
  const idle = job === null;
  $<HTMLButtonElement>('connect').disabled = !idle || device !== null;
  $<HTMLButtonElement>('disconnect').disabled = !idle || (link === null && device === null);
  $<HTMLButtonElement>('cancel').disabled = idle;
  $<HTMLButtonElement>('flash').disabled = !idle || device === null || entries.length === 0;
  $<HTMLButtonElement>('read').disabled = !idle || device === null;
  $<HTMLButtonElement>('erase').disabled = !idle || device === null;
  $<HTMLButtonElement>('monitor').disabled = !idle || device === null;
  $<HTMLButtonElement>('monitor-stop').disabled = !monitoring;
  for (const r of radios()) r.disabled = link !== null;
}

/** Runs one device job: one at a time, stoppable, failures rendered like the CLI renders them. */
async function run(what: (signal: AbortSignal) => Promise<void>): Promise<void> {
  if (job) return;
  job = new AbortController();
  clearError();
  refresh();
  try {
    await what(job.signal);
  } catch (e) {
    show($('boot-panel'), false);
    renderError(toAnyflashError(e));
  } finally {
    job = null;
    refresh();
  }
}

function connectOptions(signal: AbortSignal) {
  const extra = sifliStub ? { stub: sifliStub } : link?.simExtra;
  return {
    transport: link!.transport,
    chip: $<HTMLSelectElement>('chip').value || undefined,
    baud: Number($<HTMLSelectElement>('baud').value),
    wait: $<HTMLInputElement>('guide').checked,
    events: onEvent,
    signal,
    extra,
  };
}

async function connect(signal: AbortSignal): Promise<void> {
  progress.reset();
  if (!link) {
    const opened = await createLink(choice());
    opened.transport.events = onEvent;
    await opened.transport.open();
    link = opened;
    refresh();
  }
  try {
    device = await connectGuided(signal);
  } catch (e) {
    // A chip that did not answer may be printing its firmware log: stop listening to it.
    await link.transport.close().catch(() => {});
    link = null;
    throw e;
  } finally {
    $('connect-status').textContent = '';
  }
  const info = await device.info();
  renderDevice(info, link.how);
  showStatus(`Connected: ${info.description} · ${formatBytes(info.flashSize)} flash · ${link.how}`);
  painter.reset();
  drawPlan();
}

/** Failures a press of BOOT/RESET can get past; anything else (a port, an input, a stop) is final. */
const GUIDABLE = new Set(['firmware-owns-uart', 'no-response', 'wrong-boot-mode', 'no-sync-reply', 'garbled-reply']);

/**
 * Auto-reset first, its attempts shown; when it fails and guiding is on, the family's BOOT/RESET
 * entry at once, whatever the Chip setting: the family that saw the chip (or the named one) guides.
 */
async function connectGuided(signal: AbortSignal): Promise<FlashDevice> {
  const opts = connectOptions(signal);
  const manual = manualEntry;
  manualEntry = false;
  const known = opts.chip ?? link!.transport.facts.chip;
  const guided = (family: string): Promise<FlashDevice> =>
    connectDevice({ ...opts, chip: family, wait: true, ...(FAMILIES.find((f) => f.name === family || f.chips.includes(family))?.name === 'esp' ? { before: 'no-reset', connectAttempts: 1 } : {}) });
  if (manual) return guided(known ?? 'esp');
  const perFamily = known ? 3 : 1;
  attempts = { made: 0, planned: known ? perFamily : FAMILIES.length * 2 };
  if (!opts.wait) return connectDevice({ ...opts, connectAttempts: perFamily });
  try {
    return await connectDevice({ ...opts, wait: false, connectAttempts: perFamily });
  } catch (e) {
    const err = toAnyflashError(e);
    if (!GUIDABLE.has(err.code) || signal.aborted) throw err;
    // A console or silence names no family (every family reads it alike): ESP boards are the common case.
    const family = known ?? (err.code === 'firmware-owns-uart' || err.code === 'no-response' ? undefined : err.family);
    onEvent({
      type: 'note',
      level: 'info',
      message: `Auto-reset did not start the bootloader (${err.code}): guiding BOOT/RESET by hand${family ? '' : ' for an ESP board (another chip? pick it in the Chip list and Connect again)'}.`,
    });
    return guided(family ?? 'esp');
  } finally {
    attempts = { made: 0, planned: 0 };
  }
}

function showStatus(text: string | null): void {
  $('status-strip').textContent = text ?? '';
  show($('status-strip'), text !== null);
}

async function disconnect(): Promise<void> {
  await device?.reset('hard').catch(() => {});
  await device?.disconnect().catch(() => {});
  await link?.transport.close().catch(() => {});
  device = null;
  link = null;
  show($('device'), false);
  showStatus(null);
  // Nothing of the old chip stays: its flash size, what was written to it, what it printed.
  painter.reset();
  progress.clear();
  show($('result'), false);
  $('monitor-out').textContent = '';
  drawPlan();
  refresh();
}

/** The engine's reconnect policy on this page's port (listen for boot text, then reopen, connect). */
function recoveryFor(dev: FlashDevice, signal: AbortSignal): RecoveryOptions {
  const transport = link!.transport;
  const opts = connectOptions(signal);
  const reconnector = new Reconnector(
    transport,
    dev,
    {
      open: async () => {
        await transport.open();
        return transport;
      },
      connect: (t, baud, previous) => connectDevice({ ...opts, transport: t, chip: previous.chip, baud: baud ?? opts.baud, connectAttempts: 4, wait: false }),
    },
    { events: onEvent, signal, baud: opts.baud },
  );
  return {
    reconnect: async (context) => {
      const back = await reconnector.reconnect(context);
      device = back.device;
      return back;
    },
  };
}

/** A backup the page offers as a download. */
function offerDownload(name: string, data: Uint8Array): void {
  const a = el('a', { href: URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' })), download: name }, `Download backup ${name}`);
  $('file-notes').append(' ', a);
}

// ---- files --------------------------------------------------------------------------------------

async function addFiles(files: FileList | File[]): Promise<void> {
  clearError();
  const notes: string[] = [];
  try {
    for (const file of [...files]) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (isProjectFile(file.name, bytes)) {
        const project = readProject(file.name, new TextDecoder().decode(bytes), device?.chip);
        expected = new Map([...expected, ...project.expect]);
        notes.push(project.note);
        for (const e of entries) {
          const x = expected.get(e.name);
          if (x) Object.assign(e, { address: x.address, source: x.from });
        }
        continue;
      }
      const x = expected.get(file.name);
      const fromName = addressFromName(file.name);
      const entry: FileEntry = { id: nextId++, name: file.name, bytes, address: x?.address ?? fromName, source: x ? x.from : fromName !== undefined ? 'file name' : undefined };
      entries = entries.filter((e) => e.name !== entry.name).concat(entry);
    }
  } catch (e) {
    renderError(toAnyflashError(e));
  }
  const missing = [...expected.keys()].filter((n) => !entries.some((e) => e.name === n));
  if (missing.length) notes.push(`Still to drop: ${missing.join(', ')}.`);
  $('file-notes').textContent = notes.join(' ');
  renderFiles();
}

function renderFiles(): void {
  const body = $('files').querySelector('tbody')!;
  fill(body,
    ...entries.map((e) => {
      const input = el('input', { type: 'text', 'data-file-id': String(e.id), value: e.address === undefined ? '' : hexAddr(e.address), 'aria-label': `Address of ${e.name}`, placeholder: 'from file', spellcheck: 'false' });
      input.addEventListener('change', () => {
        e.address = parseAddress(input.value);
        e.source = 'typed';
        drawPlan();
      });
      const remove = el('button', { type: 'button', 'aria-label': `Remove ${e.name}` }, 'Remove');
      remove.addEventListener('click', () => {
        entries = entries.filter((x) => x !== e);
        renderFiles();
      });
      return el('tr', {}, el('td', {}, e.name), el('td', {}, input), el('td', {}, formatBytes(e.bytes.length)), el('td', {}, remove));
    }),
  );
  show($('files'), entries.length > 0);
  painter.reset();
  drawPlan();
  refresh();
}

/** Draws the address plan; an input problem (no address, overlap) shows as the error card. */
function drawPlan(): void {
  if (entries.length === 0) {
    show($('map-figure'), false);
    show($('plan-problem'), false);
    return;
  }
  const problem = $('plan-problem');
  let badFile: string | undefined;
  try {
    const { regions } = regionsFor(entries, device?.chip, device?.family);
    const end = Math.max(...regions.map((r) => r.address + r.data.length));
    const size = device?.flashSize ?? Math.max(DEFAULT_FLASH, 2 ** Math.ceil(Math.log2(end)));
    renderMap(regions, size, painter.marks());
    show(problem, false);
  } catch (e) {
    // Shown next to the files while the plan is incomplete (e.g. an address not typed yet).
    const err = toAnyflashError(e);
    badFile = err.file;
    show($('map-figure'), false);
    problem.textContent = `${err.code}: ${err.message}${err.advice[0] ? ` ${err.advice[0]}` : ''}`;
    show(problem, true);
  }
  for (const e of entries) {
    document.querySelector(`#files input[data-file-id="${e.id}"]`)?.setAttribute('aria-invalid', String(e.name === badFile));
  }
}

async function flash(signal: AbortSignal): Promise<void> {
  const dev = device!;
  const { regions, warnings } = regionsFor(entries, dev.chip, dev.family);
  progress.reset();
  const t0 = performance.now();
  show($('result'), false);
  for (const w of warnings) onEvent({ type: 'note', level: 'warn', message: w });
  // The same job as the CLI's: another chip's image is refused, critical regions go last.
  const planned = await planWrite(dev, regions);
  const summary = await runWriteJob(dev, planned, {
    skipUnchanged: $<HTMLInputElement>('skip-unchanged').checked,
    verify: $<HTMLInputElement>('verify').checked,
    recovery: recoveryFor(dev, signal),
    events: onEvent,
    signal,
    backup: pageBackups(offerDownload),
    journal: pageJournals,
    port: link!.how,
  });
  device = summary.device;
  renderResult(summary, dev.sectorSize, (performance.now() - t0) / 1000);
}

// ---- tools --------------------------------------------------------------------------------------

function parseField(id: string, what: string): number {
  const n = parseAddress($<HTMLInputElement>(id).value);
  if (n === undefined) throw toAnyflashError(new Error(`${what} "${$<HTMLInputElement>(id).value}" is not a number (use 0x1000 or 4096).`), 'bad-number');
  return n;
}

async function readToFile(signal: AbortSignal): Promise<void> {
  const dev = device!;
  const address = parseField('read-address', 'Read address');
  const sizeText = $<HTMLInputElement>('read-size').value.trim().toLowerCase();
  const size = sizeText === 'all' || sizeText === '' ? dev.flashSize - address : parseField('read-size', 'Read size');
  progress.reset();
  const data = await readRange(dev, address, size, { events: onEvent, signal });
  const anchor = $<HTMLAnchorElement>('download');
  if (anchor.href) URL.revokeObjectURL(anchor.href);
  anchor.href = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  anchor.download = `${dev.chip}-${hexAddr(address)}-${hexAddr(size)}.bin`;
  anchor.textContent = `Download ${anchor.download} (${formatBytes(size)})`;
  show(anchor, true);
  anchor.click();
}

async function erase(signal: AbortSignal): Promise<void> {
  const dev = device!;
  const all = $<HTMLInputElement>('erase-address').value.trim().toLowerCase() === 'all';
  const address = all ? undefined : parseField('erase-address', 'Erase address');
  const size = all ? undefined : parseField('erase-size', 'Erase size');
  const what = all ? `the whole ${formatBytes(dev.flashSize)} flash` : `${formatBytes(size!)} at ${hexAddr(address!)}`;
  if (!window.confirm(`Erase ${what}? This cannot be undone.`)) return;
  progress.reset();
  await eraseRange(dev, address, size, { events: onEvent, signal });
  onEvent({ type: 'note', level: 'info', message: `Erased ${what}.` });
}

/** Resets the chip into its firmware and shows what it prints, until stopped. */
async function monitor(signal: AbortSignal): Promise<void> {
  const dev = device!;
  const transport = link!.transport;
  await dev.reset('hard');
  await dev.disconnect();
  device = null;
  show($('device'), false);
  monitoring = true;
  refresh();
  const out = $('monitor-out');
  out.textContent = '';
  const baud = Number($<HTMLSelectElement>('monitor-baud').value);
  if (transport.canSetBaud && transport.baud !== baud) await transport.setBaud(baud);
  // Crashes are decoded against a dropped ELF (the monitor's own pick, else one among the files).
  const view = await monitorView($<HTMLInputElement>('monitor-elf').files?.[0], entries, (note) => onEvent({ type: 'note', level: 'info', message: note }));
  monitorStop = new AbortController();
  const stop = AbortSignal.any([signal, monitorStop.signal]);
  showStatus(`Monitoring at ${baud} baud · ${link!.how}`);
  try {
    while (!stop.aborted) {
      const data = await transport.read({ deadline: deadlineIn(250), signal: stop }).catch((e: unknown) => {
        if (stop.aborted) return new Uint8Array(0);
        throw e;
      });
      const text = data.length === 0 ? view.idle() : view.push(data);
      if (!text) continue;
      out.textContent = ((out.textContent ?? '') + text).slice(-100_000);
      out.scrollTop = out.scrollHeight;
    }
  } finally {
    monitoring = false;
    monitorStop = null;
  }
  // "Stop monitor" ends the monitor, not the connection: the chip goes back to its bootloader.
  if (!signal.aborted) await connect(signal);
}

// ---- wiring -------------------------------------------------------------------------------------

/** The SiFli stub file matters only for an SF32 on a real port: simulators and other chips need none. */
function showStubPicker(): void {
  const c = choice();
  const named = `${$<HTMLSelectElement>('chip').value} ${c.kind === 'bridge' ? c.port : ''} ${device?.family ?? ''}`.toLowerCase();
  const sim = c.kind === 'demo' || (c.kind === 'bridge' && c.port.startsWith('sim:'));
  show($('sifli-stub-row'), /sf32|sifli/.test(named) && !sim);
}

/** A button under an error or an explanation: pick the chip it names, or connect with BOOT/RESET by hand. */
function onAction(a: PageAction): void {
  if (a.kind === 'pick-chip') {
    $<HTMLSelectElement>('chip').value = a.chip;
    showStubPicker();
    onEvent({ type: 'note', level: 'info', message: `Chip set to ${chipTitle(a.chip)}.` });
    clearError();
    $('chip').focus();
    return;
  }
  $<HTMLInputElement>('guide').checked = true;
  manualEntry = true;
  clearError();
  if (device === null) void run(connect);
}

function fillSelects(): void {
  const chip = $<HTMLSelectElement>('chip');
  for (const f of FAMILIES) {
    chip.append(el('optgroup', { label: f.name.toUpperCase() }, el('option', { value: f.name }, `any ${f.name.toUpperCase()}`), ...f.chips.map((c) => el('option', { value: c }, c))));
  }
  fill($<HTMLSelectElement>('demo-chip'), ...simChips().map((c) => el('option', { value: c }, c)));
}

async function init(): Promise<void> {
  fillSelects();
  const hasWebSerial = 'serial' in navigator;
  const bridge = await loadBridgePorts();
  show($('opt-webserial'), hasWebSerial);
  show($('opt-bridge'), bridge);
  show($('station-link'), bridge);
  const preferred = bridge ? 'bridge' : hasWebSerial ? 'web-serial' : 'demo';
  for (const r of radios()) {
    r.checked = r.value === preferred;
    r.addEventListener('change', onTransportChange);
  }
  onTransportChange();
  showStubPicker();
  document.body.dataset.mode = preferred;

  $('connect').addEventListener('click', () => void run(connect));
  $('disconnect').addEventListener('click', () => {
    job?.abort();
    void disconnect();
  });
  $('cancel').addEventListener('click', () => job?.abort(toAnyflashError(new Error('Stopped by the user.'), 'aborted')));
  $('bridge-refresh').addEventListener('click', () => void loadBridgePorts());
  $('flash').addEventListener('click', () => void run(flash));
  $('read').addEventListener('click', () => void run(readToFile));
  $('erase').addEventListener('click', () => void run(erase));
  $('monitor').addEventListener('click', () => void run(monitor));
  $('monitor-stop').addEventListener('click', () => monitorStop?.abort());
  $('explain').addEventListener('click', () => renderExplain(explain($<HTMLTextAreaElement>('explain-text').value)));
  $('chip').addEventListener('change', showStubPicker);
  $('bridge-custom').addEventListener('input', showStubPicker);
  $('bridge-port').addEventListener('change', showStubPicker);
  actionContext.chips = FAMILIES.flatMap((f) => f.chips);
  actionContext.run = onAction;
  $<HTMLInputElement>('sifli-stub').addEventListener('change', async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    sifliStub = file ? new Uint8Array(await file.arrayBuffer()) : undefined;
  });

  const drop = $('drop');
  const input = $<HTMLInputElement>('file-input');
  drop.addEventListener('click', () => input.click());
  drop.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      input.click();
    }
  });
  input.addEventListener('change', () => {
    if (input.files) void addFiles(input.files);
    input.value = '';
  });
  drop.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    if (ev.dataTransfer?.files) void addFiles(ev.dataTransfer.files);
  });
  refresh();
  document.body.dataset.ready = 'true';
}

void init();
