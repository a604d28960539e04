import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CrashDecoder, formatDecoded, type DecodedLine } from '../../src/monitor/crash-decoder.js';
import { createSymbolizer, type Symbolizer } from '../../src/formats/symbolizer.js';

const panic = (name: string): string[] =>
  readFileSync(new URL(`../fixtures/panics/${name}`, import.meta.url), 'utf8').split('\n');
const elf = (name: string): Uint8Array =>
  new Uint8Array(gunzipSync(readFileSync(new URL(`../fixtures/elf/dwarf/${name}`, import.meta.url))));

/** Stands in for an ELF whose code spans the given ranges; names each address after itself. */
function standIn(machine: number, ranges: Array<[number, number]>): Symbolizer {
  const isCode = (a: number): boolean => ranges.some(([lo, hi]) => a >= lo && a < hi);
  return {
    machine, codeRanges: ranges, isCode,
    lookup: (a) => (isCode(a) ? [{ function: `fn_${a.toString(16)}`, inlined: false }] : []),
    stats: { symbols: 0, lineRows: 0, functions: 0, inlined: 0, files: 0 },
    problems: [],
  };
}

// ESP32 app code: IRAM 0x40080000.., flash text 0x400d0000..; the ROM at 0x40000000.. is another ELF.
const esp32App = standIn(0x5e, [[0x40080000, 0x400a0000], [0x400d0000, 0x40400000]]);
const esp32Rom = standIn(0x5e, [[0x40000000, 0x40080000]]);
// ESP32-C3 app: IRAM 0x40380000.., flash text 0x42000000..
const c3App = standIn(0xf3, [[0x40380000, 0x403e0000], [0x42000000, 0x42800000]]);
// ESP32-S3 app: IRAM 0x40370000.., flash text 0x42000000..
const s3App = standIn(0x5e, [[0x40370000, 0x403e0000], [0x42000000, 0x42800000]]);

function decodeAll(decoder: CrashDecoder, lines: string[]): DecodedLine[] {
  return lines.map((l) => decoder.decodeLine(l));
}
const addrs = (d: DecodedLine[]): string[] =>
  d.flatMap((l) => l.addresses.map((a) => `${a.register ?? a.role}:${a.address.toString(16)}`));

test('Xtensa panic: PC, A0 as a return address, EXCVADDR, and each backtrace PC (not the SPs) incl. ROM', () => {
  const d = decodeAll(new CrashDecoder([esp32App, esp32Rom]), panic('xtensa-loadprohibited.log'));
  assert.equal(d[0]!.crash?.kind, 'panic');
  assert.match(d[0]!.crash!.message, /LoadProhibited/);
  // Each line is decoded on its own, so the backtrace repeats the PC.
  assert.deepEqual(addrs(d), [
    'PC:40112b45', 'A0:801105f0',
    'backtrace:40112b45', 'backtrace:401105ed', 'backtrace:4008235d', 'backtrace:4007906f', 'backtrace:400790d5', 'backtrace:400790e0',
    'backtrace:400792a9', 'backtrace:400806ea', 'backtrace:40007c31', 'backtrace:4000073d',
  ]);
  // A0 0x801105f0 is decoded at the call instruction: window bits cleared, 3 bytes back.
  const a0 = d.flatMap((l) => l.addresses).find((a) => a.register === 'A0')!;
  assert.equal(a0.frames[0]!.function, 'fn_401105ed');
  // Without the ROM ELF, ROM addresses stay undecoded.
  const appOnly = addrs(decodeAll(new CrashDecoder([esp32App]), panic('xtensa-loadprohibited.log')));
  assert.ok(!appOnly.some((a) => a.includes(':4000')), appOnly.join(' '));
});

test('the ROM boot log is not decoded; EXCVADDR 0 is reported as a null pointer access', () => {
  const d = decodeAll(new CrashDecoder([esp32App]), panic('xtensa-loadprohibited-boot.log'));
  assert.ok(!addrs(d).some((a) => a.endsWith('40078000') || a.endsWith('400789b8')));
  assert.deepEqual(d.flatMap((l) => l.notes), ['EXCVADDR 0x00000000: an access through a null pointer']);
  assert.equal(addrs(d).filter((a) => a.startsWith('backtrace')).length, 6);
});

test('abort and assert lines: the crash kind and the abort PC', () => {
  const d = decodeAll(new CrashDecoder([esp32App]), panic('xtensa-assert-abort.log'));
  assert.deepEqual(d.map((l) => l.crash?.kind).filter(Boolean), ['assert', 'abort', 'backtrace']);
  assert.deepEqual(addrs(d).slice(0, 2), ['abort:4008a0aa', 'backtrace:4008bddc']);
  const a = new CrashDecoder([esp32App]).decodeLine(panic('xtensa-assert-failed.log')[0]!);
  assert.equal(a.crash?.kind, 'assert');
  assert.match(a.crash!.message, /^assert failed: xQueueSemaphoreTake queue\.c:1554/);
});

test('RISC-V panic behind timestamps: MEPC and RA; stack memory words in the code range', () => {
  const d = decodeAll(new CrashDecoder([c3App]), panic('riscv-illegal-instruction.log'));
  assert.equal(d[0]!.crash?.kind, 'panic');
  // MEPC 0x40001be4 is in ROM (no ROM ELF given), RA in flash; other registers are data, not decoded.
  assert.deepEqual(addrs(d), ['RA:42075ee2']);
  const withRom = decodeAll(new CrashDecoder([c3App, standIn(0xf3, [[0x40000000, 0x40060000]])]), panic('riscv-illegal-instruction.log'));
  assert.deepEqual(addrs(withRom), ['MEPC:40001be4', 'RA:42075ee2']);
  const s = decodeAll(new CrashDecoder([c3App]), panic('riscv-stack-memory.log'));
  assert.deepEqual(addrs(s), ['stack:4209dfc6', 'stack:4038c1d4', 'stack:420842c0']);
});

