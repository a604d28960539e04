import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAnyflashError } from '../../src/core/errors.js';
import { connectDevice } from '../../src/families/index.js';
import { ESP_CHIPS, type EspSimDevice } from '../../src/sim/esp/index.js';
import { macCrc8 } from '../../src/sim/esp/chips.js';
import { openSimPort } from '../../src/sim/port.js';

/** The MAC the ESP family reads from the simulated chip at `url` (ROM only: the eFuse words). */
async function macOf(url: string): Promise<string | undefined> {
  const port = openSimPort(url);
  await port.transport.open();
  try {
    const device = await connectDevice({ transport: port.transport, wait: false, noStub: true, events: () => {} });
    return (await device.info()).mac;
  } finally {
    await port.transport.close();
    port.device.dispose();
  }
}

test('mac= gives a simulated ESP board its own MAC in its eFuse words: every chip reads it back, the default stays', async () => {
  for (const chip of ESP_CHIPS.map((c) => c.name)) {
    assert.equal(await macOf(`sim:${chip}?mac=02:11:22:33:44:55`), '02:11:22:33:44:55', chip);
  }
  // ESP8266: a known OUI goes in its selector bits, another one in MAC3; both read back.
  assert.equal(await macOf('sim:esp8266?mac=18:fe:34:01:02:03'), '18:fe:34:01:02:03');
  assert.equal(await macOf('sim:esp8266?mac=ac-d0-74-01-02-03'), 'ac:d0:74:01:02:03');
  assert.equal(await macOf('sim:esp32'), '24:0a:c4:12:34:56');
  assert.equal(await macOf('sim:esp32c6?mac=404cca0000ff'), '40:4c:ca:00:00:ff');
  assert.throws(() => openSimPort('sim:esp32?mac=24:0a:c4:12:34'), (e: unknown) => isAnyflashError(e) && e.code === 'bad-input' && /not a MAC address/.test(e.message));
});

test('the ESP32 keeps the CRC-8 of its MAC beside it (EFUSE_BLK0 word 2 bits 23:16), as the real eFuse does; 802.15.4 chips keep their ff:fe filler', () => {
  // Published pairs: Espressif's espefuse burn_custom_mac page (48:63:92:15:72:16 → CRC 0x75) and an
  // espefuse summary on esp32.io (t=6743: 30:ae:a4:53:dc:b1, "calculated 0x3d").
  assert.equal(macCrc8(Uint8Array.of(0x48, 0x63, 0x92, 0x15, 0x72, 0x16)), 0x75);
  assert.equal(macCrc8(Uint8Array.of(0x30, 0xae, 0xa4, 0x53, 0xdc, 0xb1)), 0x3d);
  for (const mac of ['30:ae:a4:53:dc:b1', '24:0a:c4:12:34:56']) {
    const sim = openSimPort(`sim:esp32?mac=${mac}`);
    const word2 = (sim.device as EspSimDevice).row.registers[0x3ff5a008]!;
    assert.equal((word2 >>> 16) & 0xff, macCrc8(Uint8Array.from(mac.split(':'), (h) => parseInt(h, 16))), mac);
    sim.device.dispose();
  }
  const c6 = openSimPort('sim:esp32c6?mac=02:11:22:33:44:55');
  assert.equal((c6.device as EspSimDevice).row.registers[0x600b0848], 0xfffe0211);
  c6.device.dispose();
});
