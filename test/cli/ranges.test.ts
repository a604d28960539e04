import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import { runCli, serveTestSim, type ServedSim } from './harness.js';

describe('bk7231tools/ltchiptool ranges: write -s/-S/-l and read FILE -s/-l', () => {
  let sim: ServedSim;
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-ranges-'));
  const dump = pseudoRandomBytes(0x30000, 17);
  const common = (): string[] => ['--port', sim.tcpUrl, '--chip', 'bk7231n', '--after', 'no-reset', '--no-backup'];

  before(async () => {
    sim = await serveTestSim({ chip: 'bk7231n' });
    writeFileSync(join(dir, 'dump.bin'), dump);
  });
  after(async () => {
    await sim.server.close();
    sim.device.dispose();
  });

  it('writes the app part of a dump: -s 0x11000 -S 0x11000 -l 0x8000', async () => {
    const before = sim.device.flash.data.slice();
    const r = await runCli(['write', ...common(), join(dir, 'dump.bin'), '-s', '0x11000', '-S', '0x11000', '-l', '0x8000']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(sim.device.flash.data.subarray(0x11000, 0x19000), dump.subarray(0x11000, 0x19000));
    assert.deepEqual(sim.device.flash.data.subarray(0x19000, 0x30000), before.subarray(0x19000, 0x30000));
  });

  it('reads FILE with --start/--length', async () => {
    const out = join(dir, 'back.bin');
    const r = await runCli(['read', '--port', sim.tcpUrl, '--chip', 'bk7231n', '--after', 'no-reset', out, '-s', '0x11000', '-l', '32K']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(new Uint8Array(readFileSync(out)), dump.subarray(0x11000, 0x19000));
  });

  it('refuses a range past the end of the file, or --skip-bytes without --start, before touching the device', async () => {
    const frames = sim.link.counters.toDevice;
    const past = await runCli(['write', ...common(), join(dir, 'dump.bin'), '-s', '0x11000', '-S', '0x20000', '-l', '0x20000']);
    assert.equal(past.code, 2);
    assert.match(past.stderr, /dump\.bin has 196608 B/);
    const noStart = await runCli(['write', ...common(), join(dir, 'dump.bin'), '-S', '0x11000']);
    assert.equal(noStart.code, 2);
    assert.match(noStart.stderr, /need --start/);
    assert.equal(sim.link.counters.toDevice, frames);
  });
});
