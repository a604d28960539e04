import { AnyflashError } from '../../core/errors.js';
import { listPorts } from '../../diagnose/ports.js';
import { parseNumber } from '../../engine/parse.js';
import { describePort, globToRegExp, type LineFlags } from './ports.js';

/** Where a station sees devices come and go. */
export interface PortSource {
  /** The ports present now. */
  present(): Promise<string[]>;
  /** A device's job ended (a simulated operator unplugs it). */
  finished?(port: string): void;
  /** No device will ever appear again (a simulated hub that has plugged in all of its devices). */
  exhausted?(): boolean;
}

/**
 * `sim-hub:esp32,bk7231n;fault=brownout=50%25,esp32c3[?every=MS&hold=MS]`: a simulated USB hub for
 * trying station mode without hardware. Its devices are plugged in one after another, `every` ms
 * apart (default 500), each a fresh in-process chip (`;k=v` become its sim: parameters); a device
 * is unplugged `hold` ms (default 300) after its job ends, as an operator takes a finished board out.
 */
export class SimHub implements PortSource {
  private readonly urls: string[];
  private readonly every: number;
  private readonly hold: number;
  private readonly started = performance.now();
  private readonly removed = new Set<string>();

  constructor(spec: string) {
    const m = /^sim-hub:([^?]+)(?:\?(.*))?$/i.exec(spec);
    if (!m) throw new AnyflashError('bad-input', `Bad simulated hub "${spec}"; use sim-hub:esp32,bk7231n,…`);
    const params = new URLSearchParams(m[2] ?? '');
    this.every = params.has('every') ? parseNumber(params.get('every')!, 'every') : 500;
    this.hold = params.has('hold') ? parseNumber(params.get('hold')!, 'hold') : 300;
    // Each slot is its own chip: `slot=N` keeps two boards of the same type apart.
    this.urls = m[1]!.split(',').map((item, slot) => {
      const [chip, ...kv] = item.split(';');
      return `sim:${chip!.trim()}?${[...kv, `slot=${slot + 1}`].join('&')}`;
    });
  }

  async present(): Promise<string[]> {
    const plugged = Math.min(this.urls.length, Math.floor((performance.now() - this.started) / this.every) + 1);
    return this.urls.slice(0, plugged).filter((u) => !this.removed.has(u));
  }

  finished(port: string): void {
    setTimeout(() => this.removed.add(port), this.hold);
  }

  exhausted(): boolean {
    return performance.now() - this.started >= this.every * (this.urls.length - 1);
  }
}

/** Real ports: the USB serial ports that match `--ports`/`--port-filter` (all USB ports without them). */
export function serialPorts(flags: LineFlags): PortSource {
  const glob = flags.ports !== undefined ? globToRegExp(flags.ports) : undefined;
  const filter = flags.portFilter?.toLowerCase();
  return {
    async present() {
      return (await listPorts())
        .filter((p) => (glob ? glob.test(p.path) || (p.byId !== undefined && glob.test(p.byId)) : p.bus === 'usb'))
        .filter((p) => !filter || describePort(p).includes(filter))
        .map((p) => p.path);
    },
  };
}
