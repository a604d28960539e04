import { toAnyflashError, type AnyflashError } from '../../src/core/errors.js';
import type { AnyflashEvent } from '../../src/core/events.js';
import { runWriteJob } from '../../src/engine/job.js';
import { planWrite } from '../../src/engine/plan.js';
import { Reconnector } from '../../src/engine/reconnect.js';
import { connectDevice } from '../../src/families/index.js';
import type { FlashDevice } from '../../src/families/types.js';
import { chipTitle, webWords } from './advice.js';
import { formatBytes } from './dom.js';
import { regionsFor } from './files.js';
import { createLink, type LinkChoice, type OpenedLink } from './links.js';
import { resultTitle } from './render.js';
import { pageBackups, pageJournals } from './stores.js';
import { installBrowserStubs } from './stubs.js';

/**
 * `<anyflash-install-button manifest="manifest.json">`: the ESP Web Tools install button, with
 * anyflash's skip-unchanged, recovery and diagnosis. The manifest is ESP Web Tools' own format
 * (builds per `chipFamily`, parts with `path` and `offset`). The port is Web Serial; a page may
 * instead name a port of the `anyflash ui` that serves it (`port="sim:esp32"`), or an in-page
 * simulated chip (`demo="esp32c3"`) to show the flow without hardware.
 */
interface Manifest {
  name?: string;
  version?: string;
  builds?: Array<{ chipFamily?: string; parts?: Array<{ path?: string; offset?: number | string }> }>;
}

const chipKey = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

const STYLE = `
:host { display: inline-block; }
button { font: inherit; padding: 0.5rem 1.2rem; border-radius: 4px; border: 1px solid #0b5cad; background: #0b5cad; color: #fff; cursor: pointer; }
button:disabled { opacity: 0.5; cursor: not-allowed; }
button:focus-visible { outline: 3px solid #f0a000; outline-offset: 2px; }
.box { margin-top: 0.5rem; max-width: 32rem; font: inherit; }
progress { width: 100%; }
.code { font-family: ui-monospace, monospace; background: #b3261e; color: #fff; padding: 0 0.3rem; border-radius: 3px; }
ol { padding-left: 1.2rem; }
`;

