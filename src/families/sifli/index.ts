import { AnyflashError } from '../../core/errors.js';
import { sleep } from '../../core/time.js';
import type { ConnectOptions, Family, FlashDevice } from '../types.js';
import { BAUD_LADDER, ROM_BAUD, SIFLI_CHIPS, SIFLI_FAMILY, findSifliChip, type SifliChip, type SifliMemory } from './chips.js';
import { catchDebugIp, type SifliBefore } from './connect.js';
import { identifySifli } from './identify.js';
import { DebugLink } from './debug-link.js';
import { parseFlashLine, SifliDevice, type FlashFacts } from './device.js';
import { loadStubViaDfu } from './dfu.js';
import { loadStubViaDebug } from './stub-load.js';
import { hex8, StubShell } from './stub-shell.js';

export { sifliCrc32, sifliDigest } from './crc.js';
export { SIFLI_CHIPS, findSifliChip } from './chips.js';
export { SifliDevice } from './device.js';

/** Detection's short attempt: a listening SF32 answers the first knocks. */
const PROBE_WINDOW_MS = 500;
/** SiFli's UsartServer manual recommends a 1 ms latency timer on FTDI adapters. */
const FTDI_VID = 0x0403;
const MEMORIES: readonly SifliMemory[] = ['nor', 'nand', 'sd'];
const BEFORE: readonly SifliBefore[] = ['default-reset', 'no-reset', 'power-cycle'];

interface StubBytes {
  stub: Uint8Array;
  sigPub?: Uint8Array;
  source: string;
}

/**
 * `extra.stub`: the stub bytes, or a file/directory path. Without bytes the Node-only locator
 * searches the user's SiFli installations (loaded on demand, so browsers never import `node:fs`).
 */
async function resolveStub(chip: SifliChip, memory: SifliMemory, extra: Record<string, unknown>): Promise<StubBytes> {
  const given = extra.stub;
  if (given instanceof Uint8Array) {
    const sig = extra.sigPub instanceof Uint8Array ? extra.sigPub : undefined;
    return { stub: given, sigPub: sig, source: 'given bytes' };
  }
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new AnyflashError('stub-missing', 'No SiFli flasher stub was given.', {
      family: 'sifli',
      chip: chip.name,
      advice: [`Choose SiFli's ${chip.stubFiles[memory] ?? 'stub'} file (from the SiFli SDK or sftool).`],
    });
  }
  // Node-only; the web build maps it to a stand-in that asks for the file (web/vite.config.ts).
  const { locateStub } = await import('./stub-locate.js');
  return locateStub(chip, memory, { path: typeof given === 'string' ? given : undefined });
}

function pickMemory(chip: SifliChip, value: unknown): SifliMemory {
  const m = (typeof value === 'string' ? value.toLowerCase() : 'nor') as SifliMemory;
  if (!MEMORIES.includes(m) || !chip.memories.includes(m)) {
    throw new AnyflashError('bad-input', `--memory ${String(value)} is not available on ${chip.name.toUpperCase()}.`, {
      family: 'sifli',
      chip: chip.name,
      advice: [`Use one of: ${chip.memories.join(', ')}.`],
    });
  }
  return m;
}

function pickBefore(value: string | undefined): SifliBefore {
  const v = (value ?? 'default-reset').replace(/_/g, '-');
  if (v === 'no-reset-no-sync') return 'no-reset';
  if (!(BEFORE as readonly string[]).includes(v)) {
    throw new AnyflashError('bad-input', `--before ${value} is not a SiFli reset strategy.`, {
      family: 'sifli',
      advice: [`Use one of: ${BEFORE.join(', ')}.`],
    });
  }
  return v as SifliBefore;
}

/**
 * `burn_speed` to the requested rate, stepping down the ladder when the stub does not come back at
 * a rate; each failed step returns to the last working rate first.
 */
