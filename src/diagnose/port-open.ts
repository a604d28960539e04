/**
 * Explains a failed port open with facts from this machine (Node only): who holds the port, which
 * group grants access, which ports exist instead, what the path really is.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { AnyflashError, type ErrorCode } from '../core/errors.js';
import { adviceFor } from './advice.js';
import { findHolders, findLockHolders, isPlausible, listLinuxPorts, type PortRoots, type ProcessHolder, type SerialPortInfo } from './ports.js';
import { vidPid } from './usb-bridges.js';

export interface EnrichOptions {
  roots?: PortRoots;
  platform?: NodeJS.Platform;
  /** Our own pid, never reported as the holder. */
  excludePid?: number;
  /** Groups this process runs with (`process.getgroups()`), for "you joined but did not log in again". */
  groups?: readonly number[];
  /** Login name, for the group membership check and the command we print. */
  user?: string;
}

/** Programs that usually hold a serial port, for when we cannot see the holder. */
const USUAL_HOLDERS =
  'a serial monitor (Arduino IDE, PlatformIO or ESP-IDF monitor in VS Code), screen, minicom, picocom, PuTTY, or another flasher';

/**
 * Returns `error` with a message, advice and evidence specific to this port. Errors that are not
 * about opening a local port come back unchanged.
 */
export function enrichOpenError(error: AnyflashError, url: string, options: EnrichOptions = {}): AnyflashError {
  const path = localPath(url);
  if (path === undefined) return error;
  const platform = options.platform ?? process.platform;
  switch (error.code) {
    case 'port-busy':
      return busy(error, path, platform, options);
    case 'port-permission':
      return permission(error, path, platform, options);
    case 'port-not-found':
      return notFound(error, path, platform, options);
    case 'port-not-tty':
      return notTty(error, path);
    default:
      return error;
  }
}

/** The device path inside a `serial://` / `file://` URL or a bare path; undefined for network and sim URLs. */
function localPath(url: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):(?:\/\/)?(.*)$/i.exec(url);
  if (!m || /^[a-z]$/i.test(m[1]!)) return url;
  return ['serial', 'file'].includes(m[1]!.toLowerCase()) ? m[2] : undefined;
}

function rebuild(error: AnyflashError, message: string, advice: string[], evidence: string[]): AnyflashError {
  return new AnyflashError(error.code, message, {
    advice,
    evidence: [...evidence, ...error.evidence.filter((e) => !evidence.includes(e))],
    cause: error,
    family: error.family,
    chip: error.chip,
  });
}

function busy(error: AnyflashError, path: string, platform: NodeJS.Platform, o: EnrichOptions): AnyflashError {
  const holders = platform === 'linux' ? findHolders([path], o.roots?.proc, o.excludePid ?? process.pid).get(path) ?? [] : [];
  if (holders.length) {
    // The process holding the lock is the one to close; others may only have the port open.
    const lockers = platform === 'linux' ? findLockHolders(path, o.roots?.proc) : [];
    const locking = holders.filter((h) => lockers.includes(h.pid));
    const blamed = locking.length ? locking : holders;
    const names = blamed.map(describeHolder).join(', ');
    return rebuild(
      error,
      `${path} is ${locking.length ? 'locked' : 'held open'} by ${names}.`,
      [
        `Close ${blamed.map((h) => h.name).join(' and ')} — e.g. the serial monitor in your IDE — then run again.`,
        `Or end ${blamed.length > 1 ? 'them' : 'it'}: kill ${blamed.map((h) => h.pid).join(' ')}`,
      ],
      holders.map((h) => `pid ${h.pid} (${h.name}) has ${path} open${lockers.includes(h.pid) ? ' and locked' : ''}: ${h.cmdline || h.name}`),
    );
  }
  const advice: string[] = [];
  if (platform === 'linux') {
    advice.push(`Find it with: sudo fuser -v ${path}   (processes of other users are invisible without root)`);
    if (/ttyACM/.test(path)) advice.push('ModemManager probes new ttyACM ports for a few seconds after plug-in: wait, or `sudo systemctl stop ModemManager`.');
  } else if (platform === 'win32') {
    advice.push('On Windows "Access is denied" on a COM port almost always means another program has it open.');
  }
  return rebuild(error, `${path} is in use by another program.`, withGeneral('port-busy', advice), error.evidence.length ? [] : [`open(${path}) failed: ${osMessage(error)}`]);
}

function permission(error: AnyflashError, path: string, platform: NodeJS.Platform, o: EnrichOptions): AnyflashError {
  if (platform === 'win32') {
    return rebuild(
      error,
      `Windows denied access to ${path}.`,
      [`Close the program that has ${path} open: usually ${USUAL_HOLDERS}.`, 'Then unplug and replug the adapter if it stays denied.'],
      [`open(${path}) failed: ${osMessage(error)}`],
    );
  }
  const st = statOrUndefined(path);
  const evidence = error.evidence.length ? [] : [`open(${path}) failed: ${osMessage(error)}`];
  if (st) evidence.push(`${path}: mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}, owner uid ${st.uid}, group ${groupName(st.gid) ?? st.gid}`);
  const user = o.user ?? userName();
  const groupOfNode = st && st.gid !== 0 && (st.mode & 0o060) !== 0 ? groupName(st.gid) : undefined;
  const group = groupOfNode ?? defaultSerialGroup();
  const gid = groupOfNode ? st!.gid : groupId(group);
  const sessionGroups = o.groups ?? (process.getgroups ? process.getgroups() : []);
  const listed = groupMembers(group).includes(user);
  const inSession = gid !== undefined && sessionGroups.includes(gid);
  const advice: string[] = [];
  if (listed && !inSession) {
    advice.push(`You are in the "${group}" group, but this session started before you joined: log out and back in (or run \`newgrp ${group}\`).`);
  } else if (!inSession && (groupOfNode || !st)) {
    advice.push(`Join the "${group}" group: sudo usermod -aG ${group} ${user} — then log out and back in.`);
  }
  const port = platform === 'linux' ? listLinuxPorts(o.roots).find((p) => p.path === path) : undefined;
  advice.push(`Or allow this adapter for logged-in users with a udev rule: ${udevRule(port)}`);
  return rebuild(error, `No permission to open ${path}.`, advice, evidence);
}

