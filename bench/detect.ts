/**
 * Detection cost per family: every simulated chip, served over raw TCP and RFC 2217 by the
 * realtime simulator (1 ms USB latency, as `anyflash sim` serves it), connected with its chip
 * named and detected, each `-n` times (default 3). Prints the medians and the difference: what
 * finding the family costs on top of the family's own handshake. SiFli stubs are the simulator's
 * dummy blobs.
 * Usage: node --import tsx bench/detect.ts [-n runs] [chip…]
 */
import type { AnyflashEvent } from '../src/core/events.js';
import { connectDevice } from '../src/families/index.js';
import { SimClock } from '../src/sim/clock.js';
import { SimLink } from '../src/sim/link.js';
import { createSim, simChips } from '../src/sim/registry.js';
import { serveSim } from '../src/sim/server.js';
import { simStubFiles } from '../src/sim/sifli/index.js';
import { createTransport } from '../src/transport/open.js';

/** Chips whose ROM answers exactly as another's: detection names the other (docs/chips.md). */
const TWINS: Readonly<Record<string, string>> = { bk7231m: 'bk7231n', sf32lb57: 'sf32lb52', sf32lb55: 'sf32lb58' };

/** What the simulated SiFli chips take as SiFli's files (the 55/58 ROM also wants a key). */
function extraFor(chip: string): Record<string, unknown> {
  return { ...simStubFiles(chip), sigPub: new Uint8Array(294) };
}

async function connectOnce(chip: string, kind: 'tcp' | 'rfc2217', named: boolean): Promise<{ seconds: number; found: string }> {
  const device = createSim({ chip, clock: new SimClock(true), boot: 'download', autoReset: true });
  const link = new SimLink(device, { latencyMs: 1, realtime: true });
  const server = await serveSim({ device, link, [kind]: { host: '127.0.0.1', port: 0 }, espResetHelper: device.family === 'esp' });
  const transport = createTransport(server.urls[kind]!);
  const events = (_e: AnyflashEvent): void => {};
  try {
    await transport.open();
    const t0 = performance.now();
    const flash = await connectDevice({ transport, chip: named ? chip : undefined, events, wait: false, extra: extraFor(chip) });
    const seconds = (performance.now() - t0) / 1000;
    await flash.disconnect();
    return { seconds, found: `${flash.family}/${flash.chip}` };
  } catch (e) {
    return { seconds: NaN, found: `error ${(e as { code?: string }).code ?? (e as Error).message}` };
  } finally {
    await transport.close().catch(() => {});
    await server.close();
    device.dispose();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const args = process.argv.slice(2);
const n = args[0] === '-n' ? Number(args[1]) : 3;
const named = args[0] === '-n' ? args.slice(2) : args;
const chips = named.length ? named : simChips();
console.log(`medians of ${n}`);
console.log('chip       link      named s  detected s  extra s  found');
for (const chip of chips) {
  for (const kind of ['tcp', 'rfc2217'] as const) {
    const withChip: number[] = [];
    const detected: number[] = [];
    let found = '';
    for (let i = 0; i < n; i++) {
      withChip.push((await connectOnce(chip, kind, true)).seconds);
      const d = await connectOnce(chip, kind, false);
      detected.push(d.seconds);
      found = d.found;
    }
    const extra = median(detected) - median(withChip);
    const verdict = found.endsWith(chip) ? '' : TWINS[chip] && found.endsWith(TWINS[chip]!) ? '  (same ROM answers)' : '  WRONG';
    console.log(
      `${chip.padEnd(10)} ${kind.padEnd(8)} ${median(withChip).toFixed(2).padStart(8)} ${median(detected).toFixed(2).padStart(11)} ${extra.toFixed(2).padStart(8)}  ${found}${verdict}`,
    );
  }
}
process.exit(0);