async function changeBaud(shell: StubShell, target: number, o: ConnectOptions, chip: string): Promise<void> {
  const t = shell.transport;
  if (!t.canSetBaud || target === t.baud) return;
  const ladder = [target, ...BAUD_LADDER.filter((b) => b < target && b > t.baud)];
  const delayMs = 20;
  for (const baud of ladder) {
    const from = t.baud;
    await shell.command(`burn_speed ${baud} ${delayMs}`);
    await shell.waitFor(['OK'], delayMs + 50, o.signal);
    await t.drain();
    await sleep(delayMs + 10, o.signal);
    await t.setBaud(baud);
    await sleep(10, o.signal);
    await t.flushInput();
    shell.discard();
    if (await shell.sync(o.signal, 'msh >', 200, 3)) {
      o.events({ type: 'note', level: 'info', message: `SiFli stub now at ${baud} baud.` });
      return;
    }
    await t.setBaud(from);
    shell.discard();
    if (!(await shell.sync(o.signal, 'msh >', 200, 3))) {
      throw new AnyflashError('baud-mismatch', `The SiFli stub answers neither at ${baud} nor at ${from} baud after burn_speed.`, {
        family: 'sifli',
        chip,
        advice: ['Power-cycle the board and run again with a lower --baud (1000000 always works).'],
      });
    }
    o.events({ type: 'retry', op: 'baud', attempt: ladder.indexOf(baud) + 1, cause: `no answer at ${baud} baud; stepping down` });
  }
  o.events({ type: 'note', level: 'warn', message: `Staying at ${t.baud} baud: the line did not carry a faster rate.` });
}

/** Asks the stub about its flash through a 4 KiB `burn_verify`, which prints the `addr:` line. */
async function probeFlash(shell: StubShell, chip: SifliChip, memory: SifliMemory, extra: Record<string, unknown>, signal?: AbortSignal): Promise<FlashFacts> {
  const base = chip.base[memory] ?? (typeof extra.flashBase === 'number' ? extra.flashBase : undefined);
  if (base === undefined) {
    throw new AnyflashError('unsupported', `The ${memory.toUpperCase()} flash address of ${chip.name.toUpperCase()} is not known.`, {
      family: 'sifli',
      chip: chip.name,
      advice: ['Give it with --flash-base (extra.flashBase).'],
    });
  }
  const fallbackSize = typeof extra.flashSize === 'number' ? extra.flashSize : 0x1000000;
  await shell.command(`burn_verify ${hex8(base)} ${hex8(0x1000)} ${hex8(0)}`);
  const reply = await shell.token('burn_verify', 4000, signal);
  const line = parseFlashLine(reply.text);
  const sector = memory === 'nor' ? 0x1000 : 0x20000;
  return {
    base: line?.base ?? base,
    size: line?.size && line.size > 0 ? line.size : fallbackSize,
    sector: line?.sector && line.sector > 0 && memory === 'nor' ? line.sector : sector,
    id: line?.id,
  };
}

