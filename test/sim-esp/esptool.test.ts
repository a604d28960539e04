import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SimClock } from '../../src/sim/clock.js';
import { createEspSim } from '../../src/sim/esp/index.js';
import { SimLink } from '../../src/sim/link.js';
import { serveSim } from '../../src/sim/server.js';

/**
 * Fidelity check against the real esptool, opt-in: set ANYFLASH_ESPTOOL to an esptool checkout
 * (run as `python3 -m esptool` with PYTHONPATH there; needs pyserial, rich-click, bitstring, …;
 * ANYFLASH_PYTHON picks the interpreter, e.g. /usr/bin/python3 for Debian's packages).
 * esptool talks to the simulator over raw TCP, which forces `--before no-reset`, so the chip
 * starts in download mode.
 */
const esptoolDir = process.env.ANYFLASH_ESPTOOL;
const python = process.env.ANYFLASH_PYTHON ?? 'python3';

/** Runs esptool without blocking the event loop, which serves the simulator in this process. */
function esptool(port: string, args: string[], cwd: string): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(
      python,
      ['-m', 'esptool', '--port', port, ...args],
      { cwd, timeout: 120_000, env: { ...process.env, PYTHONPATH: esptoolDir } },
      (error, stdout, stderr) => resolve({ ok: !error, out: `${stdout}${stderr}` }),
    );
  });
}

describe('real esptool against the ESP simulator', { skip: esptoolDir ? false : 'ANYFLASH_ESPTOOL not set' }, () => {
  for (const chip of ['esp32', 'esp32c3']) {
    for (const stub of [true, false]) {
      it(`${chip}${stub ? '' : ' --no-stub'}: chip-id, flash-id, write-flash, verify-flash, read-flash`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'anyflash-esptool-'));
        const image = new Uint8Array(0x6000).map((_, i) => (i * 131 + (i >> 7)) & 0xff);
        writeFileSync(join(dir, 'image.bin'), image);
        const device = createEspSim({ chip, clock: new SimClock(false), boot: 'download' });
        const link = new SimLink(device, { realtime: false });
        const server = await serveSim({ device, link, tcp: { port: 0, host: '127.0.0.1' } });
        const port = server.urls.tcp!.replace('tcp://', 'socket://');
        const extra = stub ? [] : ['--no-stub'];
        try {
          const id = await esptool(port, [...extra, 'chip-id'], dir);
          assert.ok(id.ok, id.out);
          assert.match(id.out, new RegExp(`Connected to ${chip === 'esp32' ? 'ESP32' : 'ESP32-C3'}`));
          const flash = await esptool(port, [...extra, 'flash-id'], dir);
          assert.match(flash.out, /Detected flash size: 4MB/, flash.out);
          const write = await esptool(port, [...extra, 'write-flash', '0x10000', 'image.bin'], dir);
          assert.match(write.out, /Hash of data verified/, write.out);
          assert.deepEqual(device.flash.read(0x10000, image.length), image);
          const verify = await esptool(port, [...extra, 'verify-flash', '0x10000', 'image.bin'], dir);
          assert.ok(verify.ok, verify.out);
          const read = await esptool(port, [...extra, 'read-flash', '0x10000', '0x1000', 'back.bin'], dir);
          assert.ok(read.ok, read.out);
          assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'back.bin'))), image.subarray(0, 0x1000));
        } finally {
          await server.close();
          device.dispose();
        }
      });
    }
  }
});
