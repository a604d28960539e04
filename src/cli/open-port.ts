import { realpathSync } from 'node:fs';
import type { EventSink } from '../core/events.js';
import { isAnyflashError } from '../core/errors.js';
import { enrichOpenError } from '../diagnose/port-open.js';
import { listPorts } from '../diagnose/ports.js';
import { openSimPort } from '../engine/sim-port.js';
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
 * Opens any port anyflash understands: `sim:<chip>` runs a simulated chip in-process; everything
 * else goes to the real transports. Open failures are explained (who holds the port, which group).
 */
export async function openPort(url: string, events: EventSink): Promise<MeteredTransport> {
  const transport: Transport = url.startsWith('sim:')
    ? openSimPort(url).transport
    : createTransport(url, { events, facts: await factsFor(url) });
  transport.events = events;
  try {
    await transport.open();
  } catch (e) {
    throw isAnyflashError(e) ? enrichOpenError(e, url) : e;
  }
  return new MeteredTransport(transport);
}
