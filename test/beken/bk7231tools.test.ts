import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SimClock } from '../../src/sim/clock.js';
import { createSim } from '../../src/sim/registry.js';
import { SimLink } from '../../src/sim/link.js';
import { serveSim } from '../../src/sim/server.js';
import { pattern } from './helpers.js';

/**
 * Fidelity check against the real bk7231tools, opt-in: set ANYFLASH_BK7231TOOLS to a source
 * checkout (checked with v2.1.2 and Debian 12's python3-serial: 9 of 9 pass, every simulated
 * chip; ANYFLASH_PYTHON picks the interpreter). bk7231tools opens its port with `serial.Serial`, which knows no URLs, so the
 * runner hands it pyserial's `serial_for_url` instead — the tool's own code is unchanged.
 */
const checkout = process.env.ANYFLASH_BK7231TOOLS;
const python = process.env.ANYFLASH_PYTHON ?? 'python3';
const RUNNER = [
  'import sys, serial',
  'import bk7231tools.serial.main as m',
  'm.Serial = lambda port=None, **kw: serial.serial_for_url(port, **kw)',
  'from bk7231tools.__main__ import cli',
  'sys.argv[0] = "bk7231tools"',
  'cli()',
].join('\n');

/** Runs bk7231tools without blocking the event loop, which serves the simulator in this process. */
function bk7231tools(args: string[], cwd: string): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(python, ['-c', RUNNER, ...args], { cwd, timeout: 120_000, env: { ...process.env, PYTHONPATH: checkout } }, (error, stdout, stderr) => {
      const out = `${stdout}${stderr}`;
      resolve({ ok: !error && !out.includes('Traceback'), out });
    });
  });
}

describe('real bk7231tools against the Beken simulator', { skip: checkout ? false : 'ANYFLASH_BK7231TOOLS not set' }, () => {
  // Every simulated chip; the BK7231M reads as the BK7231N it shares BootROM and chip id with.
  const expected: Record<string, RegExp> = {
    bk7231n: /Chip info: BK7231N .*Protocol: FULL/,
    bk7231m: /Chip info: BK7231N .*Protocol: FULL/,
    bk7231t: /Chip info: BK7231S_1\.0\.\d .*Protocol: BASIC_TUYA/,
    bk7231u: /Protocol: BASIC_BEKEN/,
    bk7231q: /Protocol: BASIC_BEKEN/,
    bk7238: /Chip info: BK7238 .*Protocol: FULL/,
    bk7252: /Protocol: BASIC_BEKEN/,
  };
  /** The reset circuit over RFC 2217 on one chip of each loader kind; raw TCP for all. */
  const RFC2217_CHIPS = new Set(['bk7231n', 'bk7231t']);
  for (const chip of Object.keys(expected)) {
    for (const transport of RFC2217_CHIPS.has(chip) ? (['socket', 'rfc2217'] as const) : (['socket'] as const)) {
      it(`${chip} over ${transport}://: chip_info, write_flash and read_flash at 921600 baud`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'anyflash-bk7231tools-'));
        const image = pattern(0x10000, 21);
        writeFileSync(join(dir, 'image.bin'), image);
        const device = createSim({ chip, clock: new SimClock(false), boot: 'download' });
        const link = new SimLink(device, { realtime: false });
        const server = await serveSim({ device, link, tcp: { port: 0, host: '127.0.0.1' }, rfc2217: { port: 0, host: '127.0.0.1' } });
        const port = transport === 'socket' ? server.urls.tcp!.replace('tcp://', 'socket://') : server.urls.rfc2217!;
        const common = ['-d', port, '-b', '921600'];
        try {
          const info = await bk7231tools(['chip_info', ...common], dir);
          assert.ok(info.ok, info.out);
          assert.match(info.out, expected[chip]!);
          const write = await bk7231tools(['write_flash', ...common, '-s', '0x11000', 'image.bin'], dir);
          assert.ok(write.ok, write.out);
          assert.deepEqual(device.flash.read(0x11000, image.length), image);
          const read = await bk7231tools(['read_flash', ...common, '-s', '0x11000', '-l', String(image.length), 'back.bin'], dir);
          assert.ok(read.ok, read.out);
          assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'back.bin'))), image);
        } finally {
          await server.close();
          device.dispose();
        }
      });
    }
  }
});