test('lines idf.py monitor already decoded are not decoded again; Rust panics are recognised', () => {
  const d = decodeAll(new CrashDecoder([s3App]), panic('idf-panic-abort-decoded.log'));
  assert.deepEqual(addrs(d), [
    'address:4200975a', 'backtrace:4037a755', 'backtrace:4037a71d', 'backtrace:4200986b', 'backtrace:420097a3',
    'backtrace:4200975a', 'backtrace:42006efb', 'backtrace:4201cf26',
  ]);
  const r = decodeAll(new CrashDecoder([c3App]), panic('rust-esp-backtrace-decoded.log'));
  assert.equal(r[0]!.crash?.kind, 'rust-panic');
  assert.deepEqual(addrs(r), ['address:42010170']);
  const old = decodeAll(new CrashDecoder([esp32App]), panic('rust-esp-backtrace-old.log'));
  assert.deepEqual(addrs(old), ['address:400d1bb8', 'address:400d5816', 'address:400d29af']);
});

test('esp-backtrace panic decoded against its ELF: main and hal_main, with file:line', () => {
  const decoder = new CrashDecoder([createSymbolizer(elf('esp32c6_backtrace.elf.gz'))]);
  const d = decodeAll(decoder, panic('esp32c6-backtrace-matched.log'));
  const found = d.flatMap((l) => l.addresses);
  assert.deepEqual(found.map((a) => a.address), [0x420012c8, 0x42001280]);
  assert.match(found[0]!.frames[0]!.function!, /main/);
  assert.match(`${found[0]!.frames[0]!.file}:${found[0]!.frames[0]!.line}`, /esp32c6_backtrace\/src\/bin\/main\.rs:25$/);
  assert.deepEqual(found[1]!.frames.map((f) => f.function), ['esp_hal::hal_main', 'esp_riscv_rt::start_rust']);
  const text = d.flatMap(formatDecoded);
  assert.match(text[0]!, /^ {2}0x420012c8: esp32c6_backtrace::__risc_v_rt__main at .*main\.rs:25$/);
  assert.match(text[2]!, /^ {14}inlined into esp_riscv_rt::start_rust at .*esp-riscv-rt-0\.11\.0\/src\/lib\.rs:71$/);
});

test('an ESP-IDF RISC-V register dump decoded against the app ELF gives what addr2line gives', () => {
  const decoder = new CrashDecoder([createSymbolizer(elf('esp32c61.elf.gz'))]);
  const truth = JSON.parse(readFileSync(new URL('../fixtures/elf/dwarf/esp32c61.expected.json', import.meta.url), 'utf8'))
    .frames as Record<string, Array<[string, string, number]>>;
  const [pc, ra] = Object.entries(truth).filter(([, f]) => f.length === 1 && f[0]![2] > 0).slice(10, 12);
  const line = `MEPC    : ${pc![0].padStart(10, '0')}  RA      : ${ra![0]}  SP      : 0x4084f8a0  GP      : 0x40815284  `;
  const d = decoder.decodeLine(line);
  assert.deepEqual(
    d.addresses.map((a) => [a.register, a.frames[0]!.function, a.frames[0]!.file, a.frames[0]!.line]),
    [['MEPC', ...pc![1][0]!], ['RA', ...ra![1][0]!]],
  );
});

test('console text (web monitor): each line followed by its decoded addresses; a prompt shown when idle', async () => {
  const { ConsoleText } = await import('../../src/monitor/console-text.js');
  const view = new ConsoleText(new CrashDecoder([createSymbolizer(elf('esp32c6_backtrace.elf.gz'))]));
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  assert.equal(view.push(enc('Backtrace:\r\n\r\n0x420012c8\r\nnsh> ')), 'Backtrace:\n\n0x420012c8\n' +
    '  0x420012c8: esp32c6_backtrace::__risc_v_rt__main at /home/sergio/Documents/Espressif/tests/esp32c6_backtrace/src/bin/main.rs:25\n');
  assert.equal(view.idle(), 'nsh> ');
  assert.equal(view.push(enc('help\r\n')), 'help\n');
});

test('an Xtensa ESP-IDF backtrace against a gcc-built ELF: inlined frames as addr2line -i gives them', () => {
  const bytes = new Uint8Array(readFileSync(new URL('../fixtures/elf/dwarf/xtensa-dwarf4.elf', import.meta.url)));
  const truth = JSON.parse(readFileSync(new URL('../fixtures/elf/dwarf/xtensa-dwarf4.expected.json', import.meta.url), 'utf8'))
    .frames as Record<string, Array<[string, string, number]>>;
  const [deep, shallow] = [
    Object.entries(truth).find(([, f]) => f.length === 3)!,
    Object.entries(truth).find(([, f]) => f.length === 1 && f[0]![2] > 0)!,
  ];
  const line = `Backtrace: ${deep[0]}:0x3ffb1ea0 ${shallow[0]}:0x3ffb1ee0 0x40000000:0x3ffb1f10 |<-CORRUPTED`;
  const d = new CrashDecoder([createSymbolizer(bytes)]).decodeLine(line);
  assert.deepEqual(d.addresses.map((a) => a.frames.map((f) => [f.function, f.file, f.line])), [deep[1], shallow[1]]);
  assert.deepEqual(d.addresses[0]!.frames.map((f) => f.inlined), [true, true, false]);
});
