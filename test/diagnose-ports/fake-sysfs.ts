/** Builds a fake /sys, /dev and /proc tree laid out like a Linux kernel's, for port-listing tests. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface FakeUsbPort {
  tty: string;
  /** USB device location, e.g. `1-2`. */
  location: string;
  vid: string;
  pid: string;
  iface: number;
  serial?: string;
  manufacturer?: string;
  product?: string;
  driver: string;
  /** cdc_acm links the tty's device straight to the interface; usb-serial adds a ttyUSBn level. */
  acm?: boolean;
  byId?: string;
  /** Leave out the /dev node (a sysfs entry whose node is not visible, as in containers). */
  noDevNode?: boolean;
}

export class FakeTree {
  readonly root = mkdtempSync(join(tmpdir(), 'anyflash-sysfs-'));
  readonly sys = join(this.root, 'sys');
  readonly dev = join(this.root, 'dev');
  readonly proc = join(this.root, 'proc');

  constructor() {
    mkdirSync(join(this.sys, 'class', 'tty'), { recursive: true });
    mkdirSync(join(this.dev, 'serial', 'by-id'), { recursive: true });
    mkdirSync(this.proc, { recursive: true });
    // A virtual terminal and the pty multiplexer: no `device`, never listed.
    for (const name of ['tty0', 'ptmx']) mkdirSync(join(this.sys, 'class', 'tty', name));
    writeFileSync(join(this.dev, 'ptmx'), '');
  }

  addUsb(p: FakeUsbPort): this {
    const usbDev = join(this.sys, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1', p.location);
    mkdirSync(usbDev, { recursive: true });
    write(join(usbDev, 'idVendor'), p.vid);
    write(join(usbDev, 'idProduct'), p.pid);
    if (p.serial) write(join(usbDev, 'serial'), p.serial);
    if (p.manufacturer) write(join(usbDev, 'manufacturer'), p.manufacturer);
    if (p.product) write(join(usbDev, 'product'), p.product);
    const iface = join(usbDev, `${p.location}:1.${p.iface}`);
    mkdirSync(iface, { recursive: true });
    write(join(iface, 'bInterfaceNumber'), p.iface.toString(16).padStart(2, '0'));
    const driverDir = join(this.sys, 'bus', 'usb', 'drivers', p.driver);
    mkdirSync(driverDir, { recursive: true });
    const device = p.acm ? iface : join(iface, p.tty);
    mkdirSync(device, { recursive: true });
    symlinkSync(driverDir, join(device, 'driver'));
    const classDir = join(device, 'tty', p.tty);
    mkdirSync(classDir, { recursive: true });
    symlinkSync(device, join(classDir, 'device'));
    symlinkSync(classDir, join(this.sys, 'class', 'tty', p.tty));
    if (!p.noDevNode) writeFileSync(join(this.dev, p.tty), '');
    if (p.byId) symlinkSync(`../../${p.tty}`, join(this.dev, 'serial', 'by-id', p.byId));
    return this;
  }

  /** An 8250 UART: `type` 0 is one of the kernel's placeholder ports. */
  addUart(tty: string, type: number): this {
    const device = join(this.sys, 'devices', 'pnp0', `00:0${tty.slice(-1)}`);
    mkdirSync(device, { recursive: true });
    const classDir = join(device, 'tty', tty);
    mkdirSync(classDir, { recursive: true });
    symlinkSync(device, join(classDir, 'device'));
    write(join(classDir, 'type'), String(type));
    symlinkSync(classDir, join(this.sys, 'class', 'tty', tty));
    writeFileSync(join(this.dev, tty), '');
    return this;
  }

  /** A process in the fake /proc with an fd open on `target`. */
  addProcess(pid: number, comm: string, cmdline: string[], target: string): this {
    const dir = join(this.proc, String(pid));
    mkdirSync(join(dir, 'fd'), { recursive: true });
    write(join(dir, 'comm'), comm);
    writeFileSync(join(dir, 'cmdline'), cmdline.join('\0') + '\0');
    symlinkSync('/dev/null', join(dir, 'fd', '0'));
    symlinkSync(target, join(dir, 'fd', '3'));
    return this;
  }

  get roots() {
    return { sys: this.sys, dev: this.dev, proc: this.proc };
  }
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text + '\n');
}
