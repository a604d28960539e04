import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** One process saving the same journal `times` times as fast as it can; resolves with its exit code and stderr. */
function saver(home: string, times: number): Promise<{ code: number | null; stderr: string }> {
  const store = pathToFileURL(resolve('dist/cli/journal-store.js')).href;
  const script = `import { JournalStore } from ${JSON.stringify(store)};
const s = new JournalStore(${JSON.stringify(home)});
const j = { version: 1, deviceKey: 'sf32lb52-flashc84017', jobId: 'a1b2c3d4e5f60718', regions: [], verified: [] };
for (let i = 0; i < ${times}; i++) s.save({ ...j, updated: String(i) });`;
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stderr }));
  });
}

test('two processes saving the same journal at once both succeed, and leave one whole journal', async () => {
  // Boards without a unique id (SiFli) share a journal key: two stations may save the same file.
  const home = mkdtempSync(join(tmpdir(), 'anyflash-journal-'));
  const results = await Promise.all([saver(home, 400), saver(home, 400)]);
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const dir = join(home, 'journal', 'sf32lb52-flashc84017');
  assert.deepEqual(readdirSync(dir), ['a1b2c3d4e5f60718.json']);
  assert.equal(JSON.parse(readFileSync(join(dir, 'a1b2c3d4e5f60718.json'), 'utf8')).updated, '399');
});
