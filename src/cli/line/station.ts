import { hostname } from 'node:os';
import { sleep } from '../../core/time.js';
import type { DeviceRecord } from '../../engine/record.js';
import { parseNumber } from '../../engine/parse.js';
import { familiesFor } from '../../families/index.js';
import { withCtrlC, type DeviceContext, type GlobalFlags } from '../common.js';
import { serialPorts, SimHub, type PortSource } from './hub.js';
import type { LineFlags } from './ports.js';
import { deviceId, publisher, runOne, summarize, summaryLine } from './session.js';
import { liveTable } from './table.js';

export interface StationFlags extends LineFlags {
  /** `sim-hub:…`: a simulated hub instead of the machine's ports. */
  hub?: string;
  /** Stop after this many devices (otherwise run until Ctrl-C). */
  count?: string;
}

/** How often the station looks for newly plugged devices. */
const POLL_MS = 250;

/**
 * Station mode: waits for devices, runs the job on each as it is plugged in (several at once),
 * reports it done, and waits for the next — until Ctrl-C, `--count` devices, or a simulated hub
 * with nothing left to plug in. A port is flashed again only after its device was unplugged.
 */
export async function withStation(
  flags: GlobalFlags & StationFlags,
  fn: (ctx: DeviceContext) => Promise<number | void>,
  check?: () => void | Promise<void>,
): Promise<number> {
  return withCtrlC(flags, async (out, signal) => {
    const records: DeviceRecord[] = [];
    // Each device's row stays until newer ones push it out; its PASS/FAIL line prints above, for good.
    const table = liveTable(flags);
    out.printAbove(table);
    try {
      await check?.();
      familiesFor(flags.chip);
      const limit = flags.count === undefined ? Infinity : parseNumber(flags.count, '--count');
      const source: PortSource = flags.hub ? new SimHub(flags.hub) : serialPorts(flags);
      const station = flags.station ?? hostname();
      const publish = publisher(flags, out);
      out.say(`Station ${station}: waiting for devices (Ctrl-C stops).`);
      await runStation(source, limit, signal, (port) => runOne(port, deviceId(port), station, flags, fn, signal, undefined, table?.add(deviceId(port))), (r) => {
        records.push(publish(r));
        out.say(summaryLine(r));
      });
      table?.close();
      await publish.settled();
      return summarize(out, records, { toldEach: true });
    } catch (e) {
      table?.close();
      // Finished devices are reported even when the station stops on an error.
      if (records.length) summarize(out, records, { toldEach: true });
      throw e;
    } finally {
      out.printAbove(undefined);
    }
  });
}

/**
 * The station's loop without its output: starts `job` on each port as its device appears (a port
 * again only after its device was unplugged) and hands over each record, until `signal`, `limit`
 * devices or an exhausted source; resolves once every started job has ended. The CLI's station
 * and the web UI's station view both run it.
 */
export async function runStation(
  source: PortSource,
  limit: number,
  signal: AbortSignal,
  job: (port: string) => Promise<DeviceRecord>,
  onRecord: (r: DeviceRecord) => void,
): Promise<void> {
  const running = new Map<string, Promise<void>>();
  /** Ports whose device is done but still plugged in. */
  const done = new Set<string>();
  let started = 0;
  while (!signal.aborted && started < limit) {
    const present = await source.present();
    for (const p of done) if (!present.includes(p)) done.delete(p);
    for (const port of present) {
      if (running.has(port) || done.has(port) || started >= limit) continue;
      started++;
      const run = job(port).then((r) => {
        onRecord(r);
        running.delete(port);
        done.add(port);
        source.finished?.(port);
      });
      running.set(port, run);
    }
    if (source.exhausted?.() && running.size === 0 && present.every((p) => done.has(p))) break;
    await sleep(POLL_MS, signal).catch(() => {});
  }
  await Promise.all(running.values());
}
