import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/harness.js';
import { scratch, startSim } from './cli-helpers.js';
import { pattern } from './helpers.js';

test('anyflash sim --fault: the CLI recovers from a brownout and a vanished RFC 2217 port, and says so', async () => {
  const dir = scratch('anyflash-cli-faults-');
  const sim = await startSim('esp32', ['--no-realtime', '--fault', 'brownout=40%', '--fault', 'vanish=70%:1', '--fault-write-size', '192K', '--seed', '3'], dir);
  try {
    const image = pattern(192 * 1024 + 100, 21);
    const file = join(dir, 'app.bin');
    writeFileSync(file, image);
    const r = await runCli(['write', '--port', sim.rfc2217, '--no-backup', '--json', '0x10000', file], { env: { ANYFLASH_HOME: dir } });
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { recoveries: { reboots: number; linkLosses: number } };
    assert.equal(summary.recoveries.reboots, 1, r.stderr);
    assert.equal(summary.recoveries.linkLosses, 1, r.stderr);
    const flash = sim.flash();
    assert.deepEqual(flash.subarray(0x10000, 0x10000 + image.length), image);
    assert.ok(flash.subarray(0, 0x10000).every((b) => b === 0xff), 'nothing written below the image');
    assert.ok(flash.subarray(0x10000 + image.length).every((b) => b === 0xff), 'nothing written after the image');
  } finally {
    await sim.stop();
  }
});

test('anyflash sim refuses a malformed --fault with exit code 2 and the fault syntax', async () => {
  const r = await runCli(['sim', 'esp32', '--tcp', '127.0.0.1:0', '--fault', 'brownout=soon']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Fault "brownout=soon"/);
});
