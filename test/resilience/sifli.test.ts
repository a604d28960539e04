import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Region } from '../../src/engine/regions.js';
import { pattern } from './helpers.js';
import { check, type Case } from './matrix.js';

const regions: Region[] = [{ name: 'app.bin', address: 0x20000, data: pattern(0x80123, 11) }];
const size = regions[0]!.data.length;
// The stub programs 128 KiB blocks: faults meant as separate events sit in separate blocks.

// `auto-reset=1`: RTS drives the SF32's power, as on boards with an auto-download circuit. Without
// it a rebooted SF32 runs its firmware on the debug UART and only a person can power-cycle it.
const cases: Case[] = [
  { name: 'no fault', query: 'auto-reset=1&seed=1', expect: {} },
  { name: 'corrupt=1e-5', query: 'auto-reset=1&fault=corrupt=1e-5&seed=1', expect: { garbled: [0, 3], silences: [0, 2], reboots: [0, 2] } },
  { name: 'a 1 s vanish at 40 %', query: 'auto-reset=1&fault=vanish=40%25:1', expect: { linkLosses: 1 } },
  { name: 'a brownout at 50 %', query: 'auto-reset=1&fault=brownout=50%25', expect: { reboots: 1 } },
  { name: 'a 1 s stall at 60 %', query: 'auto-reset=1&fault=stall=60%25:1', expect: { silences: [0, 1] } },
  {
    name: 'corrupt=1e-5 + two brownouts + one 3 s vanish',
    query: 'auto-reset=1&fault=corrupt=1e-5&fault=brownout=15%25&fault=brownout=45%25&fault=vanish=75%25:3&seed=1',
    // A garbled reply's reconnect may count as a third reboot: reopening the port power-cycles an
    // RTS-powered SF32, and the reconnect then hears the ROM banner.
    expect: { reboots: [2, 3], linkLosses: 1, garbled: [0, 3], silences: [0, 2] },
  },
];

for (const c of cases) {
  test(`SF32LB52 survives ${c.name}: flash equals the image, nothing else changed`, async () => {
    await check('sf32lb52', regions, c, size);
  });
}



test('SF32LB52 at corrupt=1e-3 (the stub checks no data): sectors are written one by one with echo-checked commands, and the flash ends up right', async () => {
  const small: Region[] = [{ name: 'app.bin', address: 0x20000, data: pattern(0x8000, 3) }];
  const c: Case = { name: 'corrupt=1e-3', query: 'auto-reset=1&fault=corrupt=1e-3&seed=2', expect: { garbled: [0, 8], silences: [0, 8], reboots: [0, 8] } };
  const o = await check('sf32lb52', small, c, 0x8000);
  assert.ok(o.events.some((e) => e.type === 'note' && /sector by sector/.test(e.message)));
});
