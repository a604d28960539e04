import { AnyflashError } from '../../core/errors.js';
import { listPorts, type SerialPortInfo } from '../../diagnose/ports.js';
import { vidPid } from '../../diagnose/usb-bridges.js';

/** How a production-line command names its devices. */
export interface LineFlags {
  /** Repeated `--port` arrives as a list. */
  port?: string | string[];
  /** `--ports GLOB`: every listed port whose path or by-id alias matches. */
  ports?: string;
  /** `--all-ports`: every USB serial port, narrowed by `--port-filter`. */
  allPorts?: boolean;
  portFilter?: string;
  station?: string;
  record?: string;
  reportUrl?: string;
}

/** True when the command runs on several devices at once (and so needs the line session). */
export function isLine(flags: LineFlags): boolean {
  return (Array.isArray(flags.port) && flags.port.length > 1) || flags.ports !== undefined || flags.allPorts === true;
}

/** `*` any run of characters, `?` one character; the rest literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Whether `glob` (from `globToRegExp`) names the port by its path or its by-id alias. */
export function matchesGlob(glob: RegExp, p: SerialPortInfo): boolean {
  return glob.test(p.path) || Boolean(p.byId && glob.test(p.byId));
}

/** What `--port-filter` text is matched against: VID:PID, bridge, maker, product, serial, paths. */
export function describePort(p: SerialPortInfo): string {
  return [vidPid(p.vid, p.pid), p.bridge, p.manufacturer, p.product, p.serialNumber, p.path, p.byId].filter(Boolean).join(' ').toLowerCase();
}

/** The ports a line command runs on, in a stable order, each once. */
export async function selectPorts(flags: LineFlags, list: () => Promise<SerialPortInfo[]> = () => listPorts()): Promise<string[]> {
  const chosen = Array.isArray(flags.port) ? [...flags.port] : flags.port ? [flags.port] : [];
  if (flags.ports !== undefined || flags.allPorts) {
    const all = await list();
    const glob = flags.ports !== undefined ? globToRegExp(flags.ports) : undefined;
    const filter = flags.portFilter?.toLowerCase();
    for (const p of all) {
      if (glob && !matchesGlob(glob, p)) continue;
      if (flags.allPorts && p.bus !== 'usb') continue;
      if (filter && !describePort(p).includes(filter)) continue;
      chosen.push(p.path);
    }
    if (chosen.length === 0) {
      throw new AnyflashError('port-not-found', `No serial port matches ${flags.ports !== undefined ? `--ports ${flags.ports}` : '--all-ports'}${filter ? ` with --port-filter ${flags.portFilter}` : ''}.`, {
        advice: ['anyflash list shows the ports and their USB facts; plug the devices in or widen the pattern.'],
      });
    }
  }
  return [...new Set(chosen)];
}
