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
 * Checked with esptool v5.1.0 from a source checkout and Debian 12's python3-serial,
 * python3-rich-click, python3-bitstring, python3-intelhex, python3-ecdsa, python3-cryptography
 * and python3-yaml.
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
  const names: Record<string, string> = { esp32: 'ESP32', esp32s3: 'ESP32-S3', esp32c3: 'ESP32-C3', esp8266: 'ESP8266' };
  for (const chip of ['esp32', 'esp32s3', 'esp32c3', 'esp8266']) {
    for (const transport of ['socket', 'rfc2217'] as const) {
      // The ESP8266 ROM has no MD5, READ_FLASH_SLOW or ERASE_REGION: esptool itself refuses those without its stub.
      for (const stub of chip === 'esp8266' ? [true] : [true, false]) {
        it(`${chip} over ${transport}://${stub ? '' : ' --no-stub'}: chip-id, flash-id, read-mac, write-flash, verify-flash, read-flash, erase-region`, async () => {
          const dir = mkdtempSync(join(tmpdir(), 'anyflash-esptool-'));
          const image = new Uint8Array(0x6000).map((_, i) => (i * 131 + (i >> 7)) & 0xff);
          writeFileSync(join(dir, 'image.bin'), image);
          const device = createEspSim({ chip, clock: new SimClock(false), boot: 'download' });
          const link = new SimLink(device, { realtime: false });
          // As `anyflash sim` serves it: the RFC 2217 server runs the download-mode entry when the client
          // raises DTR (pyserial waits ≥ 50 ms per line change, longer than the EN timing allows).
          const server = await serveSim({ device, link, tcp: { port: 0, host: '127.0.0.1' }, rfc2217: { port: 0, host: '127.0.0.1' }, espResetHelper: true });
          // Raw TCP carries no DTR/RTS, so esptool must not try to reset; over RFC 2217 it resets the simulated board.
          const port = transport === 'socket' ? server.urls.tcp!.replace('tcp://', 'socket://') : server.urls.rfc2217!;
          const extra = [...(stub ? [] : ['--no-stub']), ...(transport === 'socket' ? ['--before', 'no-reset'] : [])];
          try {
            const id = await esptool(port, [...extra, 'chip-id'], dir);
            assert.ok(id.ok, id.out);
            assert.match(id.out, new RegExp(`Connected to ${names[chip]}`));
            const flash = await esptool(port, [...extra, 'flash-id'], dir);
            assert.match(flash.out, new RegExp(`Detected flash size: ${device.flash.size >> 20}MB`), flash.out);
            const mac = await esptool(port, [...extra, 'read-mac'], dir);
            assert.match(mac.out, /MAC:\s+([0-9a-f]{2}:){5}[0-9a-f]{2}/, mac.out);
            const write = await esptool(port, [...extra, 'write-flash', '0x10000', 'image.bin'], dir);
            assert.match(write.out, /Hash of data verified/, write.out);
            assert.deepEqual(device.flash.read(0x10000, image.length), image);
            const verify = await esptool(port, [...extra, 'verify-flash', '0x10000', 'image.bin'], dir);
            assert.ok(verify.ok, verify.out);
            const read = await esptool(port, [...extra, 'read-flash', '0x10000', '0x1000', 'back.bin'], dir);
            assert.ok(read.ok, read.out);
            assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'back.bin'))), image.subarray(0, 0x1000));
            const erase = await esptool(port, [...extra, 'erase-region', '0x11000', '0x1000'], dir);
            assert.ok(erase.ok, erase.out);
            assert.deepEqual(device.flash.read(0x11000, 0x1000), new Uint8Array(0x1000).fill(0xff));
            assert.deepEqual(device.flash.read(0x12000, 0x1000), image.subarray(0x2000, 0x3000));
          } finally {
            await server.close();
            device.dispose();
          }
        });
      }
    }
  }
});
