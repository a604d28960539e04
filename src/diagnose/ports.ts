/**
 * Serial port discovery (Node only). On Linux it reads sysfs and /dev/serial/by-id itself, so it
 * works where `udevadm` is missing (containers, minimal images); elsewhere it asks
 * `@serialport/bindings-cpp`. It also finds which processes hold a port open (Linux /proc).
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { PortFacts } from '../transport/types.js';
import { describeBridge, identifyBridge, type ChannelRole } from './usb-bridges.js';

/** Where the kernel's views live; tests point these at a fake tree. */
export interface PortRoots {
  sys?: string;
  dev?: string;
  proc?: string;
}

export interface ProcessHolder {
  pid: number;
  /** Short process name (`/proc/PID/comm`). */
  name: string;
  /** Full command line, shortened. */
  cmdline: string;
}

export interface SerialPortInfo extends PortFacts {
  path: string;
  /** Stable alias under /dev/serial/by-id, when udev made one. */
  byId?: string;
  /** `usb` for USB bridges and native USB chips; `other` for on-board UARTs. */
  bus: 'usb' | 'other';
  /** Kernel driver (`cp210x`, `ch341`, `ftdi_sio`, `cdc_acm`, `serial8250`…). */
  driver?: string;
  /** `CP210x`, `FT2232 channel A (JTAG)`… when the VID:PID is known. */
  bridge?: string;
  role?: ChannelRole;
  /** Likely board, a guess from the bridge. */
  board?: string;
  /** USB device location (`1-2.3`), shared by the channels of one multi-channel bridge. */
  usbLocation?: string;
  /** Processes other than ours that hold the port open (Linux only). */
  heldBy: ProcessHolder[];
  /** When the device node appeared, ms since the epoch: the newest is the one just plugged in. */
  appearedAt?: number;
}

export interface ListOptions {
  roots?: PortRoots;
  platform?: NodeJS.Platform;
  /** Don't report this process as a holder (ours, e.g. while doctor has the port open). */
  excludePid?: number;
}

const CMDLINE_MAX = 160;

/** Lists serial ports, most recently appeared first. Never throws: an unreadable view gives fewer ports. */
export async function listPorts(options: ListOptions = {}): Promise<SerialPortInfo[]> {
  const platform = options.platform ?? process.platform;
  const ports = platform === 'linux' ? listLinuxPorts(options.roots) : await listWithBindings();
  if (platform === 'linux') {
    const holders = findHolders(ports.map((p) => p.path), options.roots?.proc, options.excludePid ?? process.pid);
    for (const p of ports) p.heldBy = holders.get(p.path) ?? [];
  }
  return ports.sort((a, b) => (b.appearedAt ?? 0) - (a.appearedAt ?? 0) || a.path.localeCompare(b.path));
}

/** Reads /sys/class/tty and /dev/serial/by-id under the given roots. */
export function listLinuxPorts(roots: PortRoots = {}): SerialPortInfo[] {
  const sys = roots.sys ?? '/sys';
  const dev = roots.dev ?? '/dev';
  const classDir = join(sys, 'class', 'tty');
  const byId = readByIdLinks(join(dev, 'serial', 'by-id'));
  const out: SerialPortInfo[] = [];
  for (const name of safeReaddir(classDir)) {
    const entry = join(classDir, name);
    const deviceLink = join(entry, 'device');
    // Virtual terminals and ptys have no backing device.
    if (!existsSync(deviceLink)) continue;
    // 8250-class drivers register placeholders (ttyS0..31); type 0 = PORT_UNKNOWN = nothing there.
    const type = readText(join(entry, 'type'));
    if (type !== undefined && type === '0') continue;
    const path = join(dev, name);
    if (!existsSync(path)) continue;
    out.push(describeSysfsPort(path, deviceLink, byId.get(name)));
  }
  return out;
}

