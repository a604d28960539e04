/**
 * Side by side: anyflash against esptool and bk7231tools, each as a whole process (start-up, reset,
 * handshake, baud change, work, verify, reset), on a realtime simulator (`anyflash sim`, 921600 baud,
 * 1 ms USB latency) over RFC 2217 so that every tool really changes baud. Each row is the median of
 * --repeat runs (default 3), every run on a fresh simulator whose flash file holds the row's old contents.
 * The reference tools are opt-in, as in the fidelity tests: ANYFLASH_ESPTOOL (an esptool checkout),
 * ANYFLASH_BK7231TOOLS (a bk7231tools checkout), ANYFLASH_PYTHON (the interpreter, default python3).
 * Usage: npm run bench:compare [-- --case SUBSTRING] [--repeat N] [--cli PATH]
 *   --cli runs another anyflash build (default dist/cli/main.js), e.g. a copy of the build before a change.
 *
 * Both tools verify what they wrote (esptool by MD5, bk7231tools by CRC, anyflash by digest) and reset
 * the chip at the end; esptool compresses (its default) and anyflash streams deflate (its default).
 * anyflash runs with --no-backup (its first write to a device otherwise saves the old flash first) and
 * a private ANYFLASH_HOME. The physical bound is the time the link and the chips need at the least
 * for what the case asks, checked as both tools check it: ESP writes, the level-9 deflated stream
 * (SLIP escapes counted) overlapping page programming and the erases of flash that was not blank,
 * plus the MD5 of the region; Beken writes (stop and wait), the Write4K frames of the sectors that
 * are not all 0xFF, plus the erases of the old app, plus the chip's CRC of the region (about 10 ms
 * per 4 KiB); a one-sector reflash, the digest of the whole region plus that sector; reads, the
 * reply frames on the wire; connect + info, the reset pulse. Efficiency = bound / anyflash time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { deflateSync } from 'fflate';
import { initialFlash, SIM_CHIPS } from '../src/sim/beken/chips.js';
import { TYPICAL_NOR } from '../src/core/nor.js';
import { eraseSeconds } from './bounds.js';
import { compressibleApp, randomImage, realisticApp } from './images.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const onlyCase = arg('--case');
const repeat = Number(arg('--repeat') ?? 3);
const esptoolDir = process.env.ANYFLASH_ESPTOOL;
const bk7231toolsDir = process.env.ANYFLASH_BK7231TOOLS;
const python = process.env.ANYFLASH_PYTHON ?? 'python3';
const CLI = arg('--cli') ?? new URL('../dist/cli/main.js', import.meta.url).pathname;
const BAUD = 921600;
const KiB = 0x400;
const MiB = 0x100000;
/** Every run must finish within this (a hung tool fails the benchmark instead of stalling it). */
const RUN_TIMEOUT_MS = 180_000;

/** bk7231tools opens its port with `serial.Serial`, which knows no URLs: hand it `serial_for_url` (as test/beken/bk7231tools.test.ts does). */
const BK7231TOOLS_RUNNER = [
  'import sys, serial',
  'import bk7231tools.serial.main as m',
  'm.Serial = lambda port=None, **kw: serial.serial_for_url(port, **kw)',
  'from bk7231tools.__main__ import cli',
  'sys.argv[0] = "bk7231tools"',
  'cli()',
].join('\n');

