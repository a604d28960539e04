import { it } from 'node:test';
import assert from 'node:assert/strict';
import { connectDevice } from '../../src/families/index.js';
import { SimClock } from '../../src/sim/clock.js';
import { SimLink } from '../../src/sim/link.js';
import { createSim } from '../../src/sim/registry.js';
import { simStubFiles } from '../../src/sim/sifli/index.js';
import { SimTransport } from '../../src/sim/transport.js';

/**
 * Detection cost, with the simulator on a virtual clock so that only detection's own waits count:
 * an in-process port that names no chip (DTR/RTS wired, baud real, as a USB-UART), a chip of each
 * family listening. Before the hello sniff, a Beken's handshake began ~0.5 s and an SF32's ~1 s
 * into detection (after the short ESP and Beken attempts); the bound is generous for busy machines.
 */
const BOUND_MS = 600;

async function detect(chip: string): Promise<{ found: string; tried: string[]; ownAt: number }> {
  const device = createSim({ chip, clock: new SimClock(false), boot: 'download', autoReset: true });
  const link = new SimLink(device, { latencyMs: 0, realtime: false });
  const transport = new SimTransport(link, 'sim:unnamed');
  const tried: string[] = [];
  let ownAt = NaN;
  const t0 = performance.now();
  try {
    await transport.open();
    const flash = await connectDevice({
      transport,
      wait: false,
      extra: { ...simStubFiles(chip), sigPub: new Uint8Array(294) },
      events: (e) => {
        const m = e.type === 'note' ? /^Trying (\S+) handshake/.exec(e.message) : null;
        if (!m) return;
        tried.push(m[1]!);
        if (tried.length === 1) ownAt = performance.now() - t0;
      },
    });
    await flash.disconnect();
    return { found: `${flash.family}/${flash.chip}`, tried, ownAt };
  } finally {
    await transport.close();
    device.dispose();
  }
}

for (const [chip, family, title] of [
  ['esp32c3', 'esp', 'ESP'],
  ['bk7231n', 'beken', 'Beken'],
  ['bk7231t', 'beken', 'Beken'],
  ['sf32lb52', 'sifli', 'SiFli'],
  ['sf32lb56', 'sifli', 'SiFli'],
  ['sf32lb58', 'sifli', 'SiFli'],
] as const) {
  it(`without --chip, a listening ${chip} gets its own family's handshake first, within ${BOUND_MS} ms`, async () => {
    const r = await detect(chip);
    assert.equal(r.found, `${family}/${chip}`);
    assert.deepEqual(r.tried, [title], `handshakes tried: ${r.tried.join(', ')}`);
    assert.ok(r.ownAt < BOUND_MS, `the ${title} handshake began ${Math.round(r.ownAt)} ms into detection`);
  });
}
