import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';

const dir = mkdtempSync(join(tmpdir(), 'anyflash-monitor-'));
const elf = join(dir, 'esp32c6_backtrace.elf');
writeFileSync(elf, gunzipSync(readFileSync(new URL('../fixtures/elf/dwarf/esp32c6_backtrace.elf.gz', import.meta.url))));
const app = resolve('test/fixtures/esp/esp32c6-app.bin');

const elfSha = createHash('sha256').update(readFileSync(elf)).digest('hex');
/** The simulated firmware prints this esp-backtrace panic on every boot (addresses from the ELF's own panic). */
const PANIC = `I (310) app_init: ELF file SHA256:  ${elfSha.slice(0, 16)}...\n` + '\n====================== PANIC ======================\npanicked at src/bin/main.rs:25:5:\ntest\n\nBacktrace:\n\n0x420012c8\n0x42001280\n';
const port = `sim:esp32c6?app-log=${encodeURIComponent(PANIC)}`;
const DECODED = /0x420012c8: esp32c6_backtrace::__risc_v_rt__main at \/home\/sergio\/Documents\/Espressif\/tests\/esp32c6_backtrace\/src\/bin\/main\.rs:25/g;

/** Runs the built CLI with a keyboard on stdin; `script` sends keys as output arrives. */
function interactive(args: string[], script: (out: { stdout: string; stderr: string }, send: (keys: string) => void) => void) {
  return new Promise<{ code: number; stdout: string; stderr: string; seconds: number }>((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [resolve('dist/cli/main.js'), ...args], {
      env: { ...process.env, ANYFLASH_HOME: dir, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = { stdout: '', stderr: '' };
    const step = (): void => script(out, (keys) => child.stdin.write(keys));
    child.stdout.on('data', (d) => { out.stdout += d; step(); });
    child.stderr.on('data', (d) => { out.stderr += d; step(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`monitor did not finish:\n${out.stdout}\n${out.stderr}`)); }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, ...out, seconds: (performance.now() - started) / 1000 });
    });
  });
}

const count = (text: string, re: RegExp): number => text.match(re)?.length ?? 0;

