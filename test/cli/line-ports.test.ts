import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAnyflashError } from '../../src/core/errors.js';
import type { SerialPortInfo } from '../../src/diagnose/ports.js';
import { isLine, selectPorts } from '../../src/cli/line/ports.js';

const port = (path: string, facts: Partial<SerialPortInfo> = {}): SerialPortInfo => ({ path, bus: 'usb', heldBy: [], ...facts });
const machine: SerialPortInfo[] = [
  port('/dev/ttyUSB0', { vid: 0x10c4, pid: 0xea60, bridge: 'CP210x', serialNumber: 'A1' }),
  port('/dev/ttyUSB1', { vid: 0x1a86, pid: 0x7523, bridge: 'CH340' }),
  port('/dev/ttyACM0', { vid: 0x303a, pid: 0x1001, product: 'USB JTAG/serial debug unit', byId: '/dev/serial/by-id/usb-Espressif_USB_JTAG_serial_debug_unit-if00' }),
  port('/dev/ttyS0', { bus: 'other' }),
];
const list = async (): Promise<SerialPortInfo[]> => machine;

test('--ports matches paths and by-id aliases by glob; --all-ports takes USB ports only, narrowed by --port-filter', async () => {
  assert.deepEqual(await selectPorts({ ports: '/dev/ttyUSB*' }, list), ['/dev/ttyUSB0', '/dev/ttyUSB1']);
  assert.deepEqual(await selectPorts({ ports: '*Espressif*' }, list), ['/dev/ttyACM0']);
  assert.deepEqual(await selectPorts({ allPorts: true }, list), ['/dev/ttyUSB0', '/dev/ttyUSB1', '/dev/ttyACM0']);
  assert.deepEqual(await selectPorts({ allPorts: true, portFilter: '10C4:EA60' }, list), ['/dev/ttyUSB0']);
  assert.deepEqual(await selectPorts({ allPorts: true, portFilter: 'jtag' }, list), ['/dev/ttyACM0']);
  // Given ports and matched ports together, each once.
  assert.deepEqual(await selectPorts({ port: ['/dev/ttyUSB1', 'sim:esp32'], ports: '/dev/ttyUSB?' }, list), ['/dev/ttyUSB1', 'sim:esp32', '/dev/ttyUSB0']);
});

test('a pattern that matches nothing is port-not-found, not a silent success with no devices', async () => {
  await assert.rejects(selectPorts({ allPorts: true, portFilter: 'ffff:0000' }, list), (e) => isAnyflashError(e, 'port-not-found') && /--port-filter ffff:0000/.test(e.message));
});

test('one --port is a single-device command; two, --ports or --all-ports make a line', () => {
  assert.equal(isLine({ port: 'sim:esp32' }), false);
  assert.equal(isLine({ port: ['sim:esp32', 'sim:esp32c3'] }), true);
  assert.equal(isLine({ ports: '/dev/ttyUSB*' }), true);
  assert.equal(isLine({ allPorts: true }), true);
});