export class AnyflashInstallButton extends HTMLElement {
  private readonly root: ShadowRoot;
  private readonly button: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private readonly details: HTMLElement;
  private busy = false;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = STYLE;
    this.button = document.createElement('button');
    this.button.type = 'button';
    this.button.part.add('button');
    this.button.textContent = this.getAttribute('label') ?? 'Install with anyflash';
    this.button.addEventListener('click', () => void this.install());
    const box = document.createElement('div');
    box.className = 'box';
    this.status = document.createElement('p');
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    this.bar = document.createElement('progress');
    this.bar.hidden = true;
    this.bar.setAttribute('aria-label', 'Install progress');
    this.details = document.createElement('div');
    box.append(this.status, this.bar, this.details);
    this.root.append(style, this.button, box);
  }

  connectedCallback(): void {
    if (!this.getAttribute('demo') && !this.getAttribute('port') && !('serial' in navigator)) {
      this.button.disabled = true;
      this.status.textContent = 'This browser has no Web Serial: use Chrome or Edge on a desktop.';
    }
  }

  private say(text: string): void {
    this.status.textContent = text;
  }

  private choice(): LinkChoice {
    const demo = this.getAttribute('demo');
    if (demo) return { kind: 'demo', chip: demo, autoReset: true };
    const port = this.getAttribute('port');
    return port ? { kind: 'bridge', port } : { kind: 'web-serial' };
  }

  private async install(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.button.disabled = true;
    this.details.replaceChildren();
    this.dataset.state = 'running';
    let link: OpenedLink | undefined;
    let device: FlashDevice | undefined;
    let outcome: 'done' | 'failed' = 'failed';
    const signal = new AbortController().signal;
    const events = (e: AnyflashEvent): void => this.onEvent(e);
    try {
      const manifestUrl = new URL(this.getAttribute('manifest') ?? 'manifest.json', document.baseURI);
      this.say('Reading the firmware description…');
      const manifest = (await (await fetch(manifestUrl)).json()) as Manifest;
      link = await createLink(this.choice());
      link.transport.events = events;
      await link.transport.open();
      this.say('Connecting to the chip…');
      const opened = link;
      const base = { transport: opened.transport, events, signal, wait: true, extra: opened.simExtra };
      device = await connectDevice(base);
      const chip = device.chip;
      const build = manifest.builds?.find((b) => b.chipFamily && chipKey(b.chipFamily) === chipKey(chip));
      if (!build?.parts?.length) {
        const offered = (manifest.builds ?? []).map((b) => b.chipFamily).filter(Boolean).join(', ');
        throw toAnyflashError(new Error(`${manifest.name ?? 'This firmware'} has no build for ${chipTitle(chip)} (it offers ${offered || 'none'}).`), 'wrong-chip-image');
      }
      this.say(`Downloading ${manifest.name ?? 'the firmware'} for ${chipTitle(chip)}…`);
      const entries = await Promise.all(
        build.parts.map(async (p, i) => {
          const res = await fetch(new URL(p.path ?? '', manifestUrl));
          if (!res.ok) throw toAnyflashError(new Error(`${p.path}: HTTP ${res.status}.`), 'bad-input');
          return { id: i, name: (p.path ?? '').split('/').pop() ?? `part${i}`, bytes: new Uint8Array(await res.arrayBuffer()), address: Number(p.offset) };
        }),
      );
      const { regions } = regionsFor(entries, chip, device.family);
      // The same job as the CLI and the page: another chip's image is refused, critical parts go last.
      const planned = await planWrite(device, regions);
      const reconnector = new Reconnector(
        opened.transport,
        device,
        {
          open: async () => {
            await opened.transport.open();
            return opened.transport;
          },
          connect: (t, baud, previous) => connectDevice({ ...base, transport: t, chip: previous.chip, baud, connectAttempts: 4, wait: false }),
        },
        { events, signal },
      );
      const summary = await runWriteJob(device, planned, {
        skipUnchanged: true,
        verify: true,
        recovery: reconnector.recovery,
        events,
        signal,
        backup: pageBackups((name, data) => this.offer(name, data)),
        journal: pageJournals,
        port: opened.how,
      });
      device = summary.device;
      this.bar.hidden = true;
      this.say(`${resultTitle(summary)}: ${manifest.name ?? 'firmware'}${manifest.version ? ` ${manifest.version}` : ''} on ${chipTitle(chip)}.`);
      this.line(`${formatBytes(summary.writtenBytes)} written, ${formatBytes(summary.skippedBytes)} unchanged and skipped.`);
      outcome = 'done';
      await device.reset('hard').catch(() => {});
    } catch (e) {
      this.bar.hidden = true;
      this.showError(toAnyflashError(e));
    } finally {
      await device?.disconnect().catch(() => {});
      await link?.transport.close().catch(() => {});
      this.busy = false;
      this.button.disabled = false;
      // Only now: the port is closed, so another install (this button or another on the page) can open it.
      this.dataset.state = outcome;
    }
  }

  private onEvent(e: AnyflashEvent): void {
    if (e.type === 'wait-for-user') this.say(e.message);
    else if (e.type === 'recover') this.line(`Recovered (${e.what}): ${e.detail}`);
    else if ((e.type === 'start' || e.type === 'progress') && e.op === 'write') {
      this.bar.hidden = false;
      this.bar.max = Math.max(1, e.total);
      this.bar.value = e.type === 'progress' ? e.done : 0;
      this.say(`Writing ${e.region?.name ?? ''}…`);
    } else if (e.type === 'start' && e.op === 'compare') this.say(`Checking what is already on the chip…`);
    else if (e.type === 'start' && e.op === 'verify') this.say('Verifying…');
  }

  private line(text: string): void {
    const p = document.createElement('p');
    p.textContent = text;
    this.details.append(p);
  }

  /** The first write to a board saves what it overwrites: offered as a download. */
  private offer(name: string, data: Uint8Array): void {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    a.download = name;
    a.textContent = `Download the backup ${name}`;
    const p = document.createElement('p');
    p.append(a);
    this.details.append(p);
  }

  private showError(e: AnyflashError): void {
    const json = e.toJSON() as { code: string; summary: string; advice: string[] };
    this.status.replaceChildren();
    const tag = document.createElement('span');
    tag.className = 'code';
    tag.dataset.code = json.code;
    tag.textContent = json.code;
    this.status.append(tag, ' ', json.summary);
    if (json.advice.length) {
      const ol = document.createElement('ol');
      for (const a of json.advice) {
        const li = document.createElement('li');
        li.textContent = webWords(a).replace(/`/g, '');
        ol.append(li);
      }
      this.details.append(ol);
    }
  }
}

installBrowserStubs();
if (!customElements.get('anyflash-install-button')) customElements.define('anyflash-install-button', AnyflashInstallButton);