test('write --monitor: flash, reset into the app, decode its panic; Ctrl-R resets, Ctrl-F reflashes unchanged sectors, Ctrl-] quits; --log keeps it', async () => {
  const log = join(dir, 'console.log');
  let stage = 0;
  const r = await interactive(['write', '--monitor', '-p', port, '0x0', app, '--elf', elf, '--log', log, '--timestamps', '--seconds', '50'], (out, send) => {
    const panics = count(out.stdout, DECODED);
    if (stage === 0 && panics >= 1) { stage = 1; send('\x12'); }
    else if (stage === 1 && panics >= 2) { stage = 2; send('\x06'); }
    else if (stage === 2 && panics >= 3) { stage = 3; send('\x1d'); }
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(stage, 3, r.stdout);
  assert.ok(r.seconds < 45, `quit by Ctrl-] before --seconds ran out (took ${r.seconds} s)`);
  assert.match(r.stderr, /Ctrl-R reset · Ctrl-F reflash · Ctrl-C or Ctrl-\] quit/);
  assert.ok(!r.stderr.includes('ELF SHA256'), 'the running app matches the ELF: no warning');
  // First write wrote the image; Ctrl-F's write found every sector unchanged.
  assert.match(r.stdout, /esp32c6-app\.bin @ 0x0: wrote 45056 B/);
  assert.match(r.stdout, /esp32c6-app\.bin @ 0x0: unchanged, skipped, verified/);
  assert.match(r.stdout, /^ {14}inlined into esp_riscv_rt::start_rust at .*\/src\/lib\.rs:71$/m);
  assert.match(r.stdout, /^\[\d\d:\d\d:\d\d\.\d{3}\] I \(300\) app: hello$/m);
  const saved = readFileSync(log, 'utf8');
  assert.equal(count(saved, DECODED), 3);
  assert.match(saved, /--- resetting the chip\n/);
  assert.match(saved, /--- reflashing \(unchanged sectors are skipped\)…\n/);
  assert.ok(!saved.includes('\x1b['), 'no colour codes in the log file');
});

test('monitor --json --log-level W: one record per line, info lines hidden, the panic decoded to function and file:line; Ctrl-C quits', async () => {
  const crash = 'I (31) app_init: ELF file SHA256:  0123456789abcdef...\n' + 'W (400) app: careful\n' + 'Guru Meditation Error: Core  0 panic\'ed (Load access fault). Exception was unhandled.\n' +
    'MEPC    : 0x420012c8  RA      : 0x42001280  SP      : 0x4087f8a0  GP      : 0x40815284  \n';
  const jsonPort = `sim:esp32c6?app-log=${encodeURIComponent(crash)}`;
  let sent = false;
  const r = await interactive(['write', '--monitor', '--json', '-p', jsonPort, '0x0', app, '--elf', elf, '--log-level', 'W', '--seconds', '50'], (out, send) => {
    if (!sent && out.stdout.includes('"register":"RA"')) { sent = true; send('\x03'); }
  });
  assert.equal(r.code, 0, r.stderr);
  const records = r.stdout.split('\n').filter((l) => l.startsWith('{"type"')).map((l) => JSON.parse(l));
  assert.ok(records.some((x) => x.type === 'monitor' && /ELF SHA256 starts 0123456789abcdef.*may point at the wrong code/.test(x.message)));
  const warning = records.find((x) => x.level);
  assert.deepEqual([warning?.level, warning?.tag, warning?.uptime, warning?.text], ['W', 'app', '400', 'W (400) app: careful']);
  assert.ok(!records.some((x) => x.level === 'I'), 'I lines hidden at --log-level W');
  assert.ok(records.some((x) => x.text?.startsWith('ESP-ROM:esp32c6')), 'lines that are not ESP-IDF logs pass the filter');
  assert.equal(records.find((x) => x.crash)?.crash.kind, 'panic');
  const regs = records.find((x) => x.addresses)?.addresses;
  assert.deepEqual(regs.map((a: { register: string; frames: Array<{ function: string; line: number }> }) => [a.register, a.frames[0]!.function, a.frames[0]!.line]), [
    ['MEPC', 'esp32c6_backtrace::__risc_v_rt__main', 25],
    ['RA', 'esp_hal::hal_main', 544],
  ]);
});

test('monitor decodes defmt frames with the ELF\'s .defmt table (esp-println defmt-espflash framing)', async () => {
  const defmtElf = join(dir, 'esp32c6_defmt.elf');
  writeFileSync(defmtElf, gunzipSync(readFileSync(new URL('../fixtures/elf/dwarf/esp32c6_defmt.elf.gz', import.meta.url))));
  const { rzcobsEncode } = await import('../../src/formats/defmt.js');
  const frame = (bytes: number[]): string => Buffer.from([0xff, 0x00, ...rzcobsEncode(Uint8Array.from(bytes)), 0x00]).toString('hex');
  // "Hello world!" (format 1), then esp-hal's "Unhandled interrupt: {:?}" (6) with Interrupt (12) = 30, GPIO.
  const hexLog = `${Buffer.from('plain text\r\n').toString('hex')}${frame([1, 0])}${frame([6, 0, 12, 0, 30])}`;
  let sent = false;
  const r = await interactive(['write', '--monitor', '-p', `sim:esp32c6?app-log-hex=${hexLog}`, '0x0', app, '--elf', defmtElf, '--seconds', '50'], (out, send) => {
    if (!sent && out.stdout.includes('Unhandled interrupt')) { sent = true; send('\x03'); }
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /decoding defmt frames \(\d+ format strings\)/);
  assert.match(r.stdout, /^plain text\nINFO {2}Hello world!\nERROR panicked at 'Unhandled interrupt: GPIO'$/m);
});
