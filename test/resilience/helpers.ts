import type { AnyflashEvent } from '../../src/core/events.js';
import { toAnyflashError } from '../../src/core/errors.js';
import { sleep } from '../../src/core/time.js';
import { BAUD_STEPS, heardBootText } from '../../src/engine/reboot-evidence.js';
import { openSimPort, type SimPort } from '../../src/sim/port.js';
import type { RecoveryOptions } from '../../src/engine/recovery.js';
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
 * works as the CLI's does (wait for the port, listen for boot text with the CLI's check, connect
 * again, step the baud down on request), and returns the summary with the flash before and after.
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
  let device: FlashDevice = await connectDevice({ ...base, signal });
  s.onConnected?.(port);
  const recovery: RecoveryOptions = {
    reconnect: async ({ cause, lowerBaud }) => {
      const current = device.transport.baud;
      await port.transport.close();
      const deadline = performance.now() + 30_000;
      for (;;) {
        try {
          await port.transport.open();
          break;
        } catch (e) {
          if (toAnyflashError(e).code !== 'port-vanished' || performance.now() > deadline) throw e;
          await sleep(100, signal);
        }
      }
      const rebooted = cause.code !== 'port-vanished' && (await heardBootText(port.transport, signal, 300));
      const next = lowerBaud ? BAUD_STEPS.find((b) => b < current) : undefined;
      device = await connectDevice({ ...base, baud: next ?? s.baud ?? (current > 115200 ? current : undefined), connectAttempts: 4, signal });
      return { device, rebooted };
    },
  };
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
