import { createInterface } from 'node:readline/promises';
import { AnyflashError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import { choosePort, listPorts, type SerialPortInfo } from '../diagnose/ports.js';
import { vidPid } from '../diagnose/usb-bridges.js';

function heldBy(p: SerialPortInfo): string {
  return p.heldBy.map((h) => `${h.name} (${h.pid})`).join(', ');
}

/** A plain aligned table; the board column is a guess from the bridge, marked with `?`. */
export function portTable(ports: readonly SerialPortInfo[], verbose = false): string[] {
  const header = ['PORT', 'VID:PID', 'BRIDGE', 'SERIAL', 'PRODUCT', 'BOARD?', 'HELD BY'];
  const rows = ports.map((p) => [
    p.path,
    vidPid(p.vid, p.pid),
    p.bridge ?? (p.bus === 'usb' ? 'unknown USB' : 'on-board UART'),
    p.serialNumber ?? '',
    p.product ?? '',
    p.board ?? '',
    heldBy(p),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const lines = [line(header), ...rows.map(line)];
  if (verbose) for (const p of ports) if (p.byId) lines.push(`${p.path} = ${p.byId}`);
  return lines;
}

/**
 * The port to use when `--port` may be omitted: the only plausible port (announced as a note), or
 * the person's pick on a terminal; otherwise a `no-port` error that lists the candidates.
 */
export async function resolvePort(port: string | undefined, events: EventSink, interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY)): Promise<string> {
  if (port) return port;
  const ports = await listPorts();
  const choice = choosePort(ports);
  if (choice.kind === 'chosen') {
    events({ type: 'note', level: 'warn', message: `Using ${choice.port.path}: ${choice.reason}.`, code: 'port-chosen' });
    return choice.port.path;
  }
  if (choice.kind === 'none') {
    throw new AnyflashError('no-port', 'No serial port given and none found.', {
      advice: ['Plug the board in with a data cable, or pass --port (COM3, /dev/ttyUSB0, tcp://host:port, sim:esp32).'],
    });
  }
  if (interactive) return ask(choice.candidates);
  const what = choice.candidates.length === 1 ? `the only port, ${choice.candidates[0]!.path}, is not a USB serial port` : `${choice.candidates.length} ports could be meant`;
  throw new AnyflashError('no-port', `No serial port given, and ${what}.`, {
    advice: [`Pass --port with one of: ${choice.candidates.map((p) => p.path).join(', ')}`],
    evidence: portTable(choice.candidates),
  });
}

async function ask(candidates: readonly SerialPortInfo[]): Promise<string> {
  const table = portTable(candidates);
  process.stderr.write(`Which port?\n     ${table[0]}\n`);
  candidates.forEach((_, i) => process.stderr.write(`  ${String(i + 1).padStart(2)} ${table[i + 1]}\n`));
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (let tries = 0; tries < 3; tries++) {
      const answer = (await rl.question(`Port [1-${candidates.length}]: `)).trim();
      const n = Number(answer);
      if (Number.isInteger(n) && n >= 1 && n <= candidates.length) return candidates[n - 1]!.path;
      const byPath = candidates.find((p) => p.path === answer);
      if (byPath) return byPath.path;
    }
  } finally {
    rl.close();
  }
  throw new AnyflashError('no-port', 'No port was chosen.', { advice: ['Pass --port.'] });
}
