import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { md5 } from '../../src/core/md5.js';
import { splitShellWords } from '../../src/cli/compat/argfile.js';
import { translate } from '../../src/cli/compat/translate.js';
import { parseEspImage } from '../../src/formats/esp-image.js';
import { parseIntelHex } from '../../src/formats/ihex.js';
import { parseUf2 } from '../../src/formats/uf2.js';
import { simStubBlob } from '../../src/sim/sifli/index.js';
import { serveTestSim } from './harness.js';

/**
 * Real command lines of esptool, espflash, bk7231tools, ltchiptool and sftool users (sources in
 * test/fixtures/command-lines/README.md), each run as typed against a simulated chip: the bytes
 * must land where the original tool would put them.
 */
const ROOT = resolve('.');
const DIR = join(ROOT, 'test/fixtures/command-lines');
const home = mkdtempSync(join(tmpdir(), 'anyflash-home-'));

interface Write { address: string; file: string; header?: [string, string]; skip?: string; length?: string }
interface Line {
  name: string;
  line?: string;
  argv?: string[];
  program: number;
  vars?: Record<string, string>;
  chip?: string;
  portFromEnv?: boolean;
  prefill?: boolean | string;
  files?: Record<string, string>;
  argfiles?: Record<string, string>;
  entries?: string[];
  translateOnly?: string[][];
  expect?: {
    writes?: Write[];
    reads?: Array<[string, string, string]>;
    erased?: Array<[string, string]>;
    kept?: Array<[string, string]>;
    sameAs?: Array<[string, string]>;
    md5?: [string, string];
    layout?: { file: string; format: 'raw' | 'hex' | 'uf2'; parts: Array<[string, string]> };
    stdout?: string;
    stderr?: string;
    exit?: number;
  };
}

/** Deterministic bytes per name, never starting with an ESP image magic (0xE9). */
function pattern(seedText: string, size: number): Uint8Array {
  let x = 2166136261;
  for (const c of seedText) x = Math.imul(x ^ c.charCodeAt(0), 16777619) >>> 0;
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  if (size > 0) out[0] = 0x5a;
  return out;
}

function content(spec: string, name: string): Uint8Array {
  if (spec.startsWith('random:')) return pattern(name, Number(spec.slice(7)));
  if (spec.startsWith('fixture:')) return new Uint8Array(readFileSync(join(ROOT, 'test/fixtures', spec.slice(8))));
  throw new Error(`bad file spec ${spec}`);
}

function tokensOf(l: Line): string[] {
  const sub = (t: string): string => Object.entries(l.vars ?? {}).reduce((acc, [k, v]) => acc.split(k).join(v), t);
  const words = l.line !== undefined ? splitShellWords(sub(l.line)) : l.argv!.map(sub);
  return words.slice(l.program);
}

function run(entry: string, args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const [script, ...prefix] = entry === 'anyflash-esptool' ? ['dist/cli/esptool-main.js'] : entry === 'anyflash esptool' ? ['dist/cli/main.js', 'esptool'] : ['dist/cli/main.js'];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, script!), ...prefix, ...args], {
      cwd,
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ANYFLASH_'))), ANYFLASH_HOME: home, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`timed out: ${entry} ${args.join(' ')}\n${stderr}`));
    }, 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
  });
}

const num = (t: string): number => Number(t);

/** The flash image a merged file describes, from address 0 (raw files are that image already). */
function flatImage(bytes: Uint8Array, format: 'raw' | 'hex' | 'uf2'): Uint8Array {
  if (format === 'raw') return bytes;
  const chunks = format === 'hex' ? parseIntelHex(bytes).chunks : parseUf2(bytes).chunks;
  const image = new Uint8Array(Math.max(...chunks.map((c) => c.address + c.data.length))).fill(0xff);
  for (const c of chunks) image.set(c.data, c.address);
  return image;
}
const flashBase = (chip: string): number => (chip.startsWith('sf32lb52') ? 0x12000000 : 0);

