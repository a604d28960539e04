import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import type { DeviceRecord } from '../../src/engine/record.js';
import { runCli } from './harness.js';

test('station mode flashes each device a simulated hub plugs in, records it, and POSTs it to --report-url (retrying a failed post)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-station-'));
  const image = pseudoRandomBytes(0x8000, 30);
  writeFileSync(join(dir, 'app.bin'), image);
  const received: DeviceRecord[] = [];
  let requests = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests++;
      // The first post meets a server that is briefly down: the record must still arrive.
      if (requests === 1) {
        res.writeHead(503).end();
        return;
      }
      received.push(JSON.parse(body) as DeviceRecord);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/records`;
    const hub = 'sim-hub:esp32,bk7231n,esp32c3;fault=brownout=0x21000,sf32lb52?every=300';
    const r = await runCli(['station', '--hub', hub, '--record', join(dir, 'st'), '--report-url', url, '0x20000', join(dir, 'app.bin')], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /4 of 4 devices passed/);
    for (const chip of ['esp32', 'bk7231n', 'esp32c3', 'sf32lb52']) assert.match(r.stderr, new RegExp(`PASS  sim:${chip}\\?`), `${chip} reported done as it finished`);
    const recorded = readFileSync(join(dir, 'st.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DeviceRecord);
    assert.deepEqual(recorded.map((x) => x.chip).sort(), ['bk7231n', 'esp32', 'esp32c3', 'sf32lb52']);
    assert.equal(recorded.find((x) => x.chip === 'esp32c3')!.recoveries, 1);
    assert.equal(requests, 5, 'four records, one of them posted twice');
    assert.deepEqual(received.map((x) => x.port).sort(), recorded.map((x) => x.port).sort());
  } finally {
    server.close();
  }
});
