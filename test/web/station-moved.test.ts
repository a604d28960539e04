import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import { sleep } from '../../src/core/time.js';
import { WebStation } from '../../src/web-bridge/station.js';
import type { StationState } from '../../src/web-bridge/station-wire.js';

test('the web station (no browser): a board pulled out mid-write leaves a row marked moved to its new port, not a failure, and is recorded once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-web-moved-'));
  process.env.ANYFLASH_HOME = join(dir, 'home');
  const station = new WebStation({ hub: 'sim-hub:esp32;replug=75%:300ms,esp32?every=100', record: join(dir, 'line'), offered: () => true });
  const server = createServer((req, res) => void station.handle(req, res, req.url ?? ''));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/station`;
  try {
    const image = Buffer.from(pseudoRandomBytes(0x20000, 23)).toString('base64');
    const started = await fetch(`${url}/start`, { method: 'POST', body: JSON.stringify({ source: 'hub', images: [{ name: 'app.bin', address: '0x20000', data: image }] }) });
    assert.equal(started.status, 200, await started.text());
    let state: StationState;
    const deadline = performance.now() + 30_000;
    do {
      await sleep(100);
      state = (await (await fetch(url)).json()) as StationState;
    } while ((state.running || state.records.length < 2) && performance.now() < deadline);
    const moved = state.rows.filter((r) => r.result === 'moved');
    assert.deepEqual(moved.map((r) => [r.port, r.phase, r.movedTo]), [['sim:esp32?slot=1', 'moved', 'sim:esp32?slot=3']]);
    assert.ok(!state.rows.some((r) => r.result === 'fail'), JSON.stringify(state.rows));
    assert.deepEqual(state.records.map((r) => [r.port, r.result, r.resumed]).sort(), [
      ['sim:esp32?slot=2', 'pass', undefined],
      ['sim:esp32?slot=3', 'pass', true],
    ]);
  } finally {
    await fetch(`${url}/stop`, { method: 'POST', body: '{}' }).catch(() => {});
    server.close();
  }
});
