import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { runCli } from '../cli/harness.js';
import { scratch, startSim } from './cli-helpers.js';
import { pattern } from './helpers.js';
import { backedUp, saveBackup } from '../../src/cli/backup-store.js';
import type { DeviceInfo } from '../../src/families/types.js';

interface Listed {
  id: string;
  dir: string;
  manifest: { chip: string; mac?: string; deviceKey: string; reason: string; regions: Array<{ address: number; size: number; file: string; sha256: string; md5: string }> };
}

async function listBackups(env: Record<string, string>): Promise<Listed[]> {
  const r = await runCli(['backups', '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { backups: Listed[] }).backups;
}

test('the first write to a device saves what it overwrites; later writes do not; restore writes it back', async () => {
  const dir = scratch('anyflash-backup-');
  const env = { ANYFLASH_HOME: dir };
  const sim = await startSim('esp32', ['--no-realtime'], dir);
  try {
    const original = pattern(0x9000, 51);
    const update = pattern(0xa100, 52);
    writeFileSync(join(dir, 'original.bin'), original);
    writeFileSync(join(dir, 'update.bin'), update);
    const write = (file: string, ...extra: string[]) => runCli(['write', '--port', sim.rfc2217, ...extra, '0x10000', join(dir, file)], { env });

    // The "factory firmware", written without a backup.
    assert.equal((await write('original.bin', '--no-backup')).code, 0);
    assert.deepEqual(await listBackups(env), []);

    const first = await write('update.bin');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /Saved the original flash first: .*backups/);
    const [backup, ...more] = await listBackups(env);
    assert.equal(more.length, 0);
    assert.equal(backup!.manifest.chip, 'esp32');
    assert.ok(backup!.manifest.mac);
    // The sectors the update covers: 0x10000 up to the end of its last sector.
    assert.deepEqual(backup!.manifest.regions.map((r) => [r.address, r.size]), [[0x10000, 0xb000]]);
    const saved = new Uint8Array(readFileSync(join(backup!.dir, backup!.manifest.regions[0]!.file)));
    assert.deepEqual(saved.subarray(0, original.length), original);
    assert.equal(createHash('sha256').update(saved).digest('hex'), backup!.manifest.regions[0]!.sha256);
    assert.equal(createHash('md5').update(saved).digest('hex'), backup!.manifest.regions[0]!.md5);

    assert.equal((await write('original.bin')).code, 0);
    assert.equal((await listBackups(env)).length, 1, 'one backup per device: the first overwrite only');
    assert.equal((await write('update.bin')).code, 0);
    assert.deepEqual(sim.flash().subarray(0x10000, 0x10000 + update.length), update);

    const restored = await runCli(['restore', backup!.id, '--port', sim.rfc2217], { env });
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /Restored esp32-/);
    assert.deepEqual(sim.flash().subarray(0x10000, 0x10000 + original.length), original);
    assert.ok(sim.flash().subarray(0x10000 + original.length, 0x1b000).every((b) => b === 0xff), 'the rest of the saved sectors is back to erased');
  } finally {
    await sim.stop();
  }
});

test('restore refuses a damaged backup before touching the device', async () => {
  const dir = scratch('anyflash-backup-bad-');
  const env = { ANYFLASH_HOME: dir };
  const sim = await startSim('esp32', ['--no-realtime'], dir);
  try {
    writeFileSync(join(dir, 'a.bin'), pattern(0x1000, 61));
    assert.equal((await runCli(['write', '--port', sim.rfc2217, '0x20000', join(dir, 'a.bin')], { env })).code, 0);
    const [backup] = await listBackups(env);
    writeFileSync(join(backup!.dir, backup!.manifest.regions[0]!.file), pattern(0x1000, 62));
    const r = await runCli(['restore', backup!.dir, '--port', sim.rfc2217], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /does not match its manifest/);
  } finally {
    await sim.stop();
  }
});

test('a Beken device gets a full-flash backup by default (vendor firmware and RF calibration)', async () => {
  const dir = scratch('anyflash-backup-bk-');
  const env = { ANYFLASH_HOME: dir };
  const sim = await startSim('bk7231n', ['--no-realtime'], dir);
  try {
    writeFileSync(join(dir, 'app.bin'), pattern(0x2000, 71));
    const r = await runCli(['write', '--port', sim.tcp, '-c', 'bk7231n', '0x120000', join(dir, 'app.bin')], { env, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const [backup] = await listBackups(env);
    assert.equal(backup!.manifest.reason, 'full flash');
    const flashSize = sim.flash().length;
    assert.deepEqual(backup!.manifest.regions.map((x) => [x.address, x.size]), [[0, flashSize]]);
  } finally {
    await sim.stop();
  }
});

test('a backup hands back exactly the bytes asked for, and nothing for a range it does not hold', () => {
  const home = scratch('anyflash-backedup-');
  const info: DeviceInfo = { family: 'beken', chip: 'bk7231n', description: 'BK7231N', features: [], mac: 'c8:47:8c:00:00:01', flashSize: 0x200000, strategy: 'sim', baud: 921600, mode: 'FULL', extra: {} };
  const flash = pattern(0x200000, 4);
  const backup = saveBackup(info, [{ range: { start: 0, end: 0x200000 }, data: flash }], 'full flash', home);
  assert.deepEqual(backedUp(backup, 0x153000, 0x1000), flash.subarray(0x153000, 0x154000));
  const partial = saveBackup(info, [{ range: { start: 0x20000, end: 0x30000 }, data: flash.subarray(0x20000, 0x30000) }], 'before write', home);
  assert.deepEqual(backedUp(partial, 0x21000, 0x100), flash.subarray(0x21000, 0x21100));
  assert.equal(backedUp(partial, 0x2f000, 0x2000), undefined);
});