interface Command {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

interface Case {
  name: string;
  chip: 'esp32' | 'bk7231n';
  flashSize: string;
  /** Flash contents before the run, over the board's own (erased on ESP; a Beken's bootloader, old app and MAC block). */
  before?: { address: number; data: Uint8Array };
  /** Files the tools read, written into the run's folder. */
  files?: Record<string, Uint8Array>;
  anyflash: string[];
  reference?: string[];
  /** What the flash (or the read-back file) must hold afterwards. */
  expect?: { address: number; data: Uint8Array } | { readBack: string; data: Uint8Array };
  boundSeconds: number;
}

/** Seconds the wire needs for these bytes at BAUD (10 bits a byte). */
const wire = (bytes: number) => (bytes * 10) / BAUD;
/** SLIP doubles 0xC0 and 0xDB. */
const slipEscapes = (data: Uint8Array) => data.reduce((n, b) => n + (b === 0xc0 || b === 0xdb ? 1 : 0), 0);
/** The 4 KiB sectors of [start, end), for `eraseSeconds`. */
const sectors = (start: number, end: number): number[] => Array.from({ length: (end - start) / 0x1000 }, (_, i) => start + i * 0x1000);
const programSeconds = (bytes: number) => (Math.ceil(bytes / 256) * TYPICAL_NOR.pageProgramMs) / 1000;
/** The ESP stubs' MD5 reads flash at SPI speed. */
const md5Seconds = (bytes: number) => bytes / TYPICAL_NOR.readBytesPerSecond;
/** A Beken's CheckCRC: about 10 ms per 4 KiB (reference §beken; the simulator's default). */
const crcSeconds = (bytes: number) => bytes / 400_000;
/**
 * ESP: the FLASH_DEFL stream of `data` (level 9, SLIP-escaped) overlaps programming (and erasing,
 * where the flash was not blank: the stub skips erased blocks), plus the MD5 check of `region`.
 */
function espWriteBound(data: Uint8Array, { region = data.length, erase = false } = {}): number {
  const packed = deflateSync(data, { level: 9 });
  const flash = programSeconds(data.length) + (erase ? eraseSeconds(sectors(0, data.length), TYPICAL_NOR) : 0);
  return Math.max(wire(packed.length + slipEscapes(packed)), flash) + md5Seconds(region);
}
/**
 * Beken, stop and wait: a 4108-byte Write4K frame for every sector that is not all 0xFF, the erases
 * of what was not blank (`dirty`, flash offsets), and the CRC check of `crcBytes`.
 */
function bekenWriteBound(data: Uint8Array, dirty: { start: number; end: number } | undefined, crcBytes: number): number {
  let frames = 0;
  for (let at = 0; at < data.length; at += 0x1000) if (data.subarray(at, at + 0x1000).some((b) => b !== 0xff)) frames++;
  return wire(frames * 4108) + (dirty ? eraseSeconds(sectors(dirty.start, dirty.end), TYPICAL_NOR) : 0) + crcSeconds(crcBytes);
}
/** The simulated board's old app: 192 KiB at 0x11000 (src/sim/beken/chips.ts `initialFlash`). */
const BEKEN_OLD_APP = 0x30000;
/** ClassicReset holds EN low 0.1 s, then the boot pin 0.05 s. */
const RESET_PULSE_SECONDS = 0.15;

const withSector = (data: Uint8Array, at: number) => {
  const changed = data.slice();
  changed.fill(0x5a, at, at + 4 * KiB);
  return changed;
};

function cases(): Case[] {
  const app = realisticApp(MiB);
  const appChanged = withSector(app, 0x80000);
  const dataApp = compressibleApp(MiB);
  const random4 = randomImage(4 * MiB, 3);
  const random1 = randomImage(MiB, 5);
  const bkApp = realisticApp(MiB, 11);
  const bkChanged = withSector(bkApp, 0x80000);
  const esp = ['-c', 'esp32', '-b', String(BAUD)];
  const espRef = ['--chip', 'esp32', '--baud', String(BAUD)];
  const bk = ['-c', 'bk7231n', '-b', String(BAUD)];
  return [
    {
      name: 'ESP32 write 1 MiB app, blank flash',
      chip: 'esp32',
      flashSize: '4M',
      files: { 'app.bin': app },
      anyflash: ['write', ...esp, '--no-backup', '0x10000', 'app.bin'],
      reference: ['esptool', ...espRef, 'write-flash', '0x10000', 'app.bin'],
      expect: { address: 0x10000, data: app },
      boundSeconds: espWriteBound(app),
    },
    {
      name: 'ESP32 write 1 MiB data-heavy app (deflates to a third), blank flash',
      chip: 'esp32',
      flashSize: '4M',
      files: { 'app.bin': dataApp },
      anyflash: ['write', ...esp, '--no-backup', '0x10000', 'app.bin'],
      reference: ['esptool', ...espRef, 'write-flash', '0x10000', 'app.bin'],
      expect: { address: 0x10000, data: dataApp },
      boundSeconds: espWriteBound(dataApp),
    },
    {
      name: 'ESP32 reflash 1 MiB app, one 4 KiB sector changed',
      chip: 'esp32',
      flashSize: '4M',
      before: { address: 0x10000, data: app },
      files: { 'app.bin': appChanged },
      anyflash: ['write', ...esp, '--no-backup', '0x10000', 'app.bin'],
      reference: ['esptool', ...espRef, 'write-flash', '0x10000', 'app.bin'],
      expect: { address: 0x10000, data: appChanged },
      boundSeconds: espWriteBound(appChanged.subarray(0x80000, 0x81000), { region: app.length, erase: true }),
    },
    {
      name: 'ESP32 connect + info (esptool flash-id)',
      chip: 'esp32',
      flashSize: '4M',
      anyflash: ['info', ...esp],
      reference: ['esptool', ...espRef, 'flash-id'],
      boundSeconds: RESET_PULSE_SECONDS,
    },
    {
      name: 'ESP32 write 4 MiB random',
      chip: 'esp32',
      flashSize: '8M',
      files: { 'random.bin': random4 },
      anyflash: ['write', ...esp, '--no-backup', '0x100000', 'random.bin'],
      reference: ['esptool', ...espRef, 'write-flash', '0x100000', 'random.bin'],
      expect: { address: 0x100000, data: random4 },
      boundSeconds: espWriteBound(random4),
    },
    {
      name: 'ESP32 read 1 MiB',
      chip: 'esp32',
      flashSize: '4M',
      before: { address: 0x10000, data: random1 },
      anyflash: ['read', ...esp, '0x10000', '0x100000', 'back.bin'],
      reference: ['esptool', ...espRef, 'read-flash', '0x10000', '0x100000', 'back.bin'],
      expect: { readBack: 'back.bin', data: random1 },
      boundSeconds: wire(random1.length + slipEscapes(random1)),
    },
    {
      name: 'BK7231N write 1 MiB at 0x11000 over the old app',
      chip: 'bk7231n',
      flashSize: '2M',
      files: { 'app.bin': bkApp },
      anyflash: ['write', ...bk, '--no-backup', '0x11000', 'app.bin'],
      reference: ['bk7231tools', 'write_flash', '-b', String(BAUD), '-s', '0x11000', 'app.bin'],
      expect: { address: 0x11000, data: bkApp },
      boundSeconds: bekenWriteBound(bkApp, { start: 0x11000, end: 0x11000 + BEKEN_OLD_APP }, bkApp.length),
    },
    {
      name: 'BK7231N reflash 1 MiB, one 4 KiB sector changed',
      chip: 'bk7231n',
      flashSize: '2M',
      before: { address: 0x11000, data: bkApp },
      files: { 'app.bin': bkChanged },
      anyflash: ['write', ...bk, '--no-backup', '0x11000', 'app.bin'],
      reference: ['bk7231tools', 'write_flash', '-b', String(BAUD), '-s', '0x11000', 'app.bin'],
      expect: { address: 0x11000, data: bkChanged },
      boundSeconds: crcSeconds(bkApp.length) + bekenWriteBound(bkChanged.subarray(0x80000, 0x81000), { start: 0, end: 0x1000 }, 0x1000),
    },
    {
      name: 'BK7231N read 1 MiB',
      chip: 'bk7231n',
      flashSize: '2M',
      before: { address: 0x11000, data: random1 },
      anyflash: ['read', ...bk, '0x11000', '0x100000', 'back.bin'],
      reference: ['bk7231tools', 'read_flash', '-b', String(BAUD), '-s', '0x11000', '-l', '0x100000', 'back.bin'],
      expect: { readBack: 'back.bin', data: random1 },
      boundSeconds: wire((random1.length / 0x1000) * 4111),
    },
  ];
}

/** The reference command line with the port in place, or undefined when that tool is not configured. */
function referenceCommand(args: string[], port: string): Command | undefined {
  const [tool, ...rest] = args;
  if (tool === 'esptool' && esptoolDir) {
    return { file: python, args: ['-m', 'esptool', '--port', port, ...rest], env: { ...process.env, PYTHONPATH: esptoolDir } };
  }
  if (tool === 'bk7231tools' && bk7231toolsDir) {
    const [command, ...options] = rest;
    return { file: python, args: ['-c', BK7231TOOLS_RUNNER, command!, '-d', port, ...options], env: { ...process.env, PYTHONPATH: bk7231toolsDir } };
  }
  return undefined;
}

/** Runs a process to its end; resolves with its output, rejects on a non-zero exit or the deadline. */
function run(command: Command, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, { cwd, env: command.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command.file} ${command.args.filter((a) => !a.includes('\n')).join(' ')} exited ${code ?? signal}:\n${out.slice(-2000)}`));
    });
  });
}

interface Sim {
  port: string;
  stop(): Promise<void>;
}

/** Starts `anyflash sim` on a flash file and waits for its ready line. */
function startSim(c: Case, flashFile: string, cwd: string): Promise<Sim> {
  return new Promise((resolve, reject) => {
    const args = [CLI, 'sim', c.chip, '--rfc2217', '127.0.0.1:0', '--flash-size', c.flashSize, '--flash-file', flashFile, '--latency-ms', '1', '--json'];
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((done) => child.on('exit', () => done()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`anyflash sim ${c.chip} gave no ready line within 20 s`));
    }, 20_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const ready = JSON.parse(line) as { rfc2217: string };
      resolve({
        port: ready.rfc2217,
        // SIGINT lets the simulator finish writing its flash file; the deadline kills it otherwise.
        stop: async () => {
          child.kill('SIGINT');
          const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(kill);
        },
      });
    });
  });
}

/** One whole-process run of one tool; returns its seconds after checking the result. */
async function timeRun(c: Case, tool: 'anyflash' | 'reference'): Promise<number | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-compare-'));
  try {
    const size = c.flashSize === '8M' ? 8 * MiB : c.flashSize === '4M' ? 4 * MiB : 2 * MiB;
    // A Beken board always holds its bootloader (tools identify the chip by its CRC) and MAC block.
    const flash = c.chip === 'bk7231n' ? initialFlash(SIM_CHIPS.bk7231n!, size, true) : new Uint8Array(size).fill(0xff);
    if (c.before) flash.set(c.before.data, c.before.address);
    const flashFile = join(dir, 'flash.bin');
    writeFileSync(flashFile, flash);
    for (const [name, data] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), data);
    const sim = await startSim(c, flashFile, dir);
    let seconds: number;
    try {
      const command =
        tool === 'anyflash'
          ? { file: process.execPath, args: [CLI, c.anyflash[0]!, '-p', sim.port, ...c.anyflash.slice(1)], env: { ...process.env, ANYFLASH_HOME: join(dir, 'home') } }
          : c.reference && referenceCommand(c.reference, sim.port);
      if (!command) return undefined;
      const t0 = performance.now();
      await run(command, dir);
      seconds = (performance.now() - t0) / 1000;
    } finally {
      await sim.stop();
    }
    if (c.expect) {
      const got = 'readBack' in c.expect ? readFileSync(join(dir, c.expect.readBack)) : readFileSync(flashFile).subarray(c.expect.address, c.expect.address + c.expect.data.length);
      if (Buffer.compare(got, c.expect.data) !== 0) throw new Error(`${c.name}: ${tool} left different bytes than expected`);
    }
    return seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function medianOf(c: Case, tool: 'anyflash' | 'reference'): Promise<number | undefined> {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = await timeRun(c, tool);
    if (t === undefined) return undefined;
    times.push(t);
    process.stderr.write(`${c.name}: ${tool} ${t.toFixed(2)} s\n`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const f2 = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(2));
const lines = ['| case | reference tool s | anyflash s | ratio (reference / anyflash) | physical bound s | anyflash efficiency |', '|---|---|---|---|---|---|'];
for (const c of cases()) {
  if (onlyCase && !c.name.includes(onlyCase)) continue;
  const reference = await medianOf(c, 'reference');
  const anyflash = (await medianOf(c, 'anyflash'))!;
  const tool = c.chip === 'esp32' ? 'esptool' : 'bk7231tools';
  const ratio = reference === undefined ? '—' : `${(reference / anyflash).toFixed(2)}×`;
  lines.push(`| ${c.name} | ${reference === undefined ? `— (${tool} not set)` : `${f2(reference)} (${tool})`} | ${f2(anyflash)} | ${ratio} | ${f2(c.boundSeconds)} | ${(c.boundSeconds / anyflash).toFixed(3)} |`);
}
console.log(lines.join('\n'));
