import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootOutlook, describeProgress, deviceKey, jobId, markVerified, markWriting, newJournal, regionStates } from '../../src/engine/journal.js';
import { runCli } from '../cli/harness.js';
import { scratch, startSim } from './cli-helpers.js';
import { pattern } from './helpers.js';

const info = { family: 'esp' as const, chip: 'esp32', mac: '24:0a:c4:12:34:56' };
const plan = [
  { name: 'bootloader.bin', address: 0x1000, data: pattern(0x5000, 1), critical: true },
  { name: 'partitions.bin', address: 0x8000, data: pattern(0xc00, 2), critical: true },
  { name: 'app.bin', address: 0x10000, data: pattern(0x20000, 3) },
];

test('journal: a device is its chip and MAC (flash id without a MAC); a job is its regions and bytes, in any order', () => {
  assert.equal(deviceKey(info), 'esp32-240ac4123456');
  assert.equal(deviceKey({ chip: 'sf32lb52', flashId: 0x182085 }), 'sf32lb52-flash182085');
  assert.equal(jobId(plan), jobId([...plan].reverse()));
  const changed = plan.map((r, i) => (i === 2 ? { ...r, data: pattern(0x20000, 4) } : r));
  assert.notEqual(jobId(plan), jobId(changed));
});

test('journal: says how far a run got and what the device will do at its next boot', () => {
  const j = newJournal(info, plan, '/dev/ttyUSB0', ['write']);
  markVerified(j, 0x10000);
  markWriting(j, 0x1000, 0x2800, 0x5000);
  assert.equal(describeProgress(j), 'stopped after 1 of 3 regions; 0x1000 bootloader.bin was half written');
  assert.deepEqual(regionStates(j), [
    '0x1000 bootloader.bin: half written — incomplete',
    '0x8000 partitions.bin: not written yet',
    '0x10000 app.bin: written and verified',
  ]);
  assert.match(bootOutlook(j), /bootloader is partly written: the chip will not boot/);
  const app = newJournal(info, plan, '', []);
  markWriting(app, 0x10000, 0x4000, 0x20000);
  assert.match(bootOutlook(app), /app\.bin is partly written: the bootloader will reject that image/);
  assert.equal(describeProgress(app), 'stopped after 0 of 3 regions; 0x10000 app.bin was 12 % written');
});

/** Starts `anyflash write` and returns once its progress passed `percent` of the write. */
function writeUntil(args: string[], env: Record<string, string>, percent: number): Promise<{ child: ReturnType<typeof spawn>; stderr: () => string }> {
  const child = spawn(process.execPath, ['dist/cli/main.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no progress: ${stderr}`)), 30_000);
    child.stderr!.on('data', (d) => {
      stderr += d;
      const m = [...stderr.matchAll(/^write \S+ (\d+)%$/gm)].at(-1);
      if (m && Number(m[1]) >= percent) {
        clearTimeout(timer);
        resolve({ child, stderr: () => stderr });
      }
    });
    child.on('exit', () => reject(new Error(`write ended early: ${stderr}`)));
  });
}

test('a write killed mid-way (SIGKILL) is listed by anyflash status, and running it again resumes and finishes', async () => {
  const dir = scratch('anyflash-journal-');
  const env = { ANYFLASH_HOME: dir };
  const sim = await startSim('esp32', [], dir); // realtime: the write lasts a few seconds
  try {
    const image = pattern(320 * 1024, 31);
    const file = join(dir, 'app.bin');
    writeFileSync(file, image);
    const args = ['write', '--port', sim.rfc2217, '--baud', '921600', '--no-backup', '0x10000', file];
    const { child } = await writeUntil(args, env, 30);
    child.kill('SIGKILL');
    await once(child, 'exit');

    const status = await runCli(['status', '--json'], { env });
    const jobs = (JSON.parse(status.stdout) as { jobs: Array<{ verified: number[]; writing?: { address: number; done: number } }> }).jobs;
    assert.equal(jobs.length, 1, status.stdout);
    assert.deepEqual(jobs[0]!.verified, []);
    assert.equal(jobs[0]!.writing?.address, 0x10000);
    assert.ok(jobs[0]!.writing!.done > 0);

    const again = await runCli(args, { env, timeoutMs: 60_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Resuming: the previous run .* stopped after 0 of 1 region; 0x10000 \S+app\.bin was \d+ % written/);
    assert.match(again.stdout, /skipped [1-9]\d* B, verified/, 'the sectors written before the kill were not sent again');
    assert.deepEqual(sim.flash().subarray(0x10000, 0x10000 + image.length), image);
    const after = await runCli(['status'], { env });
    assert.match(after.stdout, /No unfinished jobs/);
  } finally {
    await sim.stop();
  }
});

test('Ctrl-C stops at a safe point and says what is written, what is not, and what the device will do at boot', async () => {
  const dir = scratch('anyflash-ctrlc-');
  const env = { ANYFLASH_HOME: dir };
  const sim = await startSim('esp32', [], dir);
  try {
    const app = join(dir, 'app.bin');
    const table = join(dir, 'partitions.bin');
    writeFileSync(app, pattern(320 * 1024, 41));
    writeFileSync(table, pattern(0xc00, 42));
    const { child, stderr } = await writeUntil(['write', '--port', sim.rfc2217, '--baud', '921600', '--no-backup', '0x8000', table, '0x10000', app], env, 20);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number];
    assert.notEqual(code, 0);
    const text = stderr();
    assert.match(text, /Stopped \(aborted\): stopped after 0 of 2 regions; 0x10000 \S+app\.bin was \d+ % written/);
    assert.match(text, /0x8000 \S+partitions\.bin: not written yet/);
    assert.match(text, /app\.bin is partly written: the bootloader will reject that image/);
    assert.ok(sim.flash().subarray(0x8000, 0x8c00).every((b) => b === 0xff), 'the critical partition table was not touched');
  } finally {
    await sim.stop();
  }
});
