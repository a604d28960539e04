import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sifliFamily } from '../../src/families/sifli/index.js';
import { isAnyflashError } from '../../src/core/errors.js';
import { enterFrame } from '../../src/families/sifli/frames.js';
import { dummyStub, pattern, simBench } from './helpers.js';

test('a firmware console on the debug pins is reported as firmware-owns-uart with the fix', async () => {
  const bench = await simBench({ boot: 'firmware' });
  try {
    await assert.rejects(
      sifliFamily.connect({
        transport: bench.transport,
        events: (e) => bench.events.push(e),
        before: 'no-reset',
        connectAttempts: 1,
        extra: { stub: dummyStub() },
      }),
      (e) => {
        assert.ok(isAnyflashError(e, 'firmware-owns-uart'), String(e));
        assert.ok(e.evidence.some((l) => l.includes('heartbeat')), e.evidence.join('|'));
        assert.ok(e.advice.some((a) => a.includes('power-cycle the board')));
        return true;
      },
    );
  } finally {
    await bench.close();
  }
});

test('the default RTS pulse does nothing without a power switch: still firmware-owns-uart, not "failed to connect"', async () => {
  const bench = await simBench({ boot: 'firmware' });
  try {
    await assert.rejects(
      sifliFamily.connect({ transport: bench.transport, events: () => {}, connectAttempts: 1, extra: { stub: dummyStub() } }),
      (e) => isAnyflashError(e, 'firmware-owns-uart'),
    );
  } finally {
    await bench.close();
  }
});

test('with an RTS power switch the default reset reaches the ROM window', async () => {
  const bench = await simBench({ boot: 'firmware', extra: { rtsPower: true } });
  try {
    const dev = await sifliFamily.connect({ transport: bench.transport, events: () => {}, connectAttempts: 1, extra: { stub: dummyStub() } });
    assert.equal((await dev.info()).strategy, 'default-reset');
    const data = pattern(0x1000, 4);
    await dev.writeFlash(0, data);
    assert.deepEqual(bench.device.flash.data.subarray(0, 0x1000), data);
  } finally {
    await bench.close();
  }
});

test('the boot-window catcher knocks until a person power-cycles the board at a random moment', async () => {
  const bench = await simBench({ boot: 'firmware' });
  let cycledAt = 0;
  let answeredAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const dev = await sifliFamily.connect({
      transport: bench.transport,
      before: 'no-reset',
      connectAttempts: 1,
      wait: true,
      waitMs: 10_000,
      extra: { stub: dummyStub() },
      events: (e) => {
        bench.events.push(e);
        if (e.type === 'note' && e.message.includes('debug interface answered')) answeredAt = performance.now();
        if (e.type === 'wait-for-user') {
          assert.match(e.message, /power-cycle or reset the board now/i);
          timer = setTimeout(() => {
            cycledAt = performance.now();
            bench.device.control('power-cycle');
          }, 100 + Math.random() * 1500);
        }
      },
    });
    assert.ok(cycledAt > 0 && answeredAt > cycledAt);
    // Caught within a few knocks of the power-up, far inside the 2 s window.
    assert.ok(answeredAt - cycledAt < 400, `answered ${Math.round(answeredAt - cycledAt)} ms after power-up`);
    assert.equal((await dev.info()).strategy, 'power-cycle-by-hand');
    const data = pattern(0x2000, 6);
    await dev.writeFlash(0x12000000, data);
    assert.deepEqual(bench.device.flash.data.subarray(0, 0x2000), data);
  } finally {
    clearTimeout(timer);
    await bench.close();
  }
});

test('knocks go out every ~75 ms, so a 2 s window sees many chances (sftool: one per 3–5 s)', async () => {
  const bench = await simBench({ boot: 'firmware' });
  const frame = enterFrame('le');
  let knocks = 0;
  bench.link.faults.toDevice = (bytes) => {
    if (bytes.length === frame.length && bytes.every((b, i) => b === frame[i])) knocks++;
    return bytes;
  };
  try {
    await assert.rejects(
      sifliFamily.connect({ transport: bench.transport, events: () => {}, before: 'no-reset', connectAttempts: 1, extra: { stub: dummyStub() } }),
    );
    assert.ok(knocks >= 10 && knocks <= 16, `knocks=${knocks}`);
  } finally {
    await bench.close();
  }
});

test('a chip whose replies never reach the host is reported as no-response with wiring advice', async () => {
  const bench = await simBench();
  // Cut the chip's TX: the host hears nothing at all.
  bench.link.faults.toHost = () => new Uint8Array(0);
  try {
    await assert.rejects(
      sifliFamily.connect({ transport: bench.transport, events: () => {}, before: 'no-reset', connectAttempts: 1, extra: { stub: dummyStub() } }),
      (e) => isAnyflashError(e, 'no-response') && e.advice.some((a) => a.includes('PA18/PA19')),
    );
  } finally {
    await bench.close();
  }
});

test('a stub that does not start (bad vector table) is stub-failed, not a hang', async () => {
  const bench = await simBench();
  const bad = dummyStub();
  new DataView(bad.buffer).setUint32(4, 0x10000001, true);
  try {
    await assert.rejects(
      sifliFamily.connect({ transport: bench.transport, events: () => {}, extra: { stub: bad } }),
      (e) => isAnyflashError(e, 'stub-failed') && e.advice.length > 0,
    );
  } finally {
    await bench.close();
  }
});

test('the 256-byte compat mode loads the stub too', async () => {
  const bench = await simBench();
  try {
    const dev = await sifliFamily.connect({ transport: bench.transport, events: () => {}, extra: { stub: dummyStub(0x801), compat: true } });
    assert.equal((await dev.info()).flashId, 0x182085);
  } finally {
    await bench.close();
  }
});

test('a running firmware that leaves the debug UART alone is reached without any reset', async () => {
  const bench = await simBench({ boot: 'firmware', extra: { firmwareOwnsUart: false } });
  try {
    const dev = await sifliFamily.connect({ transport: bench.transport, events: () => {}, before: 'no-reset', connectAttempts: 1, extra: { stub: dummyStub() } });
    assert.equal((await dev.info()).strategy, 'no-reset');
    assert.match(bench.device.control('status'), /phase=stub/);
  } finally {
    await bench.close();
  }
});

test('started in download mode, the ROM is still listening long after its window (a tool started later finds it); a power cycle restores the window', async () => {
  const held = await simBench({ boot: 'download', extra: { bootWindowMs: 100 } });
  const open = await simBench({ extra: { bootWindowMs: 100 } });
  try {
    await new Promise((r) => setTimeout(r, 400));
    const dev = await sifliFamily.connect({ transport: held.transport, events: () => {}, before: 'no-reset', connectAttempts: 1, extra: { stub: dummyStub() } });
    const data = pattern(0x1000, 9);
    await dev.writeFlash(0x2000, data);
    assert.deepEqual(held.device.flash.data.subarray(0x2000, 0x3000), data);
    await assert.rejects(
      sifliFamily.connect({ transport: open.transport, events: () => {}, before: 'no-reset', connectAttempts: 1, extra: { stub: dummyStub() } }),
      (e) => isAnyflashError(e, 'firmware-owns-uart'),
    );
    assert.match(held.device.control('power-cycle'), /listening for 100 ms/);
    await new Promise((r) => setTimeout(r, 400));
    assert.match(held.device.control('status'), /phase=firmware/);
  } finally {
    await held.close();
    await open.close();
  }
});
