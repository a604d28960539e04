import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isAnyflashError, type AnyflashError } from '../../src/core/errors.js';
import type { AnyflashEvent } from '../../src/core/events.js';
import { DO, OPT_COM_PORT, TelnetParser, WILL, negotiation, subnegotiation } from '../../src/transport/telnet.js';
import { serveSim, type SimServer } from '../../src/sim/server.js';
import { SimLink } from '../../src/sim/link.js';
import { openTransport } from '../../src/transport/open.js';
import type { Transport } from '../../src/transport/types.js';
import { EchoDevice, readExactly } from './helpers.js';

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

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) assert.fail('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('RFC 2217 client against the simulator server', () => {
  let device: EchoDevice;
  let link: SimLink;
  let server: SimServer;
  let client: Transport | null;

  beforeEach(async () => {
    device = new EchoDevice();
    link = new SimLink(device);
    server = await serveSim({ device, link, tcp: { port: 0 }, rfc2217: { port: 0 }, control: { port: 0 } });
    client = null;
  });
  afterEach(async () => {
    await client?.close();
    await server.close();
  });

  it('reports the real ports it bound', () => {
    for (const url of Object.values(server.urls)) assert.match(url, /^(tcp|rfc2217):\/\/127\.0\.0\.1:[1-9]\d*$/);
    assert.ok(server.urls.tcp && server.urls.rfc2217 && server.urls.control);
  });

  it('opening sets the line rate and asserts DTR and RTS, like opening an OS port', async () => {
    client = await openTransport(server.urls.rfc2217!, { baud: 115200 });
    assert.equal(client.kind, 'rfc2217');
    assert.equal(link.hostBaud, 115200);
    assert.deepEqual(device.lineLog.at(-1), { dtr: true, rts: true });
  });

  it('carries baud changes to link.hostBaud and DTR/RTS to the device, in order', async () => {
    client = await openTransport(server.urls.rfc2217!);
    device.lineLog = [];
    // esptool's classic reset: IO0 high + EN low, then IO0 low + EN high, then release.
    await client.setSignals({ dtr: false });
    await client.setSignals({ rts: true });
    await client.setSignals({ dtr: true, rts: false });
    await client.setSignals({ dtr: false });
    assert.deepEqual(device.lineLog, [
      { dtr: false, rts: true },
      { dtr: false, rts: true },
      { dtr: true, rts: true },
      { dtr: true, rts: false },
      { dtr: false, rts: false },
    ]);
    await client.setBaud(921600);
    assert.equal(client.baud, 921600);
    assert.equal(link.hostBaud, 921600);
  });

  it('IAC (0xFF) bytes survive in both directions, unescaped at each end', async () => {
    client = await openTransport(server.urls.rfc2217!);
    const data = Uint8Array.of(0xff, 0x00, 0xff, 0xff, 0xfa, 0xf0, ...Array.from({ length: 256 }, (_, i) => i));
    await client.write(data);
    assert.deepEqual(await readExactly(client, data.length), data);
    assert.deepEqual(device.received, [...data]);
    device.say(Uint8Array.of(0xff, 0xff, 0xfd, 0x2c));
    assert.deepEqual(await readExactly(client, 4), Uint8Array.of(0xff, 0xff, 0xfd, 0x2c));
  });

  it('a device at another baud than the host sends garbage, as on a real line', async () => {
    client = await openTransport(server.urls.rfc2217!);
    await client.setBaud(460800);
    const data = new TextEncoder().encode('hello');
    await client.write(data);
    const got = await readExactly(client, data.length);
    assert.equal(got.length, data.length);
    assert.notDeepEqual(got, data);
  });

  it('flushInput drops what the device sent before it', async () => {
    client = await openTransport(server.urls.rfc2217!);
    device.say(new TextEncoder().encode('boot noise'));
    await until(() => link.counters.toHost >= 10);
    await new Promise((r) => setTimeout(r, 20));
    await client.flushInput();
    device.say(Uint8Array.of(0x55));
    assert.deepEqual(await readExactly(client, 1, 500), Uint8Array.of(0x55));
    assert.equal((await client.read({ deadline: performance.now() + 50 })).length, 0);
  });

  it('serves one client at a time: a second RFC 2217 client is refused with port-busy', async () => {
    client = await openTransport(server.urls.rfc2217!);
    const error = await rejectsWith(openTransport(server.urls.rfc2217!, { replyTimeoutMs: 1000 }), 'port-busy');
    assert.match(error.advice.join(' '), /one client at a time/);
    // The first client is unaffected.
    await client.write(Uint8Array.of(7));
    assert.deepEqual(await readExactly(client, 1), Uint8Array.of(7));
  });

  it('after the client leaves, its lines drop and a new client is served', async () => {
    client = await openTransport(server.urls.rfc2217!);
    await client.close();
    await until(() => device.lineLog.at(-1)?.dtr === false && device.lineLog.at(-1)?.rts === false);
    client = await openTransport(server.urls.rfc2217!);
    await client.write(Uint8Array.of(9));
    assert.deepEqual(await readExactly(client, 1), Uint8Array.of(9));
  });

  it('closing the server makes the client fail with port-vanished, and disposes the device', async () => {
    client = await openTransport(server.urls.rfc2217!);
    const pending = rejectsWith(client.read({ deadline: performance.now() + 5000 }), 'port-vanished');
    await server.close();
    await pending;
    assert.equal(device.disposed, true);
  });
});

