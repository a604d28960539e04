import { it } from 'node:test';
import assert from 'node:assert/strict';
import { connectDevice } from '../../src/families/index.js';
import { SimClock } from '../../src/sim/clock.js';
import { SimLink } from '../../src/sim/link.js';
import { createSim } from '../../src/sim/registry.js';
import { simStubFiles } from '../../src/sim/sifli/index.js';
import { SimTransport } from '../../src/sim/transport.js';
import { sniff } from '../../src/families/sniff.js';
import { ByteQueue } from '../../src/transport/byte-queue.js';
import type { Transport } from '../../src/transport/types.js';

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

/** A line that echoes every byte written (TX wired to RX, or a console echoing input) and may add a console's own text. */
function echoingLine(canSetBaud: boolean, text = ''): Transport {
  const q = new ByteQueue();
  let baud = 115200;
  return {
    kind: canSetBaud ? 'serial' : 'tcp',
    url: 'echo',
    facts: {},
    canSignal: canSetBaud,
    canSetBaud,
    get baud() {
      return baud;
    },
    events: () => {},
    open: async () => {},
    close: async () => {},
    write: async (data) => q.push(Uint8Array.from([...data, ...new TextEncoder().encode(text)])),
    read: (o) => q.read(o.deadline, o.signal),
    flushInput: async () => q.clear(),
    drain: async () => {},
    setSignals: async () => {},
    setBaud: async (b) => void (baud = b),
  };
}

it('the sniff names no family from an echo of its own hellos or from a firmware console, and leaves the baud as it was', async () => {
  for (const canSetBaud of [true, false]) {
    for (const text of ['', 'I (1234) app: hello\r\n', '[00:00:01.250,000] <inf> main: heartbeat 5\r\n']) {
      const line = echoingLine(canSetBaud, text);
      assert.equal(await sniff(line), undefined, `canSetBaud ${canSetBaud}, console ${JSON.stringify(text)}`);
      assert.equal(line.baud, 115200);
    }
  }
});
