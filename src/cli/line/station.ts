import { hostname } from 'node:os';
import { AnyflashError } from '../../core/errors.js';
import { sleep } from '../../core/time.js';
import { deviceKey } from '../../engine/journal.js';
import type { DeviceRecord } from '../../engine/record.js';
import { parseNumber } from '../../engine/parse.js';
import { familiesFor } from '../../families/index.js';
import { withCtrlC, type DeviceContext, type GlobalFlags } from '../common.js';
import { serialPorts, SimHub, type PortSource } from './hub.js';
import { DeviceMoved } from './moved.js';
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
 * with nothing left to plug in. A port is flashed again only after its device was unplugged; a
 * device unplugged mid-write and plugged in on another port resumes there (see `runStation`).
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
      await runStation(source, limit, signal, (port, jobSignal, claim) => runOne(port, deviceId(port), station, flags, claiming(fn, claim), jobSignal, { row: table?.add(deviceId(port)), follow: false }), (r) => {
        records.push(publish(r));
        out.say(r.resumed ? `${summaryLine(r)}  (resumed after a replug)` : summaryLine(r));
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

/** Runs the job on a device once the station knows who it is: `claim` takes its identity (see `runStation`). */
export function claiming(fn: (ctx: DeviceContext) => Promise<number | void>, claim: (key: string) => Promise<void>): (ctx: DeviceContext) => Promise<number | void> {
  return async (ctx) => {
    // The session has read the chip's info already (cached): the key is the journal's.
    await claim(deviceKey(await ctx.device.info()));
    return fn(ctx);
  };
}

/** A job the station started, and what became of its device. */
interface StationJob {
  port: string;
  /** The device's identity (chip and MAC or flash id), once claimed. */
  key?: string;
  stop: AbortController;
  ended: Promise<void>;
  /** Its device went on on another port: the job there reports it. */
  moved?: boolean;
  /** It took over a device that was unplugged mid-job. */
  resumed?: boolean;
}

/**
 * The station's loop without its output: starts `job` on each port as its device appears (a port
 * again only after its device was unplugged) and hands over each record, until `signal`, `limit`
 * devices or an exhausted source; resolves once every started job has ended. The CLI's station
 * and the web UI's station view both run it.
 *
 * Devices are known by identity, not port: a job calls `claim` with its device's key once
 * connected, and when a job still running holds that key on a port that has gone, the device was
 * unplugged mid-write and plugged in again elsewhere. That job is stopped (its journal saved), it
 * leaves no record, and the new one writes only what is not yet right (the engine compares
 * first and the journal says it resumed); its record says `resumed`.
 */
export async function runStation(
  source: PortSource,
  limit: number,
  signal: AbortSignal,
  job: (port: string, signal: AbortSignal, claim: (key: string) => Promise<void>) => Promise<DeviceRecord>,
  onRecord: (r: DeviceRecord) => void,
): Promise<void> {
  const running = new Map<string, StationJob>();
  /** Ports whose device is done but still plugged in. */
  const done = new Set<string>();
  let present: string[] = [];
  let started = 0;
  // One listener for every job (any number may run at once), removed at the end: hours of devices leave none behind.
  const stopAll = (): void => running.forEach((j) => j.stop.abort(signal.reason));
  signal.addEventListener('abort', stopAll, { once: true });
  /** A job's port has gone: its device may come back on another. */
  const awaitingReturn = (): boolean => [...running.values()].some((j) => !present.includes(j.port));
  /** `spare`: started past `limit`, only in case its device is one that moved; any other is left alone. */
  const start = (port: string, spare: boolean): StationJob => {
    const self: StationJob = { port, stop: new AbortController(), ended: Promise.resolve() };
    const claim = async (key: string): Promise<void> => {
      self.key = key;
      const before = [...running.values()].find((j) => j !== self && j.key === key && !present.includes(j.port));
      if (!before) {
        if (spare) throw new AnyflashError('aborted', `Not flashed: ${limit} devices (--count) have started already.`);
        return;
      }
      before.moved = true;
      self.resumed = true;
      // The same device: it counts once towards --count.
      if (!spare) started--;
      before.stop.abort(new DeviceMoved(before.port, port));
      await before.ended;
    };
    self.ended = job(port, self.stop.signal, claim).then((r) => {
      running.delete(port);
      done.add(port);
      source.finished?.(port);
      if (!self.moved && (!spare || self.resumed)) onRecord(self.resumed ? { ...r, resumed: true } : r);
    });
    return self;
  };
  // Past the limit it still watches while jobs run: one of their devices may come back on another port.
  while (!signal.aborted && (started < limit || running.size > 0)) {
    present = await source.present();
    for (const p of done) if (!present.includes(p)) done.delete(p);
    for (const port of present) {
      if (running.has(port) || done.has(port)) continue;
      const spare = started >= limit;
      if (spare && !awaitingReturn()) continue;
      if (!spare) started++;
      running.set(port, start(port, spare));
    }
    if (source.exhausted?.() && running.size === 0 && present.every((p) => done.has(p))) break;
    await sleep(POLL_MS, signal).catch(() => {});
  }
  try {
    await Promise.all([...running.values()].map((j) => j.ended));
  } finally {
    signal.removeEventListener('abort', stopAll);
  }
}
