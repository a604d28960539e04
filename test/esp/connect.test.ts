import { test } from 'node:test';
import assert from 'node:assert/strict';
import { espFamily } from '../../src/families/esp/index.js';
import { isAnyflashError, type AnyflashError } from '../../src/core/errors.js';
import type { AnyflashEvent } from '../../src/core/events.js';
import type { Transport } from '../../src/transport/types.js';
import { bench, pattern, scriptedTransport } from './helpers.js';

async function connectError(transport: Transport, extra: Record<string, unknown> = {}): Promise<AnyflashError> {
  try {
    await espFamily.connect({ transport, events: () => {}, connectAttempts: 1, ...extra });
  } catch (e) {
    assert.ok(isAnyflashError(e), String(e));
    return e;
  }
  assert.fail('connect should fail');
}

const FLASH_BOOT = 'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nconfigsip: 0, SPIWP:0xee\r\n';
const DOWNLOAD_BOOT = 'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n';

test('boot log without "waiting for download" → wrong-boot-mode with the boot mode as evidence', async () => {
  const e = await connectError(scriptedTransport({ onReset: FLASH_BOOT }));
  assert.equal(e.code, 'wrong-boot-mode');
  assert.match(e.message, /0x13/);
  assert.ok(e.evidence.includes('boot mode: 0x13'));
  assert.match(e.advice.join(' '), /hold BOOT \(GPIO0.*\) low, tap RESET.*--before no-reset/);
});

test('download mode reached but silent → no-sync-reply (TX path down)', async () => {
  const e = await connectError(scriptedTransport({ onReset: DOWNLOAD_BOOT }));
  assert.equal(e.code, 'no-sync-reply');
  assert.match(e.advice.join(' '), /TX/);
});

test('brown-out text in the boot log → brownout-suspected with power advice', async () => {
  const e = await connectError(scriptedTransport({ onReset: FLASH_BOOT + 'Brownout detector was triggered\r\n' }));
  assert.equal(e.code, 'brownout-suspected');
  assert.match(e.advice.join(' '), /supply|power/i);
});

test('our own SYNC coming back → echo-loopback', async () => {
  const e = await connectError(scriptedTransport({ echo: true }));
  assert.equal(e.code, 'echo-loopback');
});

test('nothing at all → no-response "No serial data received."', async () => {
  const e = await connectError(scriptedTransport({}));
  assert.equal(e.code, 'no-response');
  assert.match(e.message, /No serial data received/);
  assert.ok(e.advice.length >= 2);
});

test('a firmware printing on the UART while auto-reset is not wired → firmware-owns-uart', async () => {
  const b = await bench('esp32', { boot: 'firmware', autoReset: false });
  const e = await connectError(b.transport);
  assert.equal(e.code, 'firmware-owns-uart', e.message + e.evidence.join('|'));
  assert.match(e.evidence.join(' '), /received:/);
});

test('connect attempts cycle the strategies and stay within the bound', async () => {
  const events: AnyflashEvent[] = [];
  await assert.rejects(
    espFamily.connect({ transport: scriptedTransport({ onReset: FLASH_BOOT }), events: (e) => events.push(e), connectAttempts: 3 }),
    (e: unknown) => isAnyflashError(e, 'wrong-boot-mode'),
  );
  const attempts = events.filter((e) => e.type === 'connect-attempt');
  assert.deepEqual(attempts.map((e) => e.type === 'connect-attempt' && e.strategy), ['unix-tight(50ms)', 'unix-tight(550ms)', 'classic(50ms)']);
  assert.equal(events.filter((e) => e.type === 'boot-log').length, 3);
});

test('abort signal stops the connect loop with `aborted`', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const t0 = performance.now();
  await assert.rejects(
    espFamily.connect({ transport: scriptedTransport({}), events: () => {}, connectAttempts: 0, signal: ac.signal }),
    (e: unknown) => isAnyflashError(e, 'aborted'),
  );
  assert.ok(performance.now() - t0 < 1000);
});

test('raw TCP (no modem lines): one note, no reset, just sync', async () => {
  const b = await bench('esp32c3');
  const tcp = new Proxy(b.transport, {
    get: (target, key) => (key === 'canSignal' ? false : key === 'kind' ? 'tcp' : Reflect.get(target, key)),
  }) as Transport;
  const dev = await espFamily.connect({ transport: tcp, events: b.sink });
  assert.equal(dev.chip, 'esp32c3');
  const notes = b.events.filter((e) => e.type === 'note' && e.code === 'no-reset-over-socket');
  assert.equal(notes.length, 1);
  assert.equal((await dev.info()).strategy, 'no-reset');
});

test('wait mode: after automatic reset fails, asks for BOOT+RESET and connects when the person does it', async () => {
  const b = await bench('esp32', { boot: 'firmware', autoReset: false });
  const events: AnyflashEvent[] = [];
  const dev = await espFamily.connect({
    transport: b.transport,
    connectAttempts: 1,
    wait: true,
    waitMs: 5000,
    events: (e) => {
      events.push(e);
      if (e.type === 'wait-for-user') {
        setTimeout(() => {
          b.sim.control('hold-boot');
          b.sim.control('press-reset');
          b.sim.control('release-boot');
        }, 200);
      }
    },
  });
  assert.equal((await dev.info()).strategy, 'manual');
  const w = events.find((e) => e.type === 'wait-for-user');
  assert.ok(w && w.type === 'wait-for-user' && /Hold BOOT \(GPIO0.*\), tap RESET, release BOOT/.test(w.message));
});

test('no-reset-no-sync talks to a chip already in the loader without any SYNC', async () => {
  const b = await bench('esp32s3');
  const dev = await espFamily.connect({ transport: b.transport, events: b.sink, before: 'no-reset-no-sync', noStub: true });
  assert.equal(dev.chip, 'esp32s3');
  assert.equal((await dev.info()).mode, 'rom');
});

test('a block corrupted on every send is reported as a device error named by the stub code', async () => {
  const b = await bench('esp32');
  const dev = await espFamily.connect({ transport: b.transport, events: b.sink });
  // Loads the stub on a clean line: the damage below is the write's.
  await dev.readFlash(0, 0x1000);
  b.link.faults.toDevice = (bytes) => {
    // Every data block, down to the smallest the write falls back to, arrives damaged.
    if (bytes.length > 200) {
      const out = bytes.slice();
      out[100] = out[100] === 0x11 ? 0x12 : 0x11;
      return out;
    }
    return bytes;
  };
  const e = await dev.writeFlash(0, pattern(0x8000), {}).then(() => null, (x: unknown) => x);
  assert.ok(isAnyflashError(e, 'device-error'), String(e));
  assert.match(e.message, /bad data checksum|checksum/);
  assert.ok(e.advice.length > 0);
});

test('a port that vanishes during the reset (USB re-enumeration) is reopened and the connect goes on', async () => {
  const b = await bench('esp32s3', { boot: 'firmware' });
  const t = b.transport;
  let vanished = false;
  const realSet = t.setSignals.bind(t);
  t.setSignals = async (s) => {
    if (!vanished && s.rts) {
      vanished = true;
      t.vanish();
      setTimeout(() => t.reappear(), 100);
    }
    return realSet(s);
  };
  const dev = await espFamily.connect({ transport: t, events: b.sink });
  assert.equal(dev.chip, 'esp32s3');
  assert.ok(b.events.some((e) => e.type === 'recover' && e.what === 'port'));
});
