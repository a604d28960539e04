/**
 * `anyflash ui`'s server (Node only): serves the built page and bridges WebSocket connections to
 * the machine's serial ports, RFC 2217/TCP endpoints and in-process simulators.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { AnyflashError, toAnyflashError } from '../core/errors.js';
import { listPorts, type SerialPortInfo } from '../diagnose/ports.js';
import { simChips } from '../sim/registry.js';
import { createTransport } from '../transport/open.js';
import type { Transport } from '../transport/types.js';
import { PortSession } from './session.js';
import { SimPool } from './sims.js';
import type { WebStation } from './station.js';

export interface UiServerOptions {
  host: string;
  port: number;
  /** Required for a non-loopback host: the page is then reachable from the network. */
  allowRemote?: boolean;
  /** Only serial ports whose path, alias, bridge or board contains one of these are offered. */
  portFilter?: string[];
  /** Directory of the built page (dist/web). */
  root?: string;
  /** Overrides the random token (tests). */
  token?: string;
  /** The station view's simulated hub (`sim-hub:…`), for trying it without hardware. */
  hub?: string;
  /** Where the station view appends its records (FILE.jsonl and FILE.csv). */
  record?: string;
  /** The station name in those records (default: the host name). */
  station?: string;
}

export interface UiServer {
  url: string;
  /** Set when the server listens beyond loopback; every request must carry it. */
  token?: string;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};
const COOKIE = 'anyflash_token';

