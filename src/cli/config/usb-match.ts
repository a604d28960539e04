import { AnyflashError } from '../../core/errors.js';
import type { SerialPortInfo } from '../../diagnose/ports.js';
import { vidPid } from '../../diagnose/usb-bridges.js';
import { portTable } from '../commands/list.js';
import type { Origin, UsbSelector } from './parse.js';

/** `303a:1001 serial F4:12…`, as `anyflash list` shows the same facts. */
export function describeUsb(want: UsbSelector): string {
  const hex = (n?: number): string => (n === undefined ? '*' : n.toString(16).padStart(4, '0'));
  const ids = want.vid === undefined && want.pid === undefined ? '' : `${hex(want.vid)}:${hex(want.pid)}`;
  return [ids, want.serial === undefined ? '' : `serial ${want.serial}`].filter(Boolean).join(' ');
}

/** The ports with this USB identity; a dual-channel adapter's JTAG channel is never the serial line meant. */
export function matchUsb(ports: readonly SerialPortInfo[], want: UsbSelector): SerialPortInfo[] {
  const hits = ports.filter(
    (p) =>
      (want.vid === undefined || p.vid === want.vid) &&
      (want.pid === undefined || p.pid === want.pid) &&
      (want.serial === undefined || p.serialNumber === want.serial),
  );
  const lines = hits.filter((p) => p.role !== 'jtag');
  return lines.length > 0 ? lines : hits;
}

/** The one port matching the selector, or a `no-port` error that shows what is plugged in. */
export function pickUsbPort(ports: readonly SerialPortInfo[], want: UsbSelector, origin: Origin): SerialPortInfo {
  const hits = matchUsb(ports, want);
  const where = `[usb] at ${origin.file}:${origin.line}`;
  if (hits.length === 1) return hits[0]!;
  const usb = ports.filter((p) => p.vid !== undefined);
  if (hits.length === 0) {
    throw new AnyflashError('no-port', `No serial port is USB ${describeUsb(want)} (${where}).`, {
      advice: [
        usb.length
          ? `Plug that board in, or change ${where}: connected now are ${usb.map((p) => `${vidPid(p.vid, p.pid)}${p.serialNumber ? ` serial ${p.serialNumber}` : ''} (${p.path})`).join(', ')}.`
          : `Plug that board in with a data cable, or pass --port.`,
      ],
      evidence: ports.length ? portTable(ports) : ['No serial ports found.'],
    });
  }
  throw new AnyflashError('no-port', `${hits.length} serial ports are USB ${describeUsb(want)} (${where}): ${hits.map((p) => p.path).join(', ')}.`, {
    advice: [
      hits.every((p) => p.serialNumber)
        ? `Add the board's serial number to ${where}, e.g. serial = "${hits[0]!.serialNumber}", or pass --port.`
        : `These boards have no USB serial number to tell them apart: pass --port.`,
    ],
    evidence: portTable(hits),
  });
}
