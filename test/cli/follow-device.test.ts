import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { followDevice } from '../../src/cli/open-port.js';
import { listPorts } from '../../src/diagnose/ports.js';
import { FakeTree } from '../diagnose-ports/fake-sysfs.js';

test('a reconnect follows an adapter that re-enumerated to another path by its serial number only when given the adapter (a station job is not)', async () => {
  // The CP2102 with serial A1 was ttyUSB0; unplugged and back, it is ttyUSB2. Another CP2102 sits on ttyUSB1.
  const tree = new FakeTree()
    .addUsb({ tty: 'ttyUSB1', location: '1-3', vid: '10c4', pid: 'ea60', iface: 0, serial: 'B2', driver: 'cp210x' })
    .addUsb({ tty: 'ttyUSB2', location: '1-4', vid: '10c4', pid: 'ea60', iface: 0, serial: 'A1', driver: 'cp210x' });
  const list = () => listPorts({ roots: tree.roots, platform: 'linux' });
  const gone = join(tree.dev, 'ttyUSB0');
  const adapter = { path: gone, vid: 0x10c4, pid: 0xea60, serialNumber: 'A1' };
  assert.equal(await followDevice(gone, adapter, list), join(tree.dev, 'ttyUSB2'), 'one write follows its adapter');
  assert.equal(await followDevice(gone, undefined, list), gone, 'without the adapter it reopens the same path');
  // Two adapters alike without a serial number: no guess.
  assert.equal(await followDevice(gone, { path: gone, vid: 0x10c4, pid: 0xea60 }, list), gone);
});
