import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AnyflashEvent } from '../../src/core/events.js';
import { isAnyflashError, type AnyflashError } from '../../src/core/errors.js';
import { createTransport, openTransport } from '../../src/transport/open.js';
import { readExactly } from './helpers.js';

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<AnyflashError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(isAnyflashError(e), `expected an AnyflashError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected rejection with ${code}`);
}

/** A bridge stand-in: records what arrives and lets the test talk back on the latest connection. */
class Bridge {
  readonly server: Server;
  received: number[] = [];
  socket: Socket | null = null;
  port = 0;
  private connected: (() => void) | null = null;

  constructor() {
    this.server = createServer((socket) => {
      this.socket = socket;
      socket.on('data', (d) => this.received.push(...d));
      socket.on('error', () => {});
      this.connected?.();
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as { port: number }).port;
  }

  waitConnection(): Promise<void> {
    return this.socket ? Promise.resolve() : new Promise((r) => (this.connected = r));
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe('raw TCP transport', () => {
  let bridge: Bridge;
  before(async () => {
    bridge = new Bridge();
    await bridge.listen();
  });
  after(() => bridge.close());

  it('carries raw bytes both ways (0xFF is not escaped)', async () => {
    const t = await openTransport(`tcp://127.0.0.1:${bridge.port}`);
    try {
      assert.equal(t.kind, 'tcp');
      await bridge.waitConnection();
      bridge.received = [];
      await t.write(Uint8Array.of(0xc0, 0xff, 0x00, 0xff));
      const deadline = performance.now() + 2000;
      while (bridge.received.length < 4 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(bridge.received, [0xc0, 0xff, 0x00, 0xff]);
      bridge.socket!.write(Uint8Array.of(0xff, 0xfb, 0x2c));
      assert.deepEqual(await readExactly(t, 3), Uint8Array.of(0xff, 0xfb, 0x2c));
    } finally {
      await t.close();
      bridge.socket = null;
    }
  });

  it('socket:// is an alias; DTR/RTS and baud are no-ops with one note each', async () => {
    const events: AnyflashEvent[] = [];
    const t = await openTransport(`socket://127.0.0.1:${bridge.port}`, { events: (e) => events.push(e), baud: 115200 });
    try {
      assert.equal(t.kind, 'tcp');
      assert.equal(t.canSignal, false);
      assert.equal(t.canSetBaud, false);
      await t.setSignals({ dtr: false, rts: true });
      await t.setSignals({ dtr: true, rts: false });
      await t.setBaud(921600);
      await t.setBaud(460800);
      assert.equal(t.baud, 460800);
      const notes = events.flatMap((e) => (e.type === 'note' ? [e.message] : []));
      assert.equal(notes.length, 2);
      assert.match(notes[0]!, /DTR\/RTS cannot be sent/);
      assert.match(notes[1]!, /baud rate cannot be changed/);
    } finally {
      await t.close();
      bridge.socket = null;
    }
  });

  it('a server that closes the connection makes pending reads and writes fail with port-vanished', async () => {
    const t = await openTransport(`tcp://127.0.0.1:${bridge.port}`);
    try {
      await bridge.waitConnection();
      // A session that carried data: its end is a lost link (a close before any byte is a refusal, port-busy).
      bridge.socket!.write(Uint8Array.of(0x55));
      assert.deepEqual(await t.read({ deadline: performance.now() + 2000 }), Uint8Array.of(0x55));
      const pending = rejectsWith(t.read({ deadline: performance.now() + 5000 }), 'port-vanished');
      bridge.socket!.destroy();
      await pending;
      await rejectsWith(t.write(Uint8Array.of(1)), 'port-vanished');
    } finally {
      await t.close();
      bridge.socket = null;
    }
  });
});

describe('opening TCP-style URLs', () => {
  it('nothing listening is port-not-found', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const error = await rejectsWith(openTransport(`tcp://127.0.0.1:${port}`), 'port-not-found');
    assert.match(error.advice.join(' '), /Start the server/);
    await rejectsWith(openTransport(`rfc2217://127.0.0.1:${port}`), 'port-not-found');
  });

  it('malformed addresses and unknown schemes are bad-input', () => {
    for (const url of ['tcp://localhost', 'rfc2217://:4000', 'tcp://host:70000', 'rfc2217://h:1/path', 'ftp://h:1', 'sim:esp32']) {
      assert.throws(() => createTransport(url), (e) => isAnyflashError(e, 'bad-input'), url);
    }
    assert.throws(() => createTransport('  '), (e) => isAnyflashError(e, 'no-port'));
  });

  it('serial paths and IPv6 hosts are recognised', () => {
    assert.equal(createTransport('COM3').kind, 'serial');
    assert.equal(createTransport('/dev/ttyUSB0').kind, 'serial');
    const t = createTransport('rfc2217://[::1]:4000');
    assert.equal(t.kind, 'rfc2217');
    assert.deepEqual((t as unknown as { endpoint: unknown }).endpoint, { host: '::1', port: 4000 });
  });
});