async function connect(o: ConnectOptions): Promise<FlashDevice> {
  const explicit = Boolean(o.chip && o.chip !== 'sifli');
  const before = pickBefore(o.before);
  // Without a named chip the answer to the knocks tells which SF32 it is (and catches it).
  const identified =
    explicit || o.before === 'no-reset-no-sync'
      ? undefined
      : await identifySifli({
          transport: o.transport,
          before,
          attempts: o.connectAttempts ?? (o.wait ? 1 : 3),
          windowMs: o.probe ? PROBE_WINDOW_MS : undefined,
          wait: o.wait ?? false,
          waitMs: o.waitMs ?? 30_000,
          events: o.events,
          signal: o.signal,
        });
  const chip = identified?.chip ?? findSifliChip(explicit ? o.chip! : 'sf32lb52');
  if (!chip) {
    throw new AnyflashError('unknown-chip', `Unknown SiFli chip "${o.chip}".`, { advice: [`Known: ${SIFLI_CHIPS.map((c) => c.name).join(', ')}.`] });
  }
  if (identified) {
    const what = identified.via === 'shell' ? 'ROM download shell answered' : `debug interface answered (${identified.strategy})`;
    o.events({ type: 'note', level: 'info', message: `SF32 ${what}: ${chip.name.toUpperCase()}.` });
  }
  // A debug IP that answered is this family's chip; a shell prompt could still be a firmware's.
  if (identified?.via === 'debug') o.onHandshake?.();
  const extra = o.extra ?? {};
  const memory = pickMemory(chip, extra.memory);
  // With a named chip, find the stub before touching the board: no point catching the boot window
  // without it. While detecting (no chip named), a missing stub must not hide what the line shows,
  // so the handshake comes first there.
  const getStub = async (): Promise<StubBytes> => {
    const found = await resolveStub(chip, memory, extra);
    o.events({ type: 'note', level: 'info', message: `SiFli stub: ${found.source}` });
    return found;
  };
  const early = explicit && o.before !== 'no-reset-no-sync' ? await getStub() : null;
  const t = o.transport;
  if (t.facts.vid === FTDI_VID) {
    o.events({ type: 'note', level: 'info', message: 'FTDI adapter: set its latency timer to 1 ms (default 16 ms) for faster SiFli transfers.' });
  }
  const shell = new StubShell(t, 'sifli', chip.name);
  let strategy: string = before;

  if (o.before === 'no-reset-no-sync') {
    if (t.canSetBaud && t.baud !== (o.baud ?? ROM_BAUD)) await t.setBaud(o.baud ?? ROM_BAUD);
    if (!(await shell.sync(o.signal))) {
      throw new AnyflashError('no-response', 'No SiFli stub shell answered (no-reset-no-sync expects one left running).', {
        family: 'sifli',
        chip: chip.name,
        advice: ['Run without --before no-reset-no-sync to load the stub.'],
      });
    }
    strategy = 'no-reset-no-sync';
  } else if (chip.entry === 'dfu') {
    if (t.canSetBaud && t.baud !== ROM_BAUD) await t.setBaud(ROM_BAUD);
    const stub = early ?? (await getStub());
    if (!stub.sigPub) {
      throw new AnyflashError('stub-missing', `The ${chip.name.toUpperCase()} ROM needs SiFli's signature key 58X_sig_pub.der beside the stub.`, {
        family: 'sifli',
        chip: chip.name,
        advice: ['Point --stub at the directory of sftool-lib/stub or SiFli SDK tools/uart_download/file, which holds both.'],
      });
    }
    await loadStubViaDfu({ shell, chip, stub: stub.stub, sigPub: stub.sigPub, events: o.events, signal: o.signal, onAccepted: o.onHandshake });
    strategy = 'boot-mode-pin';
  } else if (identified) {
    const link = new DebugLink(t, chip.layout, chip.name);
    strategy = identified.strategy;
    const stub = await getStub();
    await loadStubViaDebug({ link, shell, chip, memory, stub: stub.stub, compat: extra.compat === true, events: o.events, signal: o.signal });
  } else {
    const link = new DebugLink(t, chip.layout, chip.name);
    strategy = await catchDebugIp({
      link,
      chip: chip.name,
      before,
      // When a person is there to power-cycle, ask them after one automatic try, not after three.
      attempts: o.connectAttempts ?? (o.wait ? 1 : 3),
      wait: o.wait ?? false,
      waitMs: o.waitMs ?? 30_000,
      events: o.events,
      signal: o.signal,
    });
    o.events({ type: 'note', level: 'info', message: `SF32 debug interface answered (${strategy}).` });
    o.onHandshake?.();
    const stub = early ?? (await getStub());
    await loadStubViaDebug({ link, shell, chip, memory, stub: stub.stub, compat: extra.compat === true, events: o.events, signal: o.signal });
  }

  await changeBaud(shell, o.baud ?? ROM_BAUD, o, chip.name);
  const flash = await probeFlash(shell, chip, memory, extra, o.signal);
  o.events({ type: 'connected', family: 'sifli', chip: chip.name, strategy, baud: t.baud });
  return new SifliDevice({ shell, chip, memory, flash, strategy, events: o.events });
}

export const sifliFamily: Family = { ...SIFLI_FAMILY, connect };
