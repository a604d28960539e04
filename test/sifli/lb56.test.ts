import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sifliFamily } from '../../src/families/sifli/index.js';
import { enterFrame } from '../../src/families/sifli/frames.js';
import { dummyStub, pattern, simBench } from './helpers.js';

test('SF32LB56: big-endian frames and mapped addresses load the stub at 0x20067000; flash at 0x1C000000 is written', async () => {
  const bench = await simBench({ chip: 'sf32lb56' });
  const enter = enterFrame('be');
  let beEnters = 0;
  bench.link.faults.toDevice = (bytes) => {
    if (bytes.length === enter.length && bytes.every((b, i) => b === enter[i])) beEnters++;
    return bytes;
  };
  try {
    const dev = await sifliFamily.connect({
      transport: bench.transport,
      chip: 'sf32lb56',
      events: () => {},
      extra: { stub: dummyStub(0x1234, 0x20067000) },
    });
    assert.ok(beEnters >= 2, 'Enter, then Enter again after the core reset');
    assert.equal((await dev.info()).extra.flashBase, '0x1c000000');
    const data = pattern(0x3000, 56);
    await dev.writeFlash(0x1c010000, data);
    assert.deepEqual(bench.device.flash.data.subarray(0x10000, 0x13000), data);
  } finally {
    await bench.close();
  }
});