const sources = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('real command lines of other flashers run as typed', { concurrency: 2 }, () => {
  for (const file of sources) {
    const doc = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { lines: Line[] };
    for (const l of doc.lines) {
      if (l.translateOnly) {
        it(`${file}: ${l.name} → ${l.translateOnly.map((s) => s[0]).join(' + ')}`, () => {
          assert.deepEqual(translate(tokensOf(l)).steps.map((s) => ('argv' in s ? s.argv : s.label)), l.translateOnly);
        });
        continue;
      }
      for (const entry of l.entries ?? ['anyflash']) {
        it(`${file}: ${l.name} [${entry}]`, async () => {
          const cwd = mkdtempSync(join(tmpdir(), 'anyflash-lines-'));
          const files = Object.fromEntries(Object.entries(l.files ?? {}).map(([name, spec]) => [name, content(spec, name)]));
          for (const [name, data] of Object.entries(files)) {
            mkdirSync(dirname(join(cwd, name)), { recursive: true });
            writeFileSync(join(cwd, name), data);
          }
          for (const [name, text] of Object.entries(l.argfiles ?? {})) writeFileSync(join(cwd, name), text);
          const chip = l.chip ?? 'esp32';
          const offline = (l.expect?.sameAs || l.expect?.layout || (l.expect?.stdout && !l.chip)) && !l.expect?.writes;
          const sim = offline ? undefined : await serveTestSim({ chip });
          try {
            const flash = sim?.device.flash.data;
            if (flash && l.prefill) flash.set(pattern(`prefill-${chip}`, l.prefill === true ? flash.length : num(l.prefill)));
            const before = flash?.slice();
            const args = tokensOf(l).map((t) => (t === '$PORT' ? sim!.tcpUrl : t));
            const env: Record<string, string> = {};
            if (l.portFromEnv && sim) env.ANYFLASH_PORT = sim.tcpUrl;
            if (chip.startsWith('sf32')) {
              writeFileSync(join(cwd, 'stub.bin'), simStubBlob());
              env.ANYFLASH_SIFLI_STUB = join(cwd, 'stub.bin');
            }
            const r = await run(entry, args, cwd, env);
            const why = `${entry} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`;
            assert.equal(r.code, l.expect?.exit ?? 0, why);
            const at = (address: string, size: number): Uint8Array => {
              const start = num(address) - flashBase(chip);
              return flash!.subarray(start, start + size);
            };
            for (const w of l.expect?.writes ?? []) {
              const whole = w.file.startsWith('fixture:') ? content(w.file, w.file) : files[w.file]!;
              const skip = w.skip ? num(w.skip) : 0;
              const data = whole.subarray(skip, w.length ? skip + num(w.length) : whole.length);
              const got = at(w.address, data.length);
              if (w.header) {
                // esptool rewrites the bootloader header's flash mode and size/frequency bytes and the appended SHA-256.
                assert.deepEqual([got[2], got[3]], w.header.map(num), `${w.file} header`);
                assert.deepEqual(got.subarray(0, 2), data.subarray(0, 2));
                const image = parseEspImage(got.slice());
                assert.deepEqual(got.subarray(4, image.dataLength), data.subarray(4, image.dataLength), `${w.file} body`);
                if (image.hash) assert.ok(image.hash.valid, 'SHA-256 recomputed');
              } else {
                assert.ok(Buffer.from(got).equals(Buffer.from(data)), `${w.file} at ${w.address}`);
              }
            }
            for (const [address, size, out] of l.expect?.reads ?? []) {
              const start = num(address) - flashBase(chip);
              assert.ok(Buffer.from(readFileSync(join(cwd, out))).equals(Buffer.from(before!.subarray(start, start + num(size)))), `${out} holds the flash`);
            }
            for (const [address, size] of l.expect?.erased ?? []) {
              assert.ok(at(address, num(size)).every((b) => b === 0xff), `${address}+${size} erased`);
            }
            for (const [address, size] of l.expect?.kept ?? []) {
              const start = num(address) - flashBase(chip);
              assert.ok(Buffer.from(at(address, num(size))).equals(Buffer.from(before!.subarray(start, start + num(size)))), `${address}+${size} untouched`);
            }
            for (const [out, expected] of l.expect?.sameAs ?? []) {
              assert.ok(Buffer.from(readFileSync(join(cwd, out))).equals(Buffer.from(content(expected, expected))), `${out} equals ${expected}`);
            }
            if (l.expect?.layout) {
              const { file: out, format, parts } = l.expect.layout;
              const image = flatImage(new Uint8Array(readFileSync(join(cwd, out))), format);
              let end = 0;
              for (const [address, name] of parts) {
                const data = files[name]!;
                assert.ok(Buffer.from(image.subarray(num(address), num(address) + data.length)).equals(Buffer.from(data)), `${name} at ${address} in ${out}`);
                end = Math.max(end, num(address) + data.length);
              }
              if (format === 'raw') {
                assert.equal(image.length, end, `${out} ends with the last file`);
                const covered = (i: number): boolean => parts.some(([a, n]) => i >= num(a) && i < num(a) + files[n]!.length);
                assert.ok(image.every((b, i) => covered(i) || b === 0xff), 'gaps are 0xFF');
              }
            }
            if (l.expect?.md5) {
              const [address, size] = l.expect.md5;
              const start = num(address);
              assert.match(r.stdout, new RegExp(`0x${Buffer.from(md5(before!.subarray(start, start + num(size)))).toString('hex')}`));
            }
            if (l.expect?.stdout) assert.match(r.stdout, new RegExp(l.expect.stdout));
            if (l.expect?.stderr) assert.match(r.stderr, new RegExp(l.expect.stderr));
          } finally {
            await sim?.server.close();
          }
        });
      }
    }
  }
});
