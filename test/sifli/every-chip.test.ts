import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIFLI_CHIPS } from '../../src/families/sifli/chips.js';
import { sifliFamily } from '../../src/families/sifli/index.js';
import { SIFLI_SIM_CHIPS, simNorBase } from '../../src/sim/sifli/index.js';
import { dummyStub, pattern, simBench } from './helpers.js';

test('every SiFli chip in the table has a simulator', () => {
  assert.deepEqual([...SIFLI_SIM_CHIPS].sort(), SIFLI_CHIPS.map((c) => c.name).sort());
});

for (const chip of SIFLI_CHIPS) {
  test(`${chip.name}: connected (--chip, as sftool: no chip id to read), written and verified against its simulator`, async () => {
    const bench = await simBench({ chip: chip.name });
    try {
      // The simulator checks how the stub arrives (debug-IP writes or dfu_recv records), not what it runs.
      const stub = chip.entry === 'dfu' ? { stub: pattern(0x1400, 55), sigPub: pattern(294, 56) } : { stub: dummyStub(0x1234, chip.stubAddress) };
      // The 55's and 57's NOR address is not published: the caller names it (extra.flashBase), here the simulator's.
      const extra = chip.base.nor === undefined ? { ...stub, flashBase: simNorBase(chip.name) } : stub;
      const dev = await sifliFamily.connect({ transport: bench.transport, chip: chip.name, events: (e) => bench.events.push(e), extra });
      const info = await dev.info();
      assert.equal(info.chip, chip.name);
      const base = Number(info.extra.flashBase);
      const data = pattern(0x2000, chip.name.length);
      await dev.writeFlash(base + 0x20000, data);
      const sim = bench.device as unknown as { flash: { data: Uint8Array } };
      assert.deepEqual(sim.flash.data.subarray(0x20000, 0x20000 + data.length), data, 'the flash holds the image');
      assert.deepEqual(await dev.flashDigest(0x20000, data.length), dev.digest.compute(data), 'the chip reports the digest of the image');
    } finally {
      await bench.close();
    }
  });
}
