import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const LOGS = join(import.meta.dirname, 'logs');

function anyflash(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out: anyflash ${args.join(' ')}`));
    }, 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - t0 });
    });
    child.stdin.end(stdin ?? '');
  });
}

test('anyflash explain FILE: tool, step, what happened, numbered advice, the anyflash command; exit 0', async () => {
  const r = await anyflash(['explain', join(LOGS, 'esptool/no-serial-data.log')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Tool: esptool v4\.7\.0/);
  assert.match(r.stdout, /Step: connect/);
  assert.match(r.stdout, /What happened: The device sent nothing back\./);
  assert.match(r.stdout, /What to do:\n {2}1\. .*hold BOOT/);
  assert.match(r.stdout, /anyflash write --port COM3 --chip esp32 --baud 460800 0x1000 bootloader\.bin/);
  assert.doesNotMatch(r.stdout, /\x1b\[/, 'no colour codes when stdout is not a terminal');
});

test('anyflash explain --json reads stdin and prints the documented shape', async () => {
  const log = 'bk7231tools write_flash -d COM4 -s 0x11000 -S 0 fw.bin\nErase failed - flash protected; found non-0xFF bytes\n';
  const r = await anyflash(['explain', '--json', '-'], log);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, unknown> & { causes: Array<Record<string, unknown>> };
  assert.deepEqual(Object.keys(j).slice(0, 5), ['tool', 'version', 'step', 'causes', 'suggestion']);
  assert.equal(j.tool, 'bk7231tools');
  assert.equal(j.step, 'erase');
  assert.equal(j.causes[0]!.code, 'flash-protected');
  assert.deepEqual(Object.keys(j.causes[0]!), ['code', 'confidence', 'evidence', 'advice']);
  assert.equal(j.suggestion, 'anyflash write --port COM4 fw.bin@0x11000');
});

test('anyflash explain -- COMMAND runs it, shows its output and explains it', async () => {
  const script = "console.log('esptool.py v4.7.0'); console.error('A fatal error occurred: Failed to connect to ESP32: Wrong boot mode detected (0x13)! The chip needs to be in download mode.'); process.exit(2)";
  const r = await anyflash(['explain', '--json', '--', process.execPath, '-e', script]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Wrong boot mode detected/, 'the command output is shown as it runs');
  const j = JSON.parse(r.stdout) as { tool: string; causes: Array<{ code: string }> };
  assert.equal(j.tool, 'esptool');
  assert.equal(j.causes[0]!.code, 'wrong-boot-mode');
});

test('anyflash explain -- COMMAND is bounded by --timeout', async () => {
  const r = await anyflash(['explain', '--timeout', '1', '--', process.execPath, '-e', 'setTimeout(() => {}, 60000)']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /not recognised/);
  assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
});

test('a missing file or command is an input error (exit 2) with one clear line', async () => {
  const f = await anyflash(['explain', join(LOGS, 'nope.log')]);
  assert.equal(f.code, 2);
  assert.match(f.stderr, /nope\.log: no such file/);
  const c = await anyflash(['explain', '--', 'no-such-flasher-xyz', '--port', 'COM3']);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /no-such-flasher-xyz: command not found/);
});
