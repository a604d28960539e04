import { AnyflashError } from '../core/errors.js';
import { sleep } from '../core/time.js';
import { openSimPort, type SimPort } from '../sim/port.js';
import type { SimTransport } from '../sim/transport.js';

/**
 * Simulators the bridge serves, one per `sim:` URL (with its `fault=` parameters), kept across
 * connections so a simulated chip remembers its flash like a real one: reconnecting sees the last
 * write, and a recovery's reconnect finds the same chip.
 */
export class SimPool {
  private entries = new Map<string, { sim: SimPort; busy: boolean }>();

  /** A reconnecting page may arrive before its old connection finished closing: wait that long. */
  async lease(url: string, waitMs = 2000): Promise<{ transport: SimTransport; release: () => void }> {
    let entry = this.entries.get(url);
    if (!entry) {
      entry = { sim: openSimPort(withRealtime(url)), busy: false };
      this.entries.set(url, entry);
    }
    const until = performance.now() + waitMs;
    while (entry.busy && performance.now() < until) await sleep(20);
    if (entry.busy) {
      throw new AnyflashError('port-busy', `${url} is already in use by another page.`, {
        advice: ['Close the other tab or disconnect there first.'],
      });
    }
    entry.busy = true;
    const held = entry;
    return {
      transport: entry.sim.transport,
      release: () => {
        held.busy = false;
      },
    };
  }

  dispose(): void {
    for (const { sim } of this.entries.values()) {
      sim.faults?.dispose();
      sim.device.dispose();
    }
    this.entries.clear();
  }
}

/**
 * People watch bridge simulators: they run on the physical link model unless the URL says
 * `realtime=0` (a chip without it would stream its firmware log as fast as the CPU allows).
 */
function withRealtime(url: string): string {
  if (/[?&]realtime=/.test(url)) return url;
  return url + (url.includes('?') ? '&' : '?') + 'realtime=1';
}
