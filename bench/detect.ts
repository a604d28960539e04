/**
 * Detection cost per family: every simulated chip, served over raw TCP and RFC 2217 by the
 * realtime simulator (1 ms USB latency, as `anyflash sim` serves it), connected once with its chip
 * named and once detected. Prints both times and the difference: what finding the family costs
 * on top of the family's own handshake. SiFli stubs are the simulator's dummy blobs.
 * Usage: node --import tsx bench/detect.ts [chip…]
 */
import type { AnyflashEvent } from '../src/core/events.js';
import { connectDevice } from '../src/families/index.js';
import { SimClock } from '../src/sim/clock.js';
import { SimLink } from '../src/sim/link.js';
import { createSim, simChips } from '../src/sim/registry.js';
import { serveSim } from '../src/sim/server.js';
import { simStubBlob } from '../src/sim/sifli/index.js';
import { createTransport } from '../src/transport/open.js';

/** What the simulated SiFli chips take as SiFli's stub files (any blob of the right shape; the 58 also wants a key). */
function stubFor(chip: string): Record<string, unknown> {
  return { stub: simStubBlob(0x1234, chip === 'sf32lb56' ? 0x20067000 : 0x2005a000), sigPub: new Uint8Array(294) };
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
    const flash = await connectDevice({ transport, chip: named ? chip : undefined, events, wait: false, extra: stubFor(chip) });
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

const chips = process.argv.slice(2).length ? process.argv.slice(2) : simChips();
console.log('chip       link      named s  detected s  extra s  found');
for (const chip of chips) {
  for (const kind of ['tcp', 'rfc2217'] as const) {
    const named = await connectOnce(chip, kind, true);
    const detected = await connectOnce(chip, kind, false);
    const extra = detected.seconds - named.seconds;
    console.log(
      `${chip.padEnd(10)} ${kind.padEnd(8)} ${named.seconds.toFixed(2).padStart(8)} ${detected.seconds.toFixed(2).padStart(11)} ${extra.toFixed(2).padStart(8)}  ${detected.found}${detected.found.endsWith(chip) ? '' : '  WRONG'}`,
    );
  }
}
process.exit(0);
