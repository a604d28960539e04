import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { choosePort, findHolders, interfaceFromPnpId, listPorts, siblingPorts, type SerialPortInfo } from '../../src/diagnose/ports.js';
import { identifyBridge, vidPid } from '../../src/diagnose/usb-bridges.js';
import { FakeTree } from './fake-sysfs.js';

function espProgTree(): FakeTree {
  return new FakeTree()
    .addUsb({ tty: 'ttyUSB0', location: '1-2', vid: '0403', pid: '6010', iface: 0, serial: 'EP0001', manufacturer: 'FTDI', product: 'Dual RS232-HS', driver: 'ftdi_sio' })
    .addUsb({ tty: 'ttyUSB1', location: '1-2', vid: '0403', pid: '6010', iface: 1, serial: 'EP0001', manufacturer: 'FTDI', product: 'Dual RS232-HS', driver: 'ftdi_sio', byId: 'usb-FTDI_Dual_RS232-HS-if01-port0' });
}

test('sysfs listing: USB bridges with VID:PID, serial, interface, by-id; placeholders and ptys left out', async () => {
  const tree = espProgTree()
    .addUsb({ tty: 'ttyACM0', location: '1-4', vid: '303a', pid: '1001', iface: 0, serial: 'F4:12:FA:00:11:22', manufacturer: 'Espressif', product: 'USB JTAG/serial debug unit', driver: 'cdc_acm', acm: true })
    .addUsb({ tty: 'ttyUSB7', location: '1-5', vid: '1a86', pid: '7523', iface: 0, driver: 'ch341', noDevNode: true })
    .addUart('ttyS0', 4)
    .addUart('ttyS1', 0);
  const ports = await listPorts({ roots: tree.roots, platform: 'linux' });
  const byPath = new Map(ports.map((p) => [p.path.slice(tree.dev.length + 1), p]));
  assert.deepEqual([...byPath.keys()].sort(), ['ttyACM0', 'ttyS0', 'ttyUSB0', 'ttyUSB1']);

  const a = byPath.get('ttyUSB0')!;
  assert.equal(vidPid(a.vid, a.pid), '0403:6010');
  assert.equal(a.interfaceNumber, 0);
  assert.equal(a.serialNumber, 'EP0001');
  assert.equal(a.product, 'Dual RS232-HS');
  assert.equal(a.driver, 'ftdi_sio');
  assert.equal(a.bridge, 'FT2232 channel A (JTAG)');
  assert.equal(a.role, 'jtag');
  assert.equal(a.board, 'ESP-Prog');

  const b = byPath.get('ttyUSB1')!;
  assert.equal(b.interfaceNumber, 1);
  assert.equal(b.role, 'uart');
  assert.equal(b.bridge, 'FT2232 channel B');
  assert.equal(b.byId, join(tree.dev, 'serial', 'by-id', 'usb-FTDI_Dual_RS232-HS-if01-port0'));
  assert.deepEqual(siblingPorts(a, ports).map((p) => p.path), [b.path]);

  const acm = byPath.get('ttyACM0')!;
  assert.equal(acm.bridge, 'USB-Serial/JTAG');
  assert.equal(acm.role, 'usb-serial-jtag');
  assert.equal(acm.driver, 'cdc_acm');
  assert.equal(acm.manufacturer, 'Espressif');

  assert.equal(byPath.get('ttyS0')!.bus, 'other');
});

test('newest device node is listed first (the one just plugged in)', async () => {
  const tree = new FakeTree().addUsb({ tty: 'ttyUSB0', location: '1-1', vid: '10c4', pid: 'ea60', iface: 0, driver: 'cp210x' });
  await new Promise((r) => setTimeout(r, 20));
  tree.addUsb({ tty: 'ttyUSB1', location: '1-3', vid: '1a86', pid: '55d4', iface: 0, driver: 'ch341' });
  const ports = await listPorts({ roots: tree.roots, platform: 'linux' });
  assert.deepEqual(ports.map((p) => p.bridge), ['CH9102', 'CP210x']);
});