/** A rule for /etc/udev/rules.d/ granting the seat user access (by VID:PID when known). */
function udevRule(port?: SerialPortInfo): string {
  const match =
    port?.vid !== undefined && port.pid !== undefined
      ? `ATTRS{idVendor}=="${vidPid(port.vid, port.pid).slice(0, 4)}", ATTRS{idProduct}=="${vidPid(port.vid, port.pid).slice(5)}", `
      : '';
  const rule = `SUBSYSTEM=="tty", ${match}MODE="0660", TAG+="uaccess"`;
  return `echo '${rule}' | sudo tee /etc/udev/rules.d/60-anyflash.rules && sudo udevadm control --reload-rules && sudo udevadm trigger`;
}

function notFound(error: AnyflashError, path: string, platform: NodeJS.Platform, o: EnrichOptions): AnyflashError {
  const ports = platform === 'linux' ? listLinuxPorts(o.roots).sort((a, b) => (b.appearedAt ?? 0) - (a.appearedAt ?? 0)) : [];
  // A board is behind a USB port; on-board UARTs (ttyS0) are mentioned but never suggested.
  const usb = ports.filter(isPlausible);
  const advice: string[] = [];
  const evidence: string[] = [];
  if (platform === 'linux' && /^COM\d+$/i.test(path)) advice.push('On Linux serial ports are named /dev/ttyUSB0, /dev/ttyACM0…, not COMn.');
  if (ports.length) evidence.push(`ports present: ${ports.map((p) => p.path + describePort(p)).join(', ')}`);
  if (usb.length) {
    const newest = usb[0]!;
    advice.push(`Use ${newest.path}${describePort(newest)} — the USB serial port that appeared most recently: --port ${newest.path}`);
    if (usb.length > 1) advice.push(`Other USB serial ports: ${usb.slice(1).map((p) => p.path + describePort(p)).join(', ')}`);
    return rebuild(error, `${path} does not exist.`, advice, evidence);
  }
  if (platform === 'linux') {
    advice.push(`No USB serial port is present${ports.length ? ` (only on-board UARTs: ${ports.map((p) => p.path).join(', ')})` : ''}: plug the board in and look at \`dmesg | tail\` for the adapter.`);
    advice.push('On Ubuntu, brltty grabs CH340 adapters and the port disappears: `sudo apt remove brltty`.');
    if (!ports.length) evidence.push('no serial ports found in /sys/class/tty');
  }
  return rebuild(error, `${path} does not exist.`, withGeneral('port-not-found', advice), evidence);
}

function notTty(error: AnyflashError, path: string): AnyflashError {
  const st = statOrUndefined(path);
  const what = !st ? 'not a device' : st.isDirectory() ? 'a directory' : st.isFile() ? 'a regular file' : st.isCharacterDevice() ? 'a character device that is not a terminal' : 'not a serial device';
  return rebuild(
    error,
    `${path} is ${what}, not a serial port.`,
    ['Give the serial device of the board, e.g. /dev/ttyUSB0 or /dev/ttyACM0 (COM3 on Windows); `anyflash list` shows them.'],
    [`${path}: ${what}`],
  );
}

/** Our facts first, then the advice table's general steps for the code. */
function withGeneral(code: ErrorCode, specific: string[]): string[] {
  return [...specific, ...adviceFor(code).advice.filter((a) => !specific.includes(a))];
}

function describeHolder(h: ProcessHolder): string {
  return `${h.name} (pid ${h.pid})`;
}

function describePort(p: SerialPortInfo): string {
  const bits = [p.bridge, p.product].filter(Boolean);
  return bits.length ? ` (${bits.join(', ')})` : '';
}

function osMessage(error: AnyflashError): string {
  const cause = error.cause;
  if (cause instanceof Error) return cause.message;
  return error.message;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

function readGroups(): GroupEntry[] {
  try {
    return readFileSync('/etc/group', 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .filter((f) => f.length >= 4)
      .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(',').filter(Boolean) }));
  } catch {
    return [];
  }
}

function groupName(gid: number): string | undefined {
  return readGroups().find((g) => g.gid === gid)?.name;
}

function groupId(name: string): number | undefined {
  return readGroups().find((g) => g.name === name)?.gid;
}

function groupMembers(name: string): string[] {
  return readGroups().find((g) => g.name === name)?.members ?? [];
}

/** Arch and its derivatives give serial devices to `uucp`; Debian, Fedora, SUSE use `dialout`. */
function defaultSerialGroup(): string {
  try {
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    if (/^(ID|ID_LIKE)=.*\barch\b/m.test(osRelease)) return 'uucp';
  } catch {
    // No os-release: assume the common case.
  }
  return 'dialout';
}

function userName(): string {
  return process.env.USER ?? process.env.LOGNAME ?? '$USER';
}
