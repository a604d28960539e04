import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Region } from '../../src/engine/regions.js';
import { openSimPort, type SimPort } from '../../src/sim/port.js';
import { writeRegions } from '../../src/engine/write.js';
import { connectDevice } from '../../src/families/index.js';
import { expectedFlash, firstDifference, pattern, runScenario } from './helpers.js';
import { check, type Case } from './matrix.js';

const regions: Region[] = [{ name: 'app.rbl', address: 0x20000, data: pattern(0x30123, 8) }];
const size = regions[0]!.data.length;

// The Beken client re-links by itself after a lost reply (its own `recover` events); the engine
// reconnects only when that is not enough, e.g. when the port itself vanished.
const cases: Case[] = [
  { name: 'no fault', query: 'seed=1', expect: {}, familyRecoveries: 0 },
  { name: 'corrupt=1e-4', query: 'fault=corrupt=1e-4&seed=1', expect: { garbled: [0, 4] }, familyRecoveries: [0, 8] },
  { name: 'drop=1e-5', query: 'fault=drop=1e-5&seed=1', expect: { garbled: [0, 2] }, familyRecoveries: [0, 4] },
  { name: 'a brownout at 50 %', query: 'fault=brownout=50%25', expect: {}, familyRecoveries: 1 },
  { name: 'a 1 s vanish at 40 %', query: 'fault=vanish=40%25:1', expect: { linkLosses: 1 } },
  { name: 'a 1 s stall at 60 %', query: 'fault=stall=60%25:1', expect: {}, familyRecoveries: [1, 2] },
  {
    name: 'corrupt=1e-5 + two brownouts + one 3 s vanish',
    query: 'fault=corrupt=1e-5&fault=brownout=25%25&fault=brownout=55%25&fault=vanish=80%25:3&seed=1',
    expect: { linkLosses: 1, garbled: [0, 2] },
    familyRecoveries: [2, 4],
  },
];

for (const chip of ['bk7231n', 'bk7231t']) {
  for (const c of chip === 'bk7231n' ? cases : cases.filter((x) => /brownout|vanish/.test(x.name) && !x.name.includes('+'))) {
    test(`${chip.toUpperCase()} survives ${c.name}: flash equals the image, nothing else changed`, async () => {
      await check(chip, regions, c, size);
    });
  }
}

test('BK7231N: three brownouts in quick succession are reboots, not a bad line: the baud stays where it was', async () => {
  const c: Case = { name: 'three brownouts', query: 'fault=brownout=14%25&fault=brownout=32%25&fault=brownout=39%25', expect: {}, familyRecoveries: [3, 8] };
  const o = await check('bk7231n', regions, c, size);
  const lowered = o.events.filter((e) => e.type === 'recover' && e.what === 'baud');
  assert.deepEqual(lowered, []);
});

test('BK7231N at corrupt=1e-3 (no Beken frame has a checksum): sectors are written one by one, checked by CRC, and the flash ends up right', async () => {
  const small: Region[] = [{ name: 'app.rbl', address: 0x20000, data: pattern(0x8000, 3) }];
  const c: Case = { name: 'corrupt=1e-3', query: 'fault=corrupt=1e-3&seed=2', expect: { garbled: [0, 8], silences: [0, 8] }, familyRecoveries: [0, 200] };
  const o = await check('bk7231n', small, c, 0x8000);
  assert.ok(o.events.some((e) => e.type === 'note' && /sector by sector/.test(e.message)));
});

/** Flips bit 20 of the address in the first FlashErase request (`01 E0 FC FF F4 06 00 0F size addr4`). */
function strayFirstErase(port: SimPort): void {
  let done = false;
  port.link.faults.toDevice = (bytes) => {
    const at = bytes.findIndex((b, i) => b === 0xf4 && bytes[i + 3] === 0x0f && bytes[i - 1] === 0xff);
    if (done || at < 0 || bytes.length < at + 9) return bytes;
    done = true;
    const out = bytes.slice();
    out[at + 7]! ^= 0x10;
    return out;
  };
}

test('BK7231N: an erase whose address was damaged on the way (the reply echoes it) is put back from the backup; the flash outside the image is as before', async () => {
  const o = await runScenario({ chip: 'bk7231n', query: 'seed=1', regions, preloadSeed: 99, onConnected: strayFirstErase });
  assert.equal(firstDifference(o.after, expectedFlash(o.before, regions)), -1);
  assert.deepEqual(o.summary.restored, [{ start: 0x120000, end: 0x130000 }]);
  assert.equal(o.summary.damaged, undefined);
});

test('BK7231N: without a backup of this run, a sector a damaged erase reached outside the image is reported, not hidden', async () => {
  const o = await runScenario({ chip: 'bk7231n', query: 'seed=1', regions, preloadSeed: 99, fullBackup: false, onConnected: strayFirstErase });
  assert.equal(firstDifference(o.after.subarray(0x20000, 0x20000 + size), regions[0]!.data), -1);
  assert.deepEqual(o.summary.damaged, [{ start: 0x120000, end: 0x130000 }]);
  assert.ok(o.events.some((e) => e.type === 'note' && e.message.includes('0x120000')));
});

test('BK7231N on a noisy line: a write that lost its reply may have acted where one flipped address bit sends it, so those sectors are compared with the backup and put back where they differ', async () => {
  const port = openSimPort('sim:bk7231n?seed=1');
  port.device.flash.data.set(pattern(port.device.flash.size, 99));
  const before = port.device.flash.data.slice();
  await port.transport.open();
  const device = await connectDevice({ transport: port.transport, chip: 'bk7231n', events: () => {}, wait: false });
  try {
    const first: Region[] = [{ name: 'app.rbl', address: 0x20000, data: pattern(0x4000, 1) }];
    await writeRegions(device, first);
    // The same sectors again: the client takes that for a line that damages data.
    const second: Region[] = [{ name: 'app.rbl', address: 0x20000, data: pattern(0x4000, 2) }];
    let damaged = false;
    let dropReply = false;
    port.link.faults.toDevice = (bytes) => {
      const at = bytes.findIndex((b, i) => b === 0xf4 && bytes[i + 3] === 0x07 && bytes[i - 1] === 0xff);
      if (damaged || at < 0 || bytes.length < at + 8) return bytes;
      damaged = dropReply = true;
      const out = bytes.slice();
      out[at + 6]! ^= 0x10; // address bit 20: 0x020000 → 0x120000
      return out;
    };
    port.link.faults.toHost = (bytes) => {
      if (!dropReply || !bytes.some((b, i) => b === 0xf4 && bytes[i + 3] === 0x07)) return bytes;
      dropReply = false;
      return new Uint8Array(0);
    };
    const summary = await writeRegions(device, second, { original: (start, size) => before.slice(start, start + size) });
    assert.ok(damaged);
    assert.deepEqual(summary.restored, [{ start: 0x120000, end: 0x121000 }]);
    assert.equal(firstDifference(port.device.flash.data, expectedFlash(before, second)), -1);
  } finally {
    port.faults?.dispose();
    await port.transport.close();
    port.device.dispose();
  }
});
