import { SimClock } from '../../src/sim/clock.js';
import { SimLink } from '../../src/sim/link.js';
import type { SimOptions } from '../../src/sim/options.js';
import { createSifliSim } from '../../src/sim/sifli/index.js';
import { SimTransport } from '../../src/sim/transport.js';
import type { AnyflashEvent } from '../../src/core/events.js';
import type { SimDevice } from '../../src/sim/device.js';
import { pseudoRandomBytes } from '../../src/core/bytes.js';

export { simStubBlob as dummyStub } from '../../src/sim/sifli/index.js';

export interface Bench {
  device: SimDevice;
  link: SimLink;
  transport: SimTransport;
  events: AnyflashEvent[];
  close(): Promise<void>;
}

export async function simBench(options: Partial<SimOptions> = {}): Promise<Bench> {
  const device = createSifliSim({ chip: 'sf32lb52', clock: new SimClock(false), ...options });
  const link = new SimLink(device);
  const transport = new SimTransport(link, `sim:${device.chip}`, {}, 1_000_000);
  await transport.open();
  const events: AnyflashEvent[] = [];
  return {
    device,
    link,
    transport,
    events,
    async close() {
      await transport.close();
      device.dispose();
    },
  };
}

/** Deterministic pseudo-random bytes. */
export const pattern = (n: number, seed = 1): Uint8Array => pseudoRandomBytes(n, seed);
