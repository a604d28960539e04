import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import { runCli } from './harness.js';

it('sim:<chip>?flash-file=F keeps the flash between commands, for every family', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-simfile-'));
  const cases = [
    ['esp32', 0x10000],
    ['bk7231n', 0x11000],
    ['sf32lb52', 0x12010000],
  ] as const;
  await Promise.all(
    cases.map(async ([chip, address], i) => {
      const data = pseudoRandomBytes(0x1000, 40 + i);
      const app = join(dir, `${chip}.bin`);
      const flash = join(dir, `${chip}-flash.bin`);
      writeFileSync(app, data);
      const port = `sim:${chip}?flash-file=${flash}`;
      const w = await runCli(['write', '--port', port, '--no-backup', `0x${address.toString(16)}`, app]);
      assert.equal(w.code, 0, `${chip} write: ${w.stderr}`);
      // The next command is a new process: only the file carries the flash over.
      const v = await runCli(['verify', '--port', port, `0x${address.toString(16)}`, app]);
      assert.equal(v.code, 0, `${chip} verify: ${v.stdout}${v.stderr}`);
      const offset = chip === 'sf32lb52' ? address - 0x12000000 : address;
      assert.deepEqual(new Uint8Array(readFileSync(flash)).subarray(offset, offset + data.length), data);
    }),
  );
});

it('--help says that a sim: port is a fresh chip per command unless flash-file keeps it', async () => {
  const r = await runCli(['write', '--help']);
  assert.match(r.stdout.replace(/\s+/g, ' '), /a fresh simulated chip per command; sim:<chip>\?flash-file=F keeps its flash in F/);
});