function describeSysfsPort(path: string, deviceLink: string, byId?: string): SerialPortInfo {
  const port: SerialPortInfo = { path, bus: 'other', heldBy: [] };
  if (byId) port.byId = byId;
  const driver = linkName(join(deviceLink, 'driver'));
  if (driver) port.driver = driver;
  const appeared = statTime(path);
  if (appeared !== undefined) port.appearedAt = appeared;
  const usb = findUsbDevice(deviceLink);
  if (!usb) return port;
  port.bus = 'usb';
  port.usbLocation = basename(usb.device);
  const vid = parseHex(readText(join(usb.device, 'idVendor')));
  const pid = parseHex(readText(join(usb.device, 'idProduct')));
  if (vid !== undefined) port.vid = vid;
  if (pid !== undefined) port.pid = pid;
  const serial = readText(join(usb.device, 'serial'));
  const manufacturer = readText(join(usb.device, 'manufacturer'));
  const product = readText(join(usb.device, 'product'));
  if (serial) port.serialNumber = serial;
  if (manufacturer) port.manufacturer = manufacturer;
  if (product) port.product = product;
  if (usb.iface) {
    const n = parseHex(readText(join(usb.iface, 'bInterfaceNumber')));
    if (n !== undefined) port.interfaceNumber = n;
  }
  annotateBridge(port);
  if (!driver && usb.iface) {
    const ifaceDriver = linkName(join(usb.iface, 'driver'));
    if (ifaceDriver) port.driver = ifaceDriver;
  }
  return port;
}

/** Adds bridge name, channel role and a board guess from VID:PID and interface number. */
export function annotateBridge(port: SerialPortInfo): void {
  const match = identifyBridge(port.vid, port.pid, port.interfaceNumber);
  if (!match) return;
  port.bridge = describeBridge(match);
  port.role = match.role;
  if (match.entry.boards.length) port.board = match.entry.boards[0];
}

/** Walks up from the tty's device to the USB interface (bInterfaceNumber) and device (idVendor). */
function findUsbDevice(deviceLink: string): { device: string; iface?: string } | undefined {
  let dir: string;
  try {
    dir = realpathSync(deviceLink);
  } catch {
    return undefined;
  }
  let iface: string | undefined;
  for (let depth = 0; depth < 8 && dir !== dirname(dir); depth++, dir = dirname(dir)) {
    if (!iface && existsSync(join(dir, 'bInterfaceNumber'))) iface = dir;
    if (existsSync(join(dir, 'idVendor'))) return { device: dir, iface };
  }
  return undefined;
}

function readByIdLinks(dir: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const alias of safeReaddir(dir)) {
    try {
      map.set(basename(resolve(dir, readlinkSync(join(dir, alias)))), join(dir, alias));
    } catch {
      // A dangling link is a port that just left; skip it.
    }
  }
  return map;
}

/** Maps each path to the processes (other than `excludePid`) with an open fd on it. */
export function findHolders(paths: readonly string[], procRoot = '/proc', excludePid?: number): Map<string, ProcessHolder[]> {
  const wanted = new Map<string, string>();
  for (const p of paths) {
    wanted.set(p, p);
    try {
      wanted.set(realpathSync(p), p);
    } catch {
      // Missing paths still match by name.
    }
  }
  const found = new Map<string, ProcessHolder[]>();
  for (const entry of safeReaddir(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === excludePid) continue;
    const fdDir = join(procRoot, entry, 'fd');
    // Other users' processes are unreadable without root; we report what we can see.
    for (const fd of safeReaddir(fdDir)) {
      let target: string;
      try {
        target = readlinkSync(join(fdDir, fd));
      } catch {
        continue;
      }
      const path = wanted.get(target);
      if (path === undefined) continue;
      const list = found.get(path) ?? [];
      if (!list.some((h) => h.pid === pid)) list.push(describeProcess(procRoot, pid));
      found.set(path, list);
    }
  }
  return found;
}

/**
 * Pids that hold a flock/POSIX lock on `path` (Linux /proc/locks). This is how serial libraries
 * claim a port exclusively, so it tells the real owner apart from processes that merely have it open.
 */
export function findLockHolders(path: string, procRoot = '/proc'): number[] {
  let st: { dev: number; ino: number };
  let locks: string;
  try {
    st = statSync(path);
    locks = readFileSync(join(procRoot, 'locks'), 'utf8');
  } catch {
    return [];
  }
  const major = (st.dev >> 8) & 0xfff;
  const minor = (st.dev & 0xff) | ((st.dev >> 12) & 0xfff00);
  const pids: number[] = [];
  // `1: FLOCK  ADVISORY  WRITE 27698 00:1a:9 0 EOF` — pid, then major:minor:inode of the file.
  for (const m of locks.matchAll(/^\d+:\s+\S+\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/gim)) {
    if (parseInt(m[2]!, 16) === major && parseInt(m[3]!, 16) === minor && Number(m[4]) === st.ino) pids.push(Number(m[1]));
  }
  return pids;
}

