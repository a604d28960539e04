import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs the CLI without blocking, so the cases below run side by side. */
function anyflash(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('anyflash doctor (CLI)', { concurrency: true }, () => {
  test('anyflash doctor --json --report on an ESP32 running its firmware without auto-reset', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'anyflash-doctor-')), 'report.json');
    const r = await anyflash(['doctor', '--port', 'sim:esp32?boot=firmware&auto-reset=0', '--chip', 'esp', '--connect-attempts', '1', '--json', '--report', report]);
    assert.equal(r.status, 1, r.stderr);
    const verdict = JSON.parse(r.stdout) as { code: string; summary: string; advice: string[]; evidence: string[] };
    assert.ok(['wrong-boot-mode', 'firmware-owns-uart'].includes(verdict.code), verdict.code);
    assert.ok(verdict.advice.some((a) => /hold BOOT/i.test(a) && /RESET/.test(a)));
    assert.ok(verdict.evidence.length > 0);
    const bundle = JSON.parse(readFileSync(report, 'utf8')) as { anyflash: string; os: { platform: string }; verdict: { code: string }; trace: string[] };
    assert.equal(bundle.verdict.code, verdict.code);
    assert.equal(bundle.os.platform, process.platform);
    assert.ok(bundle.trace.some((l) => / tx /.test(l)) && bundle.trace.some((l) => / rx /.test(l)), 'the wire trace has both directions');
  });

  test('anyflash doctor on a chip in download mode says it works and exits 0', async () => {
    const r = await anyflash(['doctor', '--port', 'sim:esp32']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ESP32.*answered/);
  });

  test('anyflash doctor prints what happened, what to do, then evidence bullets', async () => {
    const r = await anyflash(['doctor', '--port', 'sim:esp32?boot=firmware&auto-reset=0', '--chip', 'esp', '--connect-attempts', '1']);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^\[(wrong-boot-mode|firmware-owns-uart)\] /);
    assert.match(lines[1]!, /^what to do: .*(?:hold BOOT .*tap RESET|BOOT \(GPIO0 .*capacitor)/);
    assert.equal(lines[2], 'evidence:');
    assert.match(lines[3]!, /^  • /);
    assert.match(r.stderr, /✗ connect esp: /, 'the steps are shown as they run');
  });
});
