import type { AnyflashEvent } from '../../src/core/events.js';
import { Reconnector } from '../../src/engine/reconnect.js';
import { openSimPort, type SimPort } from '../../src/sim/port.js';
import { writeRegions, type WriteSummary } from '../../src/engine/write.js';
import type { Region } from '../../src/engine/regions.js';
import { connectDevice } from '../../src/families/index.js';
import type { ConnectOptions, FlashDevice } from '../../src/families/types.js';
import { simStubBlob } from '../../src/sim/sifli/index.js';
import { pseudoRandomBytes } from '../../src/core/bytes.js';

/** Deterministic pseudo-random bytes (xorshift), so a failing run is reproducible. */
export const pattern = (n: number, seed = 1): Uint8Array => pseudoRandomBytes(n, seed);

export interface Scenario {
  chip: string;
  /** Extra sim: URL parameters, e.g. `fault=brownout=50%25&seed=3`. */
  query: string;
  regions: Region[];
  baud?: number;
  /** Fills the whole flash with a pattern first, so a change outside the regions shows. */
  preloadSeed?: number;
  /**
   * A full-flash backup taken before the write, as the CLI takes for Beken chips (the default
   * there): what a damaged command changes outside the regions is put back from it.
   */
  fullBackup?: boolean;
  /** Sees the simulated port once connected (to damage chosen bytes on the wire). */
  onConnected?: (port: SimPort) => void;
  /** Abort the write after this long (default 120 s). */
  deadlineMs?: number;
  /** Sees every event as it happens (benchmarks print retries and recoveries live). */
  onEvent?: (e: AnyflashEvent) => void;
}

export interface Outcome {
  summary: WriteSummary;
  events: AnyflashEvent[];
  port: SimPort;
  /** Flash contents before the write. */
  before: Uint8Array;
  after: Uint8Array;
}

/**
 * Connects to an in-process simulated chip with faults, writes the regions with a reconnect that
 * is the engine's own policy (listen for boot text, wait for the port, connect again, step the baud
 * down on request), and returns the summary with the flash before and after.
 */
export async function runScenario(s: Scenario): Promise<Outcome> {
  const url = `sim:${s.chip}?${s.query}`;
  const port = openSimPort(url);
  if (s.preloadSeed !== undefined) port.device.flash.data.set(pattern(port.device.flash.size, s.preloadSeed));
  const before = port.device.flash.data.slice();
  const events: AnyflashEvent[] = [];
  const sink = (e: AnyflashEvent): void => {
    events.push(e);
    s.onEvent?.(e);
  };
  const extra = s.chip.startsWith('sf32') ? { stub: simStubBlob() } : undefined;
  const base: ConnectOptions = { transport: port.transport, chip: s.chip, baud: s.baud, events: sink, wait: false, extra };
  const signal = AbortSignal.timeout(s.deadlineMs ?? 120_000);
  await port.transport.open();
  const device: FlashDevice = await connectDevice({ ...base, signal });
  s.onConnected?.(port);
  // The engine's own reconnect policy, as every front end runs it (listen, close, reopen, connect).
  const reconnector = new Reconnector(
    port.transport,
    device,
    {
      open: async () => {
        await port.transport.open();
        return port.transport;
      },
      connect: (transport, baud) => connectDevice({ ...base, transport, baud, connectAttempts: 4, signal }),
    },
    { events: sink, signal, baud: s.baud, listenMs: 300 },
  );
  const recovery = reconnector.recovery;
  try {
    const backup = s.fullBackup ?? s.chip.startsWith('bk');
    const original = backup ? (start: number, size: number) => before.slice(start, start + size) : undefined;
    const summary = await writeRegions(device, s.regions, { recovery, events: sink, signal, original });
    return { summary, events, port, before, after: port.device.flash.data.slice() };
  } finally {
    port.faults?.dispose();
    await port.transport.close().catch(() => {});
    port.device.dispose();
  }
}

/** First differing offset of two byte arrays, or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Expected flash: `before` with every region laid over it. */
export function expectedFlash(before: Uint8Array, regions: readonly Region[]): Uint8Array {
  const out = before.slice();
  for (const r of regions) out.set(r.data, r.address);
  return out;
}
