import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './harness.js';

it('a failed verify summarises hundreds of differing ranges; --verbose and --json list them all', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-verify-'));
  // Every 16th byte differs from an erased flash: 256 separate one-byte ranges.
  const file = join(dir, 'app.bin');
  const data = new Uint8Array(0x1000).fill(0xff);
  for (let i = 0; i < data.length; i += 16) data[i] = 0;
  writeFileSync(file, data);
  const args = ['verify', '--port', 'sim:esp32', '--chip', 'esp32', '0x10000', file];

  const plain = await runCli(args);
  assert.equal(plain.code, 1, plain.stderr);
  const line = plain.stdout.split('\n').find((l) => l.includes('differs'))!;
  assert.match(line, /differs in 256 ranges, 256 bytes: 0x0*10000\.\.0x0*10001, 0x0*10010\.\.0x0*10011, 0x0*10020\.\.0x0*10021, … 250 more …, .*0x0*10ff0\.\.0x0*10ff1/);
  assert.ok(line.length < 300, `${line.length} characters`);

  const verbose = await runCli([...args, '--verbose']);
  assert.equal((verbose.stdout.match(/0x0*10[0-9a-f]{3}\.\./g) ?? []).length, 256);

  const json = await runCli([...args, '--json']);
  const doc = JSON.parse(json.stdout) as { ok: boolean; regions: Array<{ ranges: unknown[] }> };
  assert.equal(doc.ok, false);
  assert.equal(doc.regions[0]!.ranges.length, 256);
});
