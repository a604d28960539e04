import type { Command } from 'commander';
import { toAnyflashError } from '../../core/errors.js';
import { listPorts, type SerialPortInfo } from '../../diagnose/ports.js';
import { vidPid } from '../../diagnose/usb-bridges.js';
import { outputOptions } from '../common.js';
import { Output } from '../output.js';
import { portTable } from '../port-choice.js';

export { portTable, resolvePort } from '../port-choice.js';

interface ListFlags {
  json?: boolean;
  jsonEvents?: boolean;
  verbose?: boolean;
}

export function register(program: Command): void {
  outputOptions(
    program
      .command('list')
      .alias('ports')
      .description('list serial ports: USB VID:PID, bridge, serial number, likely board, and who holds them'),
  ).action(async (flags: ListFlags) => {
    const out = new Output(flags);
    try {
      const ports = await listPorts();
      out.result({ ok: true, ports: ports.map(portJson) }, ports.length ? portTable(ports, flags.verbose) : ['No serial ports found.']);
      process.exitCode = 0;
    } catch (e) {
      process.exitCode = out.fail(toAnyflashError(e));
    }
  });
}

function portJson(p: SerialPortInfo): Record<string, unknown> {
  return { ...p, ...(p.vid !== undefined ? { vidPid: vidPid(p.vid, p.pid) } : {}) };
}
