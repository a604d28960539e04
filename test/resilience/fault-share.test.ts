import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnyflashEvent } from '../../src/core/events.js';
import { openSimPort } from '../../src/sim/port.js';
import { expectedFlash, pattern, runScenario } from './helpers.js';

// `N%` is a share of the write in progress: a 64 KiB file on a 4 MiB flash meets a 50% brownout.
for (const [chip, address, query] of [
  ['esp32', 0x10000, ''],
  ['bk7231n', 0x11000, ''],
  ['sf32lb52', 0x20000, 'auto-reset=1&'],
] as const) {
  test(`${chip}: a brownout at 50% fires halfway through a small write and is recovered`, async () => {
    const regions = [{ name: 'app', address, data: pattern(0x10000, 4) }];
    const o = await runScenario({ chip, query: `${query}fault=brownout=50%25`, regions, preloadSeed: 5, deadlineMs: 60_000 });
    assert.deepEqual(o.port.faults!.fired, ['brownout']);
    assert.ok(o.events.some((e) => e.type === 'recover' || e.type === 'retry'), 'the write noticed the brownout');
    assert.deepEqual(o.after, expectedFlash(o.before, regions));
  });
}

test('a fault that never fired is warned about when the port closes', async () => {
  const port = openSimPort('sim:esp32?fault=brownout=0x300000');
  const events: AnyflashEvent[] = [];
  port.transport.events = (e) => void events.push(e);
  await port.transport.open();
  await port.transport.close();
  port.device.dispose();
  const warn = events.find((e) => e.type === 'note' && e.level === 'warn');
  assert.match(warn && 'message' in warn ? warn.message : '', /Simulated fault never fired: brownout at 0x300000/);
});
