import type { EventSink } from '../core/events.js';
import { isAnyflashError } from '../core/errors.js';
import { enrichOpenError } from '../diagnose/port-open.js';
import { openSimPort } from '../engine/sim-port.js';
import { MeteredTransport } from '../transport/metered.js';
import { openTransport } from '../transport/open.js';
import type { Transport } from '../transport/types.js';

/**
 * Opens any port anyflash understands: `sim:<chip>` runs a simulated chip in-process; everything
 * else goes to the real transports. Open failures are explained (who holds the port, which group).
 */
export async function openPort(url: string, events: EventSink): Promise<MeteredTransport> {
  let transport: Transport;
  if (url.startsWith('sim:')) {
    transport = openSimPort(url).transport;
  } else {
    transport = openTransport(url);
  }
  transport.events = events;
  try {
    await transport.open();
  } catch (e) {
    throw isAnyflashError(e) ? enrichOpenError(e, url) : e;
  }
  return new MeteredTransport(transport);
}
