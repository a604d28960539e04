import type { AnyflashEvent } from '../../src/core/events.js';
import { bekenFamily } from '../../src/families/beken/index.js';
import { BekenSession } from '../../src/families/beken/session.js';
import type { ConnectOptions, FlashDevice } from '../../src/families/types.js';
import { SimClock } from '../../src/sim/clock.js';
import { createBekenSim, type BekenSimDevice } from '../../src/sim/beken/index.js';
import type { SimOptions } from '../../src/sim/options.js';
import { SimLink } from '../../src/sim/link.js';
import { SimTransport } from '../../src/sim/transport.js';

export interface Rig {
  sim: BekenSimDevice;
  link: SimLink;
  transport: SimTransport;
  events: AnyflashEvent[];
}

/** A simulated chip behind an opened in-process transport, in fast (non-realtime) mode. */
export async function rig(chip: string, options: Partial<SimOptions> = {}): Promise<Rig> {
  const sim = createBekenSim({ chip, clock: new SimClock(false), ...options });
  const link = new SimLink(sim, { latencyMs: 0 });
  const transport = new SimTransport(link, `sim:${chip}`);
  await transport.open();
  return { sim, link, transport, events: [] };
}

export async function connect(r: Rig, options: Partial<ConnectOptions> = {}): Promise<FlashDevice> {
  return bekenFamily.connect({ transport: r.transport, events: (e) => r.events.push(e), ...options });
}

/** A chip already in download mode (as after a successful link) and a raw session on it. */
export async function linkedSession(chip: string, options: Partial<SimOptions> = {}): Promise<Rig & { session: BekenSession }> {
  const r = await rig(chip, { boot: 'download', autoReset: false, ...options });
  return { ...r, session: new BekenSession(r.transport, (e) => r.events.push(e)) };
}

/** Collects what the chip sends after `bytes`: waits up to `firstMs` for a reply, then until 30 ms of quiet. */
export async function rawExchange(r: Rig, bytes: Uint8Array, firstMs = 300): Promise<Uint8Array> {
  await r.transport.flushInput();
  await r.transport.write(bytes);
  const parts: number[] = [];
  let deadline = performance.now() + firstMs;
  for (;;) {
    const got = await r.transport.read({ deadline });
    if (got.length === 0) break;
    parts.push(...got);
    deadline = performance.now() + 30;
  }
  return Uint8Array.from(parts);
}

export function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
