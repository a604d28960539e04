import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyflashEvent } from '../../src/core/events.js';
import { espFamily } from '../../src/families/esp/index.js';
import { SimClock } from '../../src/sim/clock.js';
import { createEspSim } from '../../src/sim/esp/index.js';
import { SimLink } from '../../src/sim/link.js';
import { serveSim } from '../../src/sim/server.js';
import { createTransport } from '../../src/transport/open.js';

// Over RFC 2217 the server (esp_rfc2217_server, and `anyflash sim`) plays the download-mode reset
// itself when DTR goes on, so the chip boots after the client's own reset sequence has ended.
test('over RFC 2217 with a server-side reset the connect waits for the boot log (the chip boots after our sequence ends)', async () => {
  const device = createEspSim({ chip: 'esp32', clock: new SimClock(true), boot: 'firmware' });
  const link = new SimLink(device, { realtime: true });
  const server = await serveSim({ device, link, rfc2217: { port: 0, host: '127.0.0.1' }, espResetHelper: true });
  const transport = createTransport(server.urls.rfc2217!);
  const events: AnyflashEvent[] = [];
  try {
    await transport.open();
    const dev = await espFamily.connect({ transport, chip: 'esp32', events: (e) => void events.push(e) });
    assert.equal(dev.chip, 'esp32');
    const boot = events.find((e) => e.type === 'boot-log');
    assert.ok(boot && boot.type === 'boot-log' && /waiting for download/.test(boot.text), 'the download-mode boot log was read');
  } finally {
    await transport.close();
    await server.close();
    device.dispose();
  }
});
