import { createEspSim } from '../../src/sim/esp/index.js';
import { SimLink } from '../../src/sim/link.js';
import { SimClock } from '../../src/sim/clock.js';
import { SimTransport } from '../../src/sim/transport.js';
import type { AnyflashEvent } from '../../src/core/events.js';
import type { SimOptions } from '../../src/sim/options.js';
import { ByteQueue } from '../../src/transport/byte-queue.js';
import type { ModemSignals, Transport } from '../../src/transport/types.js';
import { pseudoRandomBytes } from '../../src/core/bytes.js';

export interface Bench {
  sim: ReturnType<typeof createEspSim>;
  link: SimLink;
  transport: SimTransport;
  events: AnyflashEvent[];
  sink: (e: AnyflashEvent) => void;
}

export async function bench(chip: string, options: Partial<SimOptions> = {}): Promise<Bench> {
  const sim = createEspSim({ chip, clock: new SimClock(false), boot: 'download', ...options });
  const link = new SimLink(sim);
  const transport = new SimTransport(link, `sim:${chip}`);
  await transport.open();
  const events: AnyflashEvent[] = [];
  return { sim, link, transport, events, sink: (e) => events.push(e) };
}

export const pattern = (n: number, seed = 1): Uint8Array => pseudoRandomBytes(n, seed);

/**
 * A scripted port: `onReset` bytes appear whenever the host pulls EN low and releases it, and
 * `echo` reflects every write, for failure diagnosis without a simulator.
 */
export function scriptedTransport(script: { onReset?: string; echo?: boolean; canSignal?: boolean }): Transport {
  const q = new ByteQueue();
  let rts = false;
  let dtr = false;
  return {
    kind: 'serial',
    url: 'scripted',
    facts: {},
    canSignal: script.canSignal ?? true,
    canSetBaud: true,
    baud: 115200,
    events: () => {},
    open: async () => {},
    close: async () => {},
    write: async (data: Uint8Array) => {
      if (script.echo) q.push(data.slice());
    },
    read: (o) => q.read(o.deadline, o.signal),
    flushInput: async () => q.clear(),
    drain: async () => {},
    setSignals: async (s: ModemSignals) => {
      const wasReset = rts && !dtr;
      if (s.dtr !== undefined) dtr = s.dtr;
      if (s.rts !== undefined) rts = s.rts;
      if (wasReset && !(rts && !dtr) && script.onReset) q.push(new TextEncoder().encode(script.onReset));
    },
    setBaud: async () => {},
  };
}
