import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import { runCli, serveTestSim } from './harness.js';

it('a baud no chip can run at is refused before a byte reaches the device; an unusual one is warned about', async () => {
  const sim = await serveTestSim({ chip: 'esp32' });
  try {
    const refused: Array<[string[], RegExp]> = [
      [['-b', '123'], /--baud 123 is slower than any supported chip can run \(9600–6000000 baud\)/],
      [['-b', '99999999'], /--baud 99999999 is faster than any supported chip can run/],
      [['--chip', 'esp32', '-b', '5500000'], /--baud 5500000 is faster than the ESP download protocol can run \(9600–5000000 baud\)/],
    ];
    const results = await Promise.all(refused.map(([args]) => runCli(['info', '--port', sim.tcpUrl, '--no-wait', ...args])));
    for (const [i, [, why]] of refused.entries()) {
      const r = results[i]!;
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, why);
      assert.match(r.stderr, /what to do: Use a standard rate/);
    }
    assert.equal(sim.link.counters.toDevice, 0, 'nothing may reach the chip before the input is checked');
    const odd = await runCli(['info', '--port', 'sim:esp32', '-b', '123456']);
    assert.equal(odd.code, 0, odd.stderr);
    assert.match(odd.stderr, /warning: --baud 123456 is not a standard rate.*nearest standard rate: 128000/);
  } finally {
    await sim.server.close();
    sim.device.dispose();
  }
});

it('writes say what an odd address does: a start inside a sector, an ESP app where it cannot boot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-addr-'));
  const data = join(dir, 'data.bin');
  writeFileSync(data, pseudoRandomBytes(0x800, 3));
  const app = join(dir, 'app.bin');
  const image = pseudoRandomBytes(0x2000, 4);
  image.set([0xe9, 0x03, 0x02, 0x20], 0);
  writeFileSync(app, image);

  const [inside, misplaced, placed] = await Promise.all([
    runCli(['write', '--port', 'sim:esp32', '--no-backup', '0x10001', data]),
    runCli(['write', '--port', 'sim:esp32', '--no-backup', '0x11000', app]),
    runCli(['write', '--port', 'sim:esp32', '--no-backup', '0x20000', app]),
  ]);
  assert.equal(inside.code, 0, inside.stderr);
  assert.match(inside.stderr, /warning: .*data\.bin starts at 0x0*10001, inside the 4 KiB sector 0x0*10000–0x0*11000: that sector's other bytes are read and written back unchanged/);

  assert.equal(misplaced.code, 0, misplaced.stderr);
  assert.match(misplaced.stderr, /warning: .*app\.bin is an ESP app image at 0x0*11000, which is not 64 KiB aligned: .*will not boot there/);

  assert.equal(placed.code, 0, placed.stderr);
  assert.doesNotMatch(placed.stderr, /warning/);
});

it('an erase that does not start and end on a sector is refused before the device is touched', async () => {
  const sim = await serveTestSim({ chip: 'esp32' });
  try {
    const r = await runCli(['erase', '--port', sim.tcpUrl, '0x1001', '0x1000']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error \[misaligned-address\]: .*not aligned to the 4 KiB sector/);
    assert.equal(sim.link.counters.toDevice, 0);
  } finally {
    await sim.server.close();
    sim.device.dispose();
  }
});
