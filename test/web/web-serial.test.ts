import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectDevice } from '../../src/families/index.js';
import { writeRegions } from '../../src/engine/write.js';
import { verifyRegions } from '../../src/engine/ops.js';
import { deadlineIn } from '../../src/core/time.js';
import { WebSerialTransport } from '../../src/transport/web-serial.js';
import { simSerialPort } from './serial-port-shim.js';

function image(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('Web Serial transport over a simulated SerialPort', () => {
  it('connects to an ESP32, changes baud by reopening, writes and verifies', async () => {
    const { port, device: sim } = simSerialPort('esp32');
    const transport = new WebSerialTransport(port);
    assert.deepEqual(transport.facts, { vid: 0x10c4, pid: 0xea60 });
    await transport.open();
    const device = await connectDevice({ transport, chip: 'esp32', baud: 460800, events: () => {} });
    assert.equal(device.chip, 'esp32');
    assert.equal(transport.baud, 460800);
    // Opened at 115200, reopened at the working rate (the API's only way to change it).
    assert.deepEqual([port.opens[0], port.opens.at(-1)], [115200, 460800]);
    // The reset circuit was driven through setSignals.
    assert.ok(port.signalLog.some((s) => s.dataTerminalReady === false && s.requestToSend === true));

    const data = image(0x6000, 7);
    const first = await writeRegions(device, [{ address: 0x10000, data, name: 'app.bin' }]);
    assert.equal(first.writtenBytes, data.length);
    assert.deepEqual(sim.flash.read(0x10000, data.length), data);
    const second = await writeRegions(device, [{ address: 0x10000, data, name: 'app.bin' }]);
    assert.equal(second.writtenBytes, 0);
    assert.equal(second.skippedBytes, data.length);
    assert.deepEqual(await verifyRegions(device, [{ address: 0x10000, data, name: 'app.bin' }]), [{ name: 'app.bin', ranges: [] }]);

    await device.disconnect();
    await transport.close();
    // close() released both stream locks, or the shim (like Chrome) would have refused.
    assert.equal(port.readable, null);
  });

  it('reports an unplugged device as port-vanished to a waiting read', async () => {
    const { port } = simSerialPort('esp32');
    const transport = new WebSerialTransport(port);
    await transport.open();
    const pending = transport.read({ deadline: deadlineIn(2000) });
    port.unplug();
    await assert.rejects(pending, (e: Error & { code?: string }) => e.code === 'port-vanished');
  });

  it('refuses to open a port twice with port-busy and advice', async () => {
    const { port } = simSerialPort('esp32');
    const first = new WebSerialTransport(port);
    await first.open();
    const second = new WebSerialTransport(port);
    await assert.rejects(second.open(), (e: Error & { code?: string; advice?: string[] }) => e.code === 'port-busy' && /Close other tabs/.test(e.advice![0]!));
    await first.close();
  });
});