describe('raw TCP server for the simulator', () => {
  it('passes bytes unchanged, has no line rate, and refuses a second client', async () => {
    const device = new EchoDevice();
    const link = new SimLink(device);
    const server = await serveSim({ device, link, tcp: { port: 0 } });
    const first = await openTransport(server.urls.tcp!);
    try {
      await first.write(Uint8Array.of(0xff, 1, 0xff));
      assert.deepEqual(await readExactly(first, 3), Uint8Array.of(0xff, 1, 0xff));
      assert.equal(link.hostBaud, null);
      assert.deepEqual(device.lineLog, []);
      const second = await openTransport(server.urls.tcp!);
      await rejectsWith(second.read({ deadline: performance.now() + 2000 }), 'port-busy');
      await second.close();
      await first.write(Uint8Array.of(2));
      assert.deepEqual(await readExactly(first, 1), Uint8Array.of(2));
    } finally {
      await first.close();
      await server.close();
    }
  });
});

describe('control channel', () => {
  it('answers each line with the device’s answer', async () => {
    const device = new EchoDevice();
    const link = new SimLink(device);
    const server = await serveSim({ device, link, control: { port: 0 } });
    const { port } = new URL(server.urls.control!);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    try {
      socket.setEncoding('utf8');
      let text = '';
      socket.on('data', (d: string) => (text += d));
      socket.write('status\r\n\nbogus\n');
      await until(() => text.split('\n').length >= 3);
      assert.deepEqual(text.split('\n'), ['lines null', 'unknown command: bogus', '']);
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  it('a taken listen port is port-busy', async () => {
    const device = new EchoDevice();
    const first = await serveSim({ device, link: new SimLink(device), rfc2217: { port: 0 } });
    const { port } = new URL(first.urls.rfc2217!);
    try {
      const other = new EchoDevice();
      await rejectsWith(serveSim({ device: other, link: new SimLink(other), rfc2217: { port: Number(port) } }), 'port-busy');
    } finally {
      await first.close();
    }
  });
});

describe('RFC 2217 client against servers that are not RFC 2217', () => {
  async function withServer(onConnection: (s: Socket) => void, body: (url: string) => Promise<void>): Promise<void> {
    const server = createServer(onConnection);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const sockets: Socket[] = [];
    server.on('connection', (s) => sockets.push(s));
    try {
      await body(`rfc2217://127.0.0.1:${(server.address() as { port: number }).port}`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  it('a raw TCP bridge (silent) fails within the reply bound, advising tcp://', async () => {
    await withServer(() => {}, async (url) => {
      const t0 = performance.now();
      const error = await rejectsWith(openTransport(url, { replyTimeoutMs: 300 }), 'port-error');
      assert.ok(performance.now() - t0 < 2000);
      assert.match(error.advice.join(' '), /tcp:\/\//);
    });
  });

  it('a Telnet server that refuses COM-PORT-OPTION is unsupported', async () => {
    await withServer((s) => {
      s.on('data', (d) => {
        for (let i = 0; i + 2 < d.length; i++) {
          if (d[i] === 0xff && d[i + 1] === 0xfb && d[i + 2] === 44) s.write(Uint8Array.of(0xff, 0xfe, 44));
        }
      });
    }, async (url) => {
      await rejectsWith(openTransport(url, { replyTimeoutMs: 1000 }), 'unsupported');
    });
  });
});

describe('RFC 2217 client: DTR and RTS in one call', () => {
  it('sends both SET-CONTROL edges before waiting for either answer', async () => {
    // A server that answers a DTR/RTS change only once it holds two of them: a client that waited
    // for each answer in turn would never get one.
    const seenControls: number[][] = [];
    const server = createServer((socket) => {
      let held: number[] = [];
      const parser = new TelnetParser({
        data: () => {},
        negotiate: (verb, option) => {
          if (verb === WILL && option === OPT_COM_PORT) socket.write(negotiation(DO, OPT_COM_PORT));
        },
        subnegotiation: (p) => {
          const [, code, value] = p;
          if (code === 5 && value! >= 8) {
            held.push(value!);
            if (held.length < 2) return;
            seenControls.push(held);
            for (const v of held) socket.write(subnegotiation(Uint8Array.of(OPT_COM_PORT, 105, v)));
            held = [];
            return;
          }
          socket.write(subnegotiation(Uint8Array.of(OPT_COM_PORT, code! + 100, ...p.subarray(2))));
        },
      });
      socket.on('data', (d) => parser.feed(d));
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const events: AnyflashEvent[] = [];
    const url = `rfc2217://127.0.0.1:${(server.address() as { port: number }).port}`;
    const client = await openTransport(url, { replyTimeoutMs: 500, events: (e) => events.push(e) });
    try {
      await client.setSignals({ dtr: true, rts: false });
      assert.deepEqual(seenControls, [[8, 11], [8, 12]]);
      assert.deepEqual(events, []);
    } finally {
      await client.close();
      server.close();
    }
  });
});

describe('ESP reset helper (esp_rfc2217_server behaviour)', () => {
  it('plays the download reset locally when DTR goes on, ignoring the client’s slow trailing edges', async () => {
    const device = new EchoDevice();
    const link = new SimLink(device);
    const server = await serveSim({ device, link, rfc2217: { port: 0 }, espResetHelper: true });
    const client = await openTransport(server.urls.rfc2217!);
    try {
      // Opening sent DTR on, which already plays one reset; let it finish, then start clean.
      await new Promise((r) => setTimeout(r, 250));
      await client.setSignals({ dtr: false });
      device.lineLog = [];
      // A Classic reset from a client whose edges arrive 60 ms apart (pyserial's ack polling).
      await client.setSignals({ rts: true });
      await new Promise((r) => setTimeout(r, 60));
      await client.setSignals({ dtr: true });
      await new Promise((r) => setTimeout(r, 60));
      await client.setSignals({ rts: false });
      await until(() => device.lineLog.length >= 5, 1000);
      assert.deepEqual(device.lineLog, [
        { dtr: false, rts: false },
        { dtr: true, rts: true },
        { dtr: false, rts: true },
        { dtr: true, rts: false },
        { dtr: false, rts: false },
      ]);
      // RTS falling outside a download reset is a hard reset (esptool: RTS=1, RTS=0): an EN pulse with IO0 high.
      device.lineLog = [];
      await client.setSignals({ dtr: false });
      await client.setSignals({ rts: true });
      await client.setSignals({ rts: false });
      await until(() => device.lineLog.length >= 3, 1000);
      assert.deepEqual(device.lineLog, [
        { dtr: false, rts: false },
        { dtr: false, rts: true },
        { dtr: false, rts: false },
      ]);
      // Re-sent unchanged lines are not edges: a client setting both lines at the end of its own
      // reset sequence must not reset the chip out of download mode again.
      await new Promise((r) => setTimeout(r, 150));
      device.lineLog = [];
      await client.setSignals({ dtr: false, rts: false });
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(device.lineLog, []);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
