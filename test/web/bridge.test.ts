import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { writeRegions } from '../../src/engine/write.js';
import { connectDevice } from '../../src/families/index.js';
import { BridgeTransport, type WebSocketLike } from '../../src/transport/bridge.js';
import { startUiServer, type UiServer } from '../../src/web-bridge/server.js';
import { listPorts } from '../../src/diagnose/ports.js';
import { serveTestSim } from '../cli/harness.js';

const createSocket = (url: string): WebSocketLike => new WebSocket(url) as unknown as WebSocketLike;

function pageRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-ui-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>anyflash</title>');
  return dir;
}

describe('anyflash ui bridge', () => {
  let server: UiServer;
  let ws: string;
  before(async () => {
    server = await startUiServer({ host: '127.0.0.1', port: 0, root: pageRoot() });
    ws = server.url.replace(/^http/, 'ws') + 'bridge';
  });
  after(() => server.close());

  it('flashes a simulated ESP32 through the bridge; the sim keeps its flash across connections', async () => {
    const data = new Uint8Array(0x3000).map((_, i) => (i * 7) & 0xff);
    for (const expectWritten of [data.length, 0]) {
      const transport = new BridgeTransport({ endpoint: ws, port: 'sim:esp32', createSocket });
      await transport.open();
      const device = await connectDevice({ transport, chip: 'esp32', baud: 460800, events: () => {} });
      assert.equal(transport.baud, 460800);
      const summary = await writeRegions(device, [{ address: 0x20000, data, name: 'app.bin' }]);
      assert.equal(summary.writtenBytes, expectWritten);
      await device.disconnect();
      await transport.close();
    }
  });

  it('bridges an RFC 2217 endpoint: the page flashes a chip served by `anyflash sim`', async () => {
    const sim = await serveTestSim({ chip: 'esp32c3', flashSize: 0x400000 });
    try {
      const transport = new BridgeTransport({ endpoint: ws, port: sim.rfc2217Url, createSocket });
      await transport.open();
      assert.equal(transport.canSignal, true);
      const device = await connectDevice({ transport, chip: 'esp32c3', events: () => {} });
      const data = new Uint8Array(0x2000).fill(0x5a);
      await writeRegions(device, [{ address: 0x40000, data, name: 'app.bin' }]);
      assert.deepEqual(sim.device.flash.read(0x40000, data.length), data);
      await device.disconnect();
      await transport.close();
    } finally {
      await sim.server.close();
    }
  });

  it('--port-filter hides and refuses the ports it does not match', async () => {
    const filtered = await startUiServer({ host: '127.0.0.1', port: 0, root: pageRoot(), portFilter: ['no-such-adapter'] });
    try {
      const body = (await (await fetch(filtered.url + 'api/ports')).json()) as { ports: unknown[] };
      assert.deepEqual(body.ports, []);
      const present = (await listPorts())[0];
      if (present) {
        const endpoint = filtered.url.replace(/^http/, 'ws') + 'bridge';
        const transport = new BridgeTransport({ endpoint, port: present.path, createSocket });
        await assert.rejects(transport.open(), (e: Error & { code?: string }) => e.code === 'port-not-found');
      }
    } finally {
      await filtered.close();
    }
  });

  it('reports an unknown serial port as port-not-found with advice', async () => {
    const transport = new BridgeTransport({ endpoint: ws, port: '/dev/ttyNOPE0', createSocket });
    await assert.rejects(transport.open(), (e: Error & { code?: string; advice?: string[] }) => e.code === 'port-not-found' && /Pick a port/.test(e.advice![0]!));
  });

  it('serves the port list and the page, and refuses a foreign Host (DNS rebinding)', async () => {
    const ports = (await (await fetch(server.url + 'api/ports')).json()) as { sims: string[] };
    assert.ok(ports.sims.includes('esp32'));
    assert.match(await (await fetch(server.url)).text(), /<title>anyflash/);
    const { request } = await import('node:http');
    const status = await new Promise<number>((ok) => {
      const u = new URL(server.url);
      request({ host: u.hostname, port: u.port, path: '/api/ports', headers: { host: 'evil.example:80' } }, (res) => ok(res.statusCode ?? 0)).end();
    });
    assert.equal(status, 403);
  });

  it('a non-loopback listen needs --allow-remote, then a token on every request', async () => {
    await assert.rejects(startUiServer({ host: '0.0.0.0', port: 0, root: pageRoot() }), (e: Error & { code?: string }) => e.code === 'bad-input');
    const remote = await startUiServer({ host: '0.0.0.0', port: 0, root: pageRoot(), allowRemote: true });
    try {
      assert.ok(remote.token && remote.token.length >= 20);
      const base = remote.url.replace('0.0.0.0', '127.0.0.1').split('?')[0]!;
      assert.equal((await fetch(base + 'api/ports')).status, 403);
      assert.equal((await fetch(`${base}api/ports?token=${remote.token}`)).status, 200);
      const endpoint = base.replace(/^http/, 'ws') + 'bridge';
      await assert.rejects(new BridgeTransport({ endpoint, port: 'sim:esp32', createSocket, timeoutMs: 2000 }).open());
      const ok = new BridgeTransport({ endpoint, port: 'sim:esp32', createSocket, token: remote.token });
      await ok.open();
      await ok.close();
    } finally {
      await remote.close();
    }
  });
});
