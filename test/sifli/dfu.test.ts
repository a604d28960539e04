import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sifliFamily } from '../../src/families/sifli/index.js';
import { isAnyflashError } from '../../src/core/errors.js';
import { pattern, simBench } from './helpers.js';

/** Stand-ins for the signed 58 stub and its key: the simulator checks record order, not signatures. */
const stub = pattern(0x1400, 58);
const sigPub = pattern(294, 59);

test('SF32LB58: the stub goes in through dfu_recv records and the flash at 0x1C000000 is written', async () => {
  const bench = await simBench({ chip: 'sf32lb58' });
  try {
    const dev = await sifliFamily.connect({
      transport: bench.transport,
      chip: 'sf32lb58',
      events: (e) => bench.events.push(e),
      extra: { stub, sigPub },
    });
    const info = await dev.info();
    assert.equal(info.strategy, 'boot-mode-pin');
    assert.equal(info.extra.flashBase, '0x1c000000');
    const data = pattern(0x21000, 3);
    await dev.writeFlash(0x1c020000, data);
    assert.deepEqual(bench.device.flash.data.subarray(0x20000, 0x20000 + data.length), data);
    assert.deepEqual(await dev.readFlash(0x20000, 0x1000), data.subarray(0, 0x1000));
  } finally {
    await bench.close();
  }
});

test('SF32LB58 without BOOT_MODE high: wrong-boot-mode with the pin advice', async () => {
  const bench = await simBench({ chip: 'sf32lb58', boot: 'firmware' });
  try {
    await assert.rejects(
      sifliFamily.connect({ transport: bench.transport, chip: 'sf32lb58', events: () => {}, extra: { stub, sigPub } }),
      (e) => isAnyflashError(e, 'wrong-boot-mode') && e.advice.some((a) => a.includes('BOOT_MODE')),
    );
  } finally {
    await bench.close();
  }
});

test('SF32LB58 without the signature key: stub-missing before anything is sent', async () => {
  const bench = await simBench({ chip: 'sf32lb58' });
  try {
    await assert.rejects(
      sifliFamily.connect({ transport: bench.transport, chip: 'sf32lb58', events: () => {}, extra: { stub } }),
      (e) => isAnyflashError(e, 'stub-missing') && /58X_sig_pub\.der/.test(e.message),
    );
    assert.equal(bench.link.counters.toDevice, 0);
  } finally {
    await bench.close();
  }
});
