import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, serveTestSim, type ServedSim } from './harness.js';

function bytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

describe('flash-project writes an ESP-IDF build in one command', () => {
  let sim: ServedSim;
  let build: string;
  const boot = bytes(0x3000, 1);
  const table = bytes(0xc00, 2);
  const app = bytes(0x12345, 3);

  before(async () => {
    sim = await serveTestSim({ chip: 'esp32', flashSize: 0x400000 });
    build = join(mkdtempSync(join(tmpdir(), 'anyflash-idf-')), 'build');
    mkdirSync(join(build, 'bootloader'), { recursive: true });
    mkdirSync(join(build, 'partition_table'));
    writeFileSync(join(build, 'bootloader', 'bootloader.bin'), boot);
    writeFileSync(join(build, 'partition_table', 'partition-table.bin'), table);
    writeFileSync(join(build, 'hello.bin'), app);
    writeFileSync(
      join(build, 'flasher_args.json'),
      JSON.stringify({
        write_flash_args: ['--flash_mode', 'dio', '--flash_size', '4MB', '--flash_freq', '40m'],
        flash_settings: { flash_mode: 'dio', flash_size: '4MB', flash_freq: '40m' },
        flash_files: { '0x1000': 'bootloader/bootloader.bin', '0x8000': 'partition_table/partition-table.bin', '0x10000': 'hello.bin' },
        bootloader: { offset: '0x1000', file: 'bootloader/bootloader.bin', encrypted: 'false' },
        app: { offset: '0x10000', file: 'hello.bin', encrypted: 'false' },
        extra_esptool_args: { after: 'hard_reset', before: 'default_reset', stub: true, chip: 'esp32' },
      }),
    );
  });
  after(async () => {
    await sim.server.close();
  });

  it('puts bootloader, partition table and app at their offsets, critical parts last', async () => {
    const r = await runCli(['flash-project', join(build, '..'), '--port', sim.tcpUrl, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(
      doc.regions.map((x: { address: number }) => x.address),
      [0x10000, 0x1000, 0x8000],
    );
    const flash = sim.device.flash.data;
    assert.deepEqual(flash.subarray(0x1000, 0x1000 + boot.length), boot);
    assert.deepEqual(flash.subarray(0x8000, 0x8000 + table.length), table);
    assert.deepEqual(flash.subarray(0x10000, 0x10000 + app.length), app);
  });
});
