import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, serveTestSim, type ServedSim } from './harness.js';

describe('bad input is refused before anything touches the device', () => {
  let sim: ServedSim;
  let dir: string;
  let pristine: Uint8Array;

  before(async () => {
    sim = await serveTestSim({ chip: 'esp32', flashSize: 0x400000 });
    pristine = sim.device.flash.data.slice();
    dir = mkdtempSync(join(tmpdir(), 'anyflash-bad-'));
    writeFileSync(join(dir, 'app.bin'), new Uint8Array(4096).fill(0x11));
    writeFileSync(join(dir, 'big.bin'), new Uint8Array(0x400000 + 1));
    writeFileSync(join(dir, 'empty.bin'), new Uint8Array(0));
    mkdirSync(join(dir, 'folder'));
  });
  after(async () => {
    await sim.server.close();
  });

  const cases: Array<{ name: string; args: (d: string) => string[]; code: string; says: RegExp }> = [
    { name: 'missing file', args: (d) => ['write', '0x10000', join(d, 'nope.bin')], code: 'file-not-found', says: /nope\.bin does not exist/ },
    { name: 'empty file', args: (d) => ['write', '0x10000', join(d, 'empty.bin')], code: 'file-empty', says: /empty\.bin is empty/ },
    { name: 'a directory', args: (d) => ['write', '0x10000', join(d, 'folder')], code: 'bad-input', says: /folder/ },
    { name: 'malformed number', args: (d) => ['write', '0x1g000', join(d, 'app.bin')], code: 'bad-number', says: /0x1g000/ },
    {
      name: 'overlapping files',
      args: (d) => ['write', '0x10000', join(d, 'app.bin'), '0x10800', join(d, 'app.bin')],
      code: 'regions-overlap',
      says: /overlaps/,
    },
    { name: 'file bigger than the flash', args: (d) => ['write', '0x0', join(d, 'big.bin')], code: 'file-too-large', says: /beyond the 4 MiB flash/ },
    { name: 'misaligned erase region', args: () => ['erase-region', '0x10010', '0x1000'], code: 'misaligned-address', says: /not aligned/ },
    { name: 'unknown chip name', args: (d) => ['write', '--chip', 'esp99', '0x10000', join(d, 'app.bin')], code: 'unknown-chip', says: /esp99/ },
  ];

  for (const c of cases) {
    it(`${c.name} → exit 2, ${c.code}, flash untouched`, async () => {
      const bytesBefore = sim.link.counters.toDevice;
      const r = await runCli([...c.args(dir), '--port', sim.tcpUrl, '--json']);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const doc = JSON.parse(r.stdout.trim().split('\n').pop()!);
      assert.equal(doc.error.code, c.code);
      assert.match(doc.error.summary, c.says);
      assert.deepEqual(sim.device.flash.data, pristine);
      if (c.code !== 'file-too-large') assert.equal(sim.link.counters.toDevice, bytesBefore, 'nothing sent to the device');
    });
  }

  it('prints one line of what happened and one of what to do for humans', async () => {
    const r = await runCli(['write', '0x10000', join(dir, 'nope.bin'), '--port', sim.tcpUrl]);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0]!, /error \[file-not-found\]: .*nope\.bin does not exist/);
    assert.match(lines[1]!, /what to do: Check the file name/);
  });

  it('keeps escape codes out of piped output even on CI, and colours when FORCE_COLOR asks', async () => {
    const args = ['write', '0x10000', join(dir, 'nope.bin'), '--port', sim.tcpUrl];
    const piped = await runCli(args, { env: { CI: 'true' } });
    assert.doesNotMatch(piped.stderr, /\x1b\[/);
    const forced = await runCli(args, { env: { FORCE_COLOR: '1' } });
    assert.match(forced.stderr, /\x1b\[31merror \[file-not-found\]/);
  });
});
