import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, serveTestSim, type ServedSim } from './harness.js';

function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = i % 3 === 0 ? 0x20 : x >>> 24;
  }
  return out;
}

describe('CLI end to end against the ESP32 simulator over TCP', () => {
  let sim: ServedSim;
  let dir: string;
  const app = pattern(0x9000 + 123, 1);
  const boot = pattern(0x5000, 2);

  before(async () => {
    sim = await serveTestSim({ chip: 'esp32', flashSize: 0x400000 });
    dir = mkdtempSync(join(tmpdir(), 'anyflash-e2e-'));
    writeFileSync(join(dir, 'app.bin'), app);
    writeFileSync(join(dir, 'boot.bin'), boot);
  });
  after(async () => {
    await sim.server.close();
  });

  it('write puts the files at their addresses and verifies them', async () => {
    const r = await runCli(['write', '--port', sim.tcpUrl, '--json', '0x1000', join(dir, 'boot.bin'), `${join(dir, 'app.bin')}@0x10000`]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.chip, 'esp32');
    assert.ok(doc.regions.every((x: { verified: boolean }) => x.verified));
    assert.deepEqual(sim.device.flash.data.subarray(0x10000, 0x10000 + app.length), app);
    assert.deepEqual(sim.device.flash.data.subarray(0x1000, 0x1000 + boot.length), boot);
  });

  it('a second write of the same files sends no flash data (skip unchanged)', async () => {
    const r = await runCli(['write', '--port', sim.tcpUrl, '--json', '0x10000', join(dir, 'app.bin')]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.writtenBytes, 0);
    assert.equal(doc.skippedBytes, app.length);
  });

  it('one changed sector: only that sector is written, and bytes past the file end are kept', async () => {
    sim.device.flash.data.fill(0x77, 0x10000 + app.length, 0x1a000);
    const changed = app.slice();
    changed[0x4100] ^= 0xff;
    writeFileSync(join(dir, 'app2.bin'), changed);
    const r = await runCli(['write', '--port', sim.tcpUrl, '--json', '0x10000', join(dir, 'app2.bin')]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.writtenBytes, 0x1000);
    assert.deepEqual(sim.device.flash.data.subarray(0x10000, 0x10000 + changed.length), changed);
    assert.ok(sim.device.flash.data.subarray(0x10000 + app.length, 0x1a000).every((b) => b === 0x77));
  });

  it('verify reports the exact differing range', async () => {
    sim.device.flash.data[0x10010] ^= 0x01;
    const r = await runCli(['verify', '--port', sim.tcpUrl, '--json', '0x10000', join(dir, 'app2.bin')]);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.ok, false);
    assert.deepEqual(doc.regions[0].ranges, [{ start: 0x10010, end: 0x10011 }]);
  });

  it('read writes the flash contents to a file', async () => {
    const out = join(dir, 'dump.bin');
    const r = await runCli(['read-flash', '--port', sim.tcpUrl, '0x1000', '0x5000', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(new Uint8Array(readFileSync(out)), boot);
  });

  it('erase-region erases exactly the region', async () => {
    const r = await runCli(['erase-region', '--port', sim.tcpUrl, '0x1000', '0x2000']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(sim.device.flash.data.subarray(0x1000, 0x3000).every((b) => b === 0xff));
    assert.deepEqual(sim.device.flash.data.subarray(0x3000, 0x6000), boot.subarray(0x2000, 0x5000));
  });

  it('info reports chip, MAC and flash size as JSON', async () => {
    const r = await runCli(['info', '--port', sim.tcpUrl, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.family, 'esp');
    assert.equal(doc.chip, 'esp32');
    assert.equal(doc.flashSize, 0x400000);
    assert.match(doc.mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  });
});
