import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Region } from '../../src/engine/regions.js';
import { pattern } from './helpers.js';
import { check, type Case } from './matrix.js';

// An app that ends mid-sector (the rest of its last sector must survive) and a partition table,
// which is critical and therefore written last.
const regions: Region[] = [
  { name: 'app.bin', address: 0x10000, data: pattern(0x30123, 5) },
  { name: 'partitions.bin', address: 0x8000, data: pattern(0xc00, 6), critical: true },
];
const size = regions.reduce((n, r) => n + r.data.length, 0);

const cases: Case[] = [
  { name: 'no fault', query: 'seed=1', expect: {} },
  { name: 'corrupt=1e-5', query: 'fault=corrupt=1e-5&seed=1', expect: { garbled: [0, 4], silences: [0, 2] } },
  { name: 'corrupt=1e-4', query: 'fault=corrupt=1e-4&seed=4', expect: { garbled: [0, 6], silences: [0, 3] } },
  // At 1e-3 a damaged opcode can itself restart the chip (a jump, a run command): a reboot or two is honest.
  { name: 'corrupt=1e-3', query: 'fault=corrupt=1e-3&seed=2', expect: { garbled: [0, 6], silences: [0, 6], reboots: [0, 2] } },
  { name: 'drop=1e-5', query: 'fault=drop=1e-5&seed=1', expect: { garbled: [0, 4], silences: [0, 2] } },
  { name: 'a brownout at 0x20000 that boots the firmware', query: 'fault=brownout=0x20000&boot=firmware', expect: { reboots: 1 } },
  { name: 'vanish 1 s at 40 %', query: 'fault=vanish=40%25:1', expect: { linkLosses: 1 } },
  // A 1 s stall may be ridden out by the write session itself (a new session once the chip answers).
  { name: 'stall 1 s at 60 %', query: 'fault=stall=60%25:1', expect: { silences: [0, 1] } },
  { name: 'slow flash ×4', query: 'fault=slow-flash=4', expect: {} },
  {
    name: 'corrupt=1e-5 + two brownouts + one 3 s vanish',
    query: 'fault=corrupt=1e-5&fault=brownout=25%25&fault=brownout=55%25&fault=vanish=80%25:3&boot=firmware&seed=1',
    expect: { reboots: 2, linkLosses: 1, garbled: [0, 4], silences: [0, 2] },
  },
];

for (const c of cases) {
  test(`ESP32 survives ${c.name}: flash equals the image, nothing else changed, recoveries reported`, async () => {
    await check('esp32', regions, c, size);
  });
}

test('ESP32 above the line\'s reliable baud: the write completes at a rate the line carries', async () => {
  const o = await check('esp32', regions, { name: 'max-baud', query: 'fault=max-baud=460800', baud: 921600, expect: { garbled: [0, 4], silences: [0, 4] } }, size);
  assert.ok(o.summary.device.transport.baud <= 460800, `finished at ${o.summary.device.transport.baud} baud`);
});

test('ESP32: a brownout at 50 % is one reboot, and the critical partition table is still written after the app', async () => {
  const o = await check('esp32', regions, { name: 'brownout at 50 %', query: 'fault=brownout=50%25', expect: { reboots: 1 } }, size);
  const plan = o.events.find((e) => e.type === 'plan');
  assert.deepEqual(plan?.type === 'plan' && plan.regions.map((r) => r.name), ['app.bin', 'partitions.bin']);
  const writes = o.events.filter((e) => e.type === 'finish' && e.op === 'write').map((e) => e.type === 'finish' && e.region?.name);
  assert.equal(writes.at(-1), 'partitions.bin');
});

test('ESP32: a block the stub refuses as corrupted is sent again at once, without a reconnect', async () => {
  const { openSimPort } = await import('../../src/sim/port.js');
  const { connectDevice } = await import('../../src/families/index.js');
  const port = openSimPort('sim:esp32');
  await port.transport.open();
  const events: Array<{ type: string; op?: string }> = [];
  const device = await connectDevice({ transport: port.transport, chip: 'esp32', events: (e) => void events.push(e), wait: false });
  // A read loads the stub on a clean line: the damage below is the write's.
  await device.readFlash(0x20000, 0x1000);
  let corrupted = 0;
  port.link.faults.toDevice = (bytes) => {
    if (bytes.length > 1000 && corrupted < 2) {
      corrupted++;
      const out = bytes.slice();
      out[700] ^= 0x04;
      return out;
    }
    return bytes;
  };
  const data = pattern(0x8000, 9);
  await device.writeFlash(0x20000, data);
  assert.equal(corrupted, 2);
  assert.equal(events.filter((e) => e.type === 'retry' && e.op === 'write').length, 2);
  assert.deepEqual(port.device.flash.data.subarray(0x20000, 0x28000), data);
  await port.transport.close();
  port.device.dispose();
});
