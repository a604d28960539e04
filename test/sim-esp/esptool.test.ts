import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SimClock } from '../../src/sim/clock.js';
import { ESP_CHIPS, createEspSim } from '../../src/sim/esp/index.js';
import { espChipRecord } from '../../src/chips/esp.js';
import { SimLink } from '../../src/sim/link.js';
import { serveSim } from '../../src/sim/server.js';

/**
 * Fidelity check against the real esptool, opt-in: set ANYFLASH_ESPTOOL to an esptool checkout
 * (run as `python3 -m esptool` with PYTHONPATH there; needs pyserial, rich-click, bitstring, …;
 * ANYFLASH_PYTHON picks the interpreter, e.g. /usr/bin/python3 for Debian's packages).
 * Checked with esptool v5.3.1 (tag v5.3.1 from a source checkout; later master needs esp-pylib)
 * and Debian 12's python3-serial, python3-rich-click, python3-bitstring, python3-intelhex,
 * python3-ecdsa, python3-cryptography and python3-yaml: 39 of 39 pass (every simulated chip, 8.4 min).
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
  // Every simulated chip over raw TCP; the reset circuit over RFC 2217 on one chip of each ROM generation.
  const RFC2217_CHIPS = new Set(['esp32', 'esp32s3', 'esp32c3', 'esp8266']);
  for (const { name: chip, label } of ESP_CHIPS) {
    for (const transport of RFC2217_CHIPS.has(chip) ? (['socket', 'rfc2217'] as const) : (['socket'] as const)) {
      // The ESP8266 ROM has no MD5, READ_FLASH_SLOW or ERASE_REGION: esptool itself refuses those without its stub.
      // Chips without a published stub (ESP32-H21) run on the ROM only.
      const stubs = chip === 'esp8266' ? [true] : espChipRecord(chip)?.stub === null ? [false] : [true, false];
      for (const stub of stubs) {
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
            assert.match(id.out, new RegExp(`Connected to ${label}`));
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

  /** Serves one simulated chip over raw TCP for a Python snippet or an esptool run. */
  async function served(chip: string): Promise<{ device: ReturnType<typeof createEspSim>; port: string; close: () => Promise<void> }> {
    const device = createEspSim({ chip, clock: new SimClock(false), boot: 'download' });
    const link = new SimLink(device, { realtime: false });
    const server = await serveSim({ device, link, tcp: { port: 0, host: '127.0.0.1' } });
    return { device, port: server.urls.tcp!.replace('tcp://', 'socket://'), close: async () => (await server.close(), device.dispose()) };
  }

  function pythonSnippet(code: string, cwd: string): Promise<{ ok: boolean; out: string }> {
    return new Promise((resolve) => {
      execFile(python, ['-c', code], { cwd, timeout: 120_000, env: { ...process.env, PYTHONPATH: esptoolDir } }, (error, stdout, stderr) =>
        resolve({ ok: !error, out: `${stdout}${stderr}` }),
      );
    });
  }

  // esptool's own test_attach_flash (skipped there for the S2 and P4, whose ROM attaches by itself).
  for (const chip of ['esp32', 'esp32c3', 'esp32s3', 'esp32c6']) {
    it(`${chip}: esptool's attach check - no flash before SPI_ATTACH (ffff, Unknown, SFDP ff), the flash after it`, async () => {
      const s = await served(chip);
      try {
        const code = [
          'import io, contextlib, esptool',
          'from esptool.cmds import attach_flash, flash_id, read_flash_sfdp',
          `esp = esptool.CHIP_DEFS['${chip}'](port='${s.port}')`,
          "esp.connect('no-reset')",
          'pre, post = io.StringIO(), io.StringIO()',
          'with contextlib.redirect_stdout(pre):',
          '    flash_id(esp); read_flash_sfdp(esp, 0, 4)',
          'attach_flash(esp)',
          'with contextlib.redirect_stdout(post):',
          '    flash_id(esp); read_flash_sfdp(esp, 0, 4)',
          "print('PRE', pre.getvalue()); print('POST', post.getvalue())",
        ].join('\n');
        const r = await pythonSnippet(code, tmpdir());
        assert.ok(r.ok, r.out);
        const [pre, post] = r.out.split('POST');
        assert.match(pre!, /Detected flash size: Unknown/, r.out);
        assert.match(pre!, /Device: (ffff|0000)/, r.out);
        assert.match(pre!, /SFDP\[0\.\.3\]: 0xff 0xff 0xff 0xff/, r.out);
        assert.doesNotMatch(post!, /Detected flash size: Unknown/, r.out);
        assert.match(post!, /SFDP\[0\.\.3\]: 0x53 0x46 0x44 0x50/, r.out);
      } finally {
        await s.close();
      }
    });
  }

  for (const chip of ['esp32c3', 'esp32s3']) {
    it(`${chip}: --after watchdog-reset reboots the chip into its firmware`, async () => {
      const s = await served(chip);
      try {
        const r = await esptool(s.port, ['--before', 'no-reset', '--after', 'watchdog-reset', 'chip-id'], tmpdir());
        assert.ok(r.ok, r.out);
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(s.device.state, 'firmware');
      } finally {
        await s.close();
      }
    });
  }
});
