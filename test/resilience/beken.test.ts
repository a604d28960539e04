import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Region } from '../../src/engine/regions.js';
import { pattern } from './helpers.js';
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
