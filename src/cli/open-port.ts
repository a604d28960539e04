import { existsSync, realpathSync } from 'node:fs';
import type { EventSink } from '../core/events.js';
import { isAnyflashError } from '../core/errors.js';
import { enrichOpenError } from '../diagnose/port-open.js';
import { listPorts, type SerialPortInfo } from '../diagnose/ports.js';
import { flashFileStore } from './flash-file.js';
import { MeteredTransport } from '../transport/metered.js';
import { createTransport } from '../transport/open.js';
import type { PortFacts, Transport } from '../transport/types.js';

/** USB facts of a serial device path (VID/PID pick the reset strategy, e.g. USB-Serial/JTAG). */
async function factsFor(path: string): Promise<PortFacts | undefined> {
  if (/^[a-z][a-z0-9+.-]+:/i.test(path) && !/^[a-z]:/i.test(path)) return undefined;
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  const port = (await listPorts()).find((p) => p.path === real || p.path === path || p.byId === path);
  if (!port) return undefined;
  const { vid, pid, serialNumber, manufacturer, product, interfaceNumber } = port;
  return { path: port.path, vid, pid, serialNumber, manufacturer, product, interfaceNumber };
}

/**
 * A USB adapter that re-enumerates may come back under another path (ttyUSB0 → ttyUSB1): find it
 * again by its serial number, or its VID:PID when that is unique.
 */
export async function followDevice(url: string, known?: PortFacts, list: () => Promise<SerialPortInfo[]> = listPorts): Promise<string> {
  if (!known?.vid || existsSync(url)) return url;
  const ports = await list();
  const same = ports.filter((p) => p.vid === known.vid && p.pid === known.pid && (!known.serialNumber || p.serialNumber === known.serialNumber));
  return same.length === 1 ? same[0]!.path : url;
}

/** Loaded with the first `sim:` port: a command on a real port never loads the simulators. */
let simPort: typeof import('../sim/port.js') | undefined;

/**
 * Opens any port anyflash understands: `sim:<chip>` runs a simulated chip in-process; everything
 * else goes to the real transports. Open failures are explained (who holds the port, which group).
 * `known`: the adapter a reconnect follows when its path has gone; undefined: only `url` itself.
 */
export async function openPort(url: string, events: EventSink, known?: PortFacts): Promise<MeteredTransport> {
  if (url.startsWith('sim:')) simPort ??= await import('../sim/port.js');
  const transport: Transport = simPort && url.startsWith('sim:')
    ? simPort.sharedSimTransport(url, flashFileStore)
    : createTransport(await followDevice(url, known), { events, facts: await factsFor(url) });
  transport.events = events;
  try {
    await transport.open();
  } catch (e) {
    throw isAnyflashError(e) ? enrichOpenError(e, url) : e;
  }
  return new MeteredTransport(transport);
}

/** Family options the chip behind `url` (opened by `openPort`) needs from the front end (a simulated SiFli chip's stub). */
export function portExtras(url: string, transport: Transport): Record<string, unknown> {
  return simPort && url.startsWith('sim:') ? simPort.simConnectExtra(transport.facts.chip ?? '') : {};
}