function describeProcess(procRoot: string, pid: number): ProcessHolder {
  const name = readText(join(procRoot, String(pid), 'comm')) ?? '?';
  let cmdline = '';
  try {
    cmdline = readFileSync(join(procRoot, String(pid), 'cmdline'), 'latin1').split('\0').filter(Boolean).join(' ');
  } catch {
    // The process may have exited between the scan and now.
  }
  if (cmdline.length > CMDLINE_MAX) cmdline = cmdline.slice(0, CMDLINE_MAX - 1) + '…';
  return { pid, name, cmdline };
}

/** Other OSes: the serialport binding's list (registry/IOKit). Wrapped: a failing binding lists nothing. */
async function listWithBindings(): Promise<SerialPortInfo[]> {
  try {
    const { autoDetect } = await import('@serialport/bindings-cpp');
    const raw = await autoDetect().list();
    return raw.map((r) => {
      const port: SerialPortInfo = { path: r.path, bus: r.vendorId ? 'usb' : 'other', heldBy: [] };
      const vid = parseHex(r.vendorId);
      const pid = parseHex(r.productId);
      if (vid !== undefined) port.vid = vid;
      if (pid !== undefined) port.pid = pid;
      if (r.serialNumber) port.serialNumber = r.serialNumber;
      if (r.manufacturer) port.manufacturer = r.manufacturer;
      if (r.locationId) port.usbLocation = r.locationId;
      const iface = interfaceFromPnpId(r.pnpId);
      if (iface !== undefined) port.interfaceNumber = iface;
      annotateBridge(port);
      return port;
    });
  } catch {
    return [];
  }
}

/**
 * Windows PnP ids carry the interface as `MI_01` (composite USB) or, for FTDI's own driver, as the
 * channel letter after the serial number (`FTDIBUS\VID_0403+PID_6010+FT1234B\0000`).
 */
export function interfaceFromPnpId(pnpId?: string): number | undefined {
  if (!pnpId) return undefined;
  const mi = /MI_([0-9a-f]{2})/i.exec(pnpId);
  if (mi) return parseInt(mi[1]!, 16);
  const ftdi = /^FTDIBUS\\VID_[0-9a-f]{4}\+PID_[0-9a-f]{4}\+[^\\]*?([A-D])\\/i.exec(pnpId);
  if (ftdi) return ftdi[1]!.toUpperCase().charCodeAt(0) - 65;
  return undefined;
}

export type PortChoice =
  | { kind: 'chosen'; port: SerialPortInfo; reason: string }
  | { kind: 'ask'; candidates: SerialPortInfo[] }
  | { kind: 'none' };

/** A port a chip is likely behind: a USB serial port that is not a JTAG channel. */
export function isPlausible(port: SerialPortInfo): boolean {
  return port.bus === 'usb' && port.role !== 'jtag';
}

/**
 * Picks the port when `--port` is omitted: exactly one plausible port is used; several (or only
 * on-board UARTs) are returned as candidates for the user to choose from.
 */
export function choosePort(ports: readonly SerialPortInfo[]): PortChoice {
  const plausible = ports.filter(isPlausible);
  if (plausible.length === 1) {
    const port = plausible[0]!;
    const what = [port.bridge, port.product].filter(Boolean).join(', ');
    return { kind: 'chosen', port, reason: `the only USB serial port${what ? ` (${what})` : ''}` };
  }
  if (plausible.length > 1) return { kind: 'ask', candidates: plausible };
  const rest = ports.filter((p) => p.role !== 'jtag');
  return rest.length ? { kind: 'ask', candidates: rest } : { kind: 'none' };
}

/** The other channels of the same USB device (e.g. ESP-Prog channel B next to channel A). */
export function siblingPorts(port: SerialPortInfo, ports: readonly SerialPortInfo[]): SerialPortInfo[] {
  if (!port.usbLocation) return [];
  return ports.filter((p) => p.path !== port.path && p.usbLocation === port.usbLocation);
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function linkName(path: string): string | undefined {
  try {
    return basename(readlinkSync(path));
  } catch {
    return undefined;
  }
}

/** Device nodes are created (and chowned by udev) when the device appears: ctime marks arrival. */
function statTime(path: string): number | undefined {
  try {
    return statSync(path).ctimeMs;
  } catch {
    return undefined;
  }
}

function parseHex(s?: string): number | undefined {
  if (!s) return undefined;
  const n = parseInt(s, 16);
  return Number.isFinite(n) ? n : undefined;
}
