import { AnyflashError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import { NodeSerialTransport } from './node-serial.js';
import { Rfc2217Transport } from './rfc2217.js';
import { TcpTransport, type Endpoint } from './tcp.js';
import type { PortFacts, Transport } from './types.js';

export interface TransportOptions {
  baud?: number;
  /** Where transport notes go (set before opening, so notes during open are seen). */
  events?: EventSink;
  facts?: PortFacts;
  connectTimeoutMs?: number;
  /** RFC 2217: bound on each wait for a server acknowledgement. */
  replyTimeoutMs?: number;
}

const SUPPORTED = 'a serial port (/dev/ttyUSB0, COM3), tcp://host:port, socket://host:port or rfc2217://host:port';

/**
 * Builds the Node transport a port string names, without opening it: `tcp://` and its alias
 * `socket://` (raw TCP), `rfc2217://`, otherwise a serial device path. (`sim:` is resolved above
 * this layer.)
 */
export function createTransport(url: string, options: TransportOptions = {}): Transport {
  const spec = url.trim();
  if (spec === '') {
    throw new AnyflashError('no-port', 'No port was given.', { advice: [`Give ${SUPPORTED}.`] });
  }
  const transport = build(spec, options);
  if (options.events) transport.events = options.events;
  return transport;
}

/** `createTransport` + `open`. */
export async function openTransport(url: string, options: TransportOptions = {}): Promise<Transport> {
  const transport = createTransport(url, options);
  await transport.open();
  return transport;
}

function build(spec: string, options: TransportOptions): Transport {
  // Two or more letters, so a Windows drive letter (C:\…) is not taken for a scheme.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(spec)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    return new NodeSerialTransport(spec, { baud: options.baud, facts: options.facts });
  }
  switch (scheme) {
    case 'tcp':
    case 'socket':
      return new TcpTransport(parseEndpoint(spec), spec, {
        baud: options.baud,
        connectTimeoutMs: options.connectTimeoutMs,
      });
    case 'rfc2217':
      return new Rfc2217Transport(parseEndpoint(spec), spec, {
        baud: options.baud,
        connectTimeoutMs: options.connectTimeoutMs,
        replyTimeoutMs: options.replyTimeoutMs,
      });
    default:
      throw new AnyflashError('bad-input', `Unknown port scheme "${scheme}:" in ${spec}.`, {
        advice: [`Give ${SUPPORTED}.`],
      });
  }
}

/** `scheme://host:port` → host and port; IPv6 hosts are written in brackets (`tcp://[::1]:4000`). */
export function parseEndpoint(spec: string): Endpoint {
  const bad = (why: string): AnyflashError =>
    new AnyflashError('bad-input', `${spec}: ${why}.`, { advice: ['Write it as scheme://host:port, e.g. rfc2217://192.168.1.20:4000.'] });
  let parsed: URL;
  try {
    parsed = new URL(spec);
  } catch {
    throw bad('not a valid host:port address');
  }
  if (!parsed.hostname) throw bad('the host is missing');
  if (!parsed.port) throw bad('the port number is missing');
  if ((parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search || parsed.hash) {
    throw bad('nothing may follow host:port');
  }
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port) };
}