test('holders found through /proc/*/fd name the process', async () => {
  const tree = new FakeTree().addUsb({ tty: 'ttyUSB0', location: '1-1', vid: '10c4', pid: 'ea60', iface: 0, driver: 'cp210x' });
  const path = join(tree.dev, 'ttyUSB0');
  tree.addProcess(4242, 'minicom', ['minicom', '-D', path], path).addProcess(77, 'bash', ['bash'], '/dev/pts/3');
  const [port] = await listPorts({ roots: tree.roots, platform: 'linux' });
  assert.deepEqual(port!.heldBy, [{ pid: 4242, name: 'minicom', cmdline: `minicom -D ${path}` }]);
  assert.equal(findHolders([path], tree.proc, 4242).get(path), undefined, 'our own pid is not a holder');
});

test('bridge table: ESP-Prog channel A is JTAG, channel B the UART; native Espressif USB', () => {
  assert.equal(identifyBridge(0x0403, 0x6010, 0)!.role, 'jtag');
  assert.equal(identifyBridge(0x0403, 0x6010, 1)!.role, 'uart');
  assert.equal(identifyBridge(0x303a, 0x1001)!.role, 'usb-serial-jtag');
  assert.equal(identifyBridge(0x303a, 0x0009)!.role, 'usb-otg');
  assert.equal(identifyBridge(0x1a86, 0x55d3)!.entry.name, 'CH343');
  assert.equal(identifyBridge(0x10c4, 0xea60)!.entry.name, 'CP210x');
  assert.equal(identifyBridge(0x067b, 0x2303)!.entry.name, 'PL2303');
  assert.equal(identifyBridge(0x1234, 0x5678), undefined);
});

test('Windows PnP ids give the interface number', () => {
  assert.equal(interfaceFromPnpId('USB\\VID_303A&PID_1001&MI_00\\6&2B0B8B1&0&0000'), 0);
  assert.equal(interfaceFromPnpId('FTDIBUS\\VID_0403+PID_6010+EP0001B\\0000'), 1);
  assert.equal(interfaceFromPnpId('USB\\VID_10C4&PID_EA60\\0001'), undefined);
});

function port(path: string, extra: Partial<SerialPortInfo> = {}): SerialPortInfo {
  return { path, bus: 'usb', heldBy: [], role: 'uart', ...extra };
}

test('choosePort: one plausible port is used; a JTAG channel never is; several are asked', () => {
  const jtag = port('/dev/ttyUSB0', { role: 'jtag', bridge: 'FT2232 channel A (JTAG)' });
  const uart = port('/dev/ttyUSB1', { bridge: 'FT2232 channel B' });
  const legacy = port('/dev/ttyS0', { bus: 'other', role: undefined });
  const one = choosePort([jtag, uart, legacy]);
  assert.equal(one.kind, 'chosen');
  assert.equal(one.kind === 'chosen' && one.port.path, '/dev/ttyUSB1');
  assert.match(one.kind === 'chosen' ? one.reason : '', /only USB serial port.*FT2232 channel B/);

  const two = choosePort([uart, port('/dev/ttyACM0')]);
  assert.equal(two.kind, 'ask');
  assert.deepEqual(two.kind === 'ask' && two.candidates.map((p) => p.path), ['/dev/ttyUSB1', '/dev/ttyACM0']);

  const onlyOnboard = choosePort([legacy]);
  assert.equal(onlyOnboard.kind, 'ask', 'an on-board UART is offered, not silently used');
  assert.equal(choosePort([jtag]).kind, 'none');
  assert.equal(choosePort([]).kind, 'none');
});

test('anyflash list table: bridge, channel, board guess and holder per port', async () => {
  const { portTable } = await import('../../src/cli/commands/list.js');
  const tree = espProgTree();
  const path = join(tree.dev, 'ttyUSB1');
  tree.addProcess(4242, 'screen', ['screen', path, '115200'], path);
  const ports = await listPorts({ roots: tree.roots, platform: 'linux' });
  const lines = portTable(ports);
  assert.match(lines[0]!, /^PORT\s+VID:PID\s+BRIDGE\s+SERIAL\s+PRODUCT\s+BOARD\?\s+HELD BY$/);
  const a = lines.find((l) => l.includes('ttyUSB0'))!;
  const b = lines.find((l) => l.includes('ttyUSB1'))!;
  assert.match(a, /0403:6010\s+FT2232 channel A \(JTAG\)\s+EP0001\s+Dual RS232-HS\s+ESP-Prog$/);
  assert.match(b, /FT2232 channel B .*screen \(4242\)$/);
});