/** dist/web next to the compiled server, or the build output when run from source. */
function defaultRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [join(here, '..', 'web'), join(here, '..', '..', 'dist', 'web')];
  return candidates.find((c) => existsSync(join(c, 'index.html'))) ?? candidates[0]!;
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const loopback = LOOPBACK.test(options.host.replace(/^\[(.*)\]$/, '$1'));
  if (!loopback && !options.allowRemote) {
    throw new AnyflashError('bad-input', `--listen ${options.host} is reachable from the network.`, {
      advice: ['Add --allow-remote to serve the flasher beyond this machine (a token will be required), or listen on 127.0.0.1.'],
    });
  }
  const token = loopback ? undefined : (options.token ?? randomBytes(18).toString('base64url'));
  const root = resolve(options.root ?? defaultRoot());
  if (!existsSync(join(root, 'index.html'))) {
    throw new AnyflashError('file-not-found', `The web page is not built (${join(root, 'index.html')} is missing).`, {
      advice: ['Run `npm run build` in the anyflash checkout.'],
    });
  }
  const sims = new SimPool();
  const filter = (options.portFilter ?? []).map((f) => f.toLowerCase());
  const offered = (p: SerialPortInfo): boolean =>
    filter.length === 0 || filter.some((f) => [p.path, p.byId, p.bridge, p.board].some((v) => v?.toLowerCase().includes(f)));

  // Loaded on the first station request: the plain flasher never pays for the production line.
  let station: Promise<WebStation> | undefined;
  const stationView = (): Promise<WebStation> =>
    (station ??= import('./station.js').then(
      ({ WebStation }) => new WebStation({ hub: options.hub, record: options.record ?? 'anyflash-station', station: options.station, offered }),
    ));

  const authorised = (req: IncomingMessage): boolean => {
    if (!token) return hostIsLoopback(req);
    const url = new URL(req.url ?? '/', 'http://x');
    const given = url.searchParams.get('token') ?? cookie(req, COOKIE) ?? '';
    return safeEqual(given, token);
  };

  const server = createServer((req, res) => {
    void handleHttp(req, res).catch((e) => send(res, 500, 'text/plain', String(e)));
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorised(req)) return send(res, 403, 'text/plain', 'Forbidden: open the address `anyflash ui` printed (it carries the token).\n');
    const url = new URL(req.url ?? '/', 'http://x');
    if (token && url.searchParams.get('token') === token) {
      res.setHeader('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    if (url.pathname === '/api/ports') {
      const ports = (await listPorts({ excludePid: process.pid })).filter(offered);
      return send(res, 200, 'application/json', JSON.stringify({ ports: ports.map(portJson), sims: simChips() }));
    }
    if (url.pathname === '/api/station' || url.pathname.startsWith('/api/station/')) {
      // Starting a station writes devices: only this page may ask (a JSON body cannot come from a cross-site form).
      if (req.method === 'POST' && (!sameOrigin(req) || !/^application\/json\b/i.test(req.headers['content-type'] ?? ''))) {
        return send(res, 403, 'text/plain', 'Forbidden: station requests come from the station page.\n');
      }
      return (await stationView()).handle(req, res, url.pathname);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'Method not allowed\n');
    const file = staticFile(root, url.pathname);
    if (!file) return send(res, 404, 'text/plain', 'Not found\n');
    res.setHeader('Cache-Control', 'no-cache');
    send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/bridge' || !authorised(req) || !sameOrigin(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      void bridge(ws, url.searchParams);
    });
  });

  async function bridge(ws: WebSocket, params: URLSearchParams): Promise<void> {
    const portUrl = params.get('port') ?? '';
    const baud = Number(params.get('baud') ?? 115200) || 115200;
    let transport: Transport;
    let release = (): void => {};
    try {
      if (portUrl.startsWith('sim:')) {
        const lease = await sims.lease(portUrl);
        transport = lease.transport;
        release = lease.release;
      } else {
        transport = await openReal(portUrl, baud);
      }
      await transport.open();
      if (transport.baud !== baud && transport.canSetBaud) await transport.setBaud(baud);
    } catch (e) {
      release();
      ws.send(JSON.stringify({ type: 'error', error: toAnyflashError(e, 'port-error').toJSON() }));
      ws.close(1000, 'open failed');
      return;
    }
    new PortSession(ws, transport, () => {
      release();
    }).start();
  }

  async function openReal(url: string, baud: number): Promise<Transport> {
    if (/^(rfc2217|tcp|socket):\/\//i.test(url)) return createTransport(url, { baud });
    const ports = await listPorts({ excludePid: process.pid });
    const port = ports.find((p) => p.path === url || p.byId === url);
    if (!port || !offered(port)) {
      throw new AnyflashError('port-not-found', `${url} is not a serial port this bridge offers.`, {
        advice: ['Pick a port from the list; `anyflash ui --port-filter` limits which ports are offered.'],
      });
    }
    const { vid, pid, serialNumber, manufacturer, product, interfaceNumber } = port;
    return createTransport(port.path, { baud, facts: { path: port.path, vid, pid, serialNumber, manufacturer, product, interfaceNumber } });
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => ok());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/${token ? `?token=${token}` : ''}`;
  return {
    url,
    token,
    close: async () => {
      // The station first: it ends its event streams, which would otherwise hold the server open.
      await (await station)?.dispose();
      for (const client of wss.clients) client.terminate();
      wss.close();
      sims.dispose();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

function portJson(p: SerialPortInfo): Record<string, unknown> {
  return {
    path: p.path,
    byId: p.byId,
    bus: p.bus,
    bridge: p.bridge,
    board: p.board,
    role: p.role,
    vid: p.vid,
    pid: p.pid,
    product: p.product,
    busyBy: p.heldBy.map((h) => `${h.name} (pid ${h.pid})`),
  };
}

/** Resolves a URL path inside `root`; directories and the SPA fallback give index.html. */
function staticFile(root: string, pathname: string): string | undefined {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const full = resolve(root, '.' + rel);
  if (full !== root && !full.startsWith(root + sep)) return undefined;
  if (existsSync(full) && statSync(full).isFile()) return full;
  return extname(full) === '' ? join(root, 'index.html') : undefined;
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
  res.end(body);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A loopback server answers only to loopback names, so a rebound DNS name cannot reach it. */
function hostIsLoopback(req: IncomingMessage): boolean {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return LOOPBACK.test(host);
}

/** Browsers send Origin on WebSocket upgrades: only the page this server served may connect. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
