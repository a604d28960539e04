import { AnyflashError } from '../core/errors.js';
import { SimClock } from './clock.js';
import type { SimDevice } from './device.js';
import type { FlashBacking } from './flash.js';
import { FaultPlan, parseFault } from './faults.js';
import { SimLink } from './link.js';
import { parseMac, type SimOptions } from './options.js';
import { createSim } from './registry.js';
import { simStubFiles } from './sifli/index.js';
import { SimTransport } from './transport.js';
import { parseNumber, parseSize } from '../engine/parse.js';

export interface SimPort {
  transport: SimTransport;
  link: SimLink;
  device: SimDevice;
  faults?: FaultPlan;
}

/**
 * Where a front end keeps a simulator's flash between runs (`flash-file=`). Files are Node-only,
 * so the front end hands its store in rather than this module importing one.
 */
export interface FlashStore {
  /** The file's contents (undefined for a new file) and a backing that writes every change through. */
  open(path: string): { initial?: Uint8Array; backing: FlashBacking & { init(contents: Uint8Array): void } };
}

/**
 * Opens `sim:<chip>[?flash-size=4M&flash-file=F&boot=firmware&latency=1&realtime=1&auto-reset=0&mac=MAC&app-log=TEXT|app-log-hex=HEX&fault=SPEC&seed=N]`:
 * an in-process simulated chip behind a USB-UART-like transport. Its flash lives as long as the
 * process unless `flash-file` keeps it in a file (`store` opens it). `fault` may repeat
 * (`fault=brownout=50%25&fault=corrupt=1e-4`); `N%` is a share of the write in progress, or of
 * `fault-write-size` bytes over the session when given.
 */
export function openSimPort(url: string, base: Partial<SimOptions> = {}, store?: FlashStore): SimPort {
  const m = /^sim:([a-z0-9_-]+)(?:\?(.*))?$/i.exec(url);
  if (!m) throw new AnyflashError('bad-input', `Bad simulator URL "${url}"; use sim:<chip>, e.g. sim:esp32.`);
  const params = new URLSearchParams(m[2] ?? '');
  const realtime = params.has('realtime') ? params.get('realtime') !== '0' : false;
  const options: SimOptions = {
    clock: new SimClock(realtime),
    ...base,
    chip: m[1]!.toLowerCase(),
  };
  if (params.has('flash-size')) options.flashSize = parseSize(params.get('flash-size')!, 'flash-size');
  if (params.has('boot')) options.boot = params.get('boot') === 'firmware' ? 'firmware' : 'download';
  if (params.has('auto-reset')) options.autoReset = params.get('auto-reset') !== '0';
  if (params.has('mac')) options.mac = parseMac(params.get('mac')!, 'mac');
  // ESP: text the firmware prints once per boot after its start lines (a panic for monitor tests).
  if (params.has('app-log')) options.extra = { ...options.extra, appLog: params.get('app-log') };
  if (params.has('app-log-hex')) options.extra = { ...options.extra, appLog: Uint8Array.from(params.get('app-log-hex')!.match(/[0-9a-f]{2}/gi) ?? [], (h) => parseInt(h, 16)) };
  const path = params.get('flash-file');
  if (path !== null && !store) throw new AnyflashError('bad-input', `${url}: flash-file= needs a front end that can write files (the command line).`);
  const file = path ? store!.open(path) : undefined;
  if (file) {
    options.flashInitial = file.initial;
    options.flashBacking = file.backing;
  }
  const device = createSim(options);
  // A new file (or one of another size) starts as the simulator's erased flash.
  if (file && file.initial?.length !== device.flash.size) file.backing.init(device.flash.data);
  const link = new SimLink(device, {
    realtime,
    latencyMs: params.has('latency') ? Number(params.get('latency')) : realtime ? 1 : 0,
  });
  const transport = new SimTransport(link, url, { chip: device.chip });
  const specs = params.getAll('fault').map(parseFault);
  let faults: FaultPlan | undefined;
  if (specs.length > 0) {
    faults = new FaultPlan(specs, {
      seed: params.has('seed') ? parseNumber(params.get('seed')!, 'seed') : undefined,
      writeSize: params.has('fault-write-size') ? parseSize(params.get('fault-write-size')!, 'fault-write-size') : undefined,
    });
    transport.unfiredFaults = () => faults!.unfired();
    faults.attach(link, {
      vanish: (ms) => {
        transport.vanish();
        setTimeout(() => transport.reappear(), ms);
      },
    });
  }
  return { transport, link, device, faults };
}

/**
 * In-process simulated chips live as long as the process: reopening a `sim:` URL finds the same
 * chip. Undefined: a simulated hub's slot whose board was taken out.
 */
const shared = new Map<string, SimTransport | undefined>();

/** The process-wide simulator behind `url` (created on first use), as a front end's port opener wants it. */
export function sharedSimTransport(url: string, store?: FlashStore): SimTransport {
  if (shared.has(url) && !shared.get(url)) throw new AnyflashError('port-not-found', `${url} is unplugged.`);
  let transport = shared.get(url);
  if (!transport) {
    transport = openSimPort(url, {}, store).transport;
    shared.set(url, transport);
  }
  return transport;
}

/** A simulated hub plugs a board it opened (perhaps with the flash of a board moved from another slot) in at `url`. */
export function plugSim(url: string, transport: SimTransport): void {
  shared.set(url, transport);
}

/**
 * A simulated hub takes the board at `url` out: the port fails as an unplugged USB device does,
 * the chip loses power (its firmware's timers stop, so nothing holds it) and opening the port again
 * finds nothing until `forgetSim` (the hub calls it once no job can reopen it, so hours of boards
 * do not pile up).
 */
export function unplugSim(url: string): void {
  const transport = shared.get(url);
  transport?.vanish();
  transport?.link.device.dispose();
  shared.set(url, undefined);
}

export function forgetSim(url: string): void {
  if (shared.has(url) && !shared.get(url)) shared.delete(url);
}

/**
 * Family options a simulated chip needs from the front end: a SiFli simulator runs the stub's
 * behaviour, not its code, so any blob of the right shape stands in for the SDK's file.
 */
export function simConnectExtra(chip: string): Record<string, unknown> {
  return chip.startsWith('sf32') ? simStubFiles(chip) : {};
}
