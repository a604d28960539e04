import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AnyflashEvent } from '../../src/core/events.js';
import { isAnyflashError } from '../../src/core/errors.js';
import { mapSerialOpenError, NodeSerialTransport } from '../../src/transport/node-serial.js';
import { openTransport } from '../../src/transport/open.js';
import { ptyPair, readExactly, stopChild, type PtyPair } from './helpers.js';

const haveSocat = spawnSync('socat', ['-V']).status === 0;
const skip = haveSocat ? false : 'socat is not installed (apt-get install socat)';

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<import('../../src/core/errors.js').AnyflashError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(isAnyflashError(e), `expected an AnyflashError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected rejection with ${code}`);
}

/** Another process (a second flasher, say) opens the port exclusively, as our transport does. */
function holdPort(path: string): Promise<ChildProcess> {
  const script = `require('@serialport/bindings-cpp').autoDetect().open({ path: ${JSON.stringify(path)}, baudRate: 115200, lock: true })
    .then(() => { console.log('locked'); setInterval(() => {}, 1000); }, (e) => { console.error(e.message); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`port holder exited with ${code}`)));
  });
}

describe('node serial transport over a pseudo-terminal pair', { skip }, () => {
  let pair: PtyPair;
  before(async () => {
    pair = await ptyPair();
  });
  after(async () => {
    await pair.stop();
  });

  it('moves bytes both ways, including every byte value', async () => {
    const a = await openTransport(pair.a);
    const b = await openTransport(pair.b);
    try {
      assert.equal(a.kind, 'serial');
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await a.write(all);
      assert.deepEqual(await readExactly(b, 256), all);
      await b.write(new TextEncoder().encode('OK\r\n'));
      assert.equal(new TextDecoder().decode(await readExactly(a, 4)), 'OK\r\n');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('returns an empty read at the deadline and drops unread bytes on flushInput', async () => {
    const a = new NodeSerialTransport(pair.a);
    const b = new NodeSerialTransport(pair.b);
    await a.open();
    await b.open();
    try {
      const t0 = performance.now();
      assert.equal((await a.read({ deadline: t0 + 50 })).length, 0);
      assert.ok(performance.now() - t0 >= 45);
      await b.write(Uint8Array.of(1, 2, 3));
      await new Promise((r) => setTimeout(r, 100));
      await a.flushInput();
      await b.write(Uint8Array.of(9));
      assert.deepEqual(await readExactly(a, 1), Uint8Array.of(9));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('changes the OS line rate on setBaud', async () => {
    const a = new NodeSerialTransport(pair.a, { baud: 115200 });
    await a.open();
    try {
      assert.equal(execFileSync('stty', ['-F', pair.a, 'speed']).toString().trim(), '115200');
      await a.setBaud(921600);
      assert.equal(a.baud, 921600);
      assert.equal(execFileSync('stty', ['-F', pair.a, 'speed']).toString().trim(), '921600');
    } finally {
      await a.close();
    }
  });

  it('notes once that a pty has no modem lines, and keeps working', async () => {
    const events: AnyflashEvent[] = [];
    const a = await openTransport(pair.a, { events: (e) => events.push(e) });
    const b = await openTransport(pair.b);
    try {
      assert.equal(a.canSignal, true);
      await a.setSignals({ dtr: false, rts: true });
      await a.setSignals({ dtr: true, rts: false });
      assert.equal(a.canSignal, false);
      const notes = events.filter((e) => e.type === 'note');
      assert.equal(notes.length, 1);
      assert.match(notes[0]!.type === 'note' ? notes[0]!.message : '', /Modem lines are not available.*reset by hand/);
      await a.write(Uint8Array.of(0x42));
      assert.deepEqual(await readExactly(b, 1), Uint8Array.of(0x42));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses a port another process holds exclusively (port-busy)', async () => {
    const holder = await holdPort(pair.a);
    try {
      const error = await rejectsWith(openTransport(pair.a), 'port-busy');
      assert.match(error.advice.join(' '), /Close the program/);
    } finally {
      await stopChild(holder);
    }
    // Once released, the port opens again.
    const a = await openTransport(pair.a);
    await a.close();
  });

  it('also refuses a second open from this process', async () => {
    const a = await openTransport(pair.a);
    try {
      await rejectsWith(openTransport(pair.a), 'port-busy');
    } finally {
      await a.close();
    }
  });
});

describe('node serial transport: a port that disappears', { skip }, () => {
  it('rejects pending and later reads and writes with port-vanished', async () => {
    const pair = await ptyPair();
    const a = await openTransport(pair.a);
    try {
      const pending = rejectsWith(a.read({ deadline: performance.now() + 5000 }), 'port-vanished');
      await pair.stop();
      const error = await pending;
      assert.match(error.advice.join(' '), /USB cable/);
      await rejectsWith(a.read({ deadline: performance.now() + 100 }), 'port-vanished');
      await rejectsWith(a.write(Uint8Array.of(1)), 'port-vanished');
    } finally {
      await a.close();
    }
  });
});

describe('node serial transport: paths that are not ports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-serial-'));

  it('a missing path is port-not-found', async () => {
    await rejectsWith(openTransport(join(dir, 'ttyUSB9')), 'port-not-found');
  });

  it('a directory is port-not-tty, an input error', async () => {
    const error = await rejectsWith(openTransport(dir), 'port-not-tty');
    assert.equal(error.isInputError, true);
  });

  it('a regular file is port-not-tty', async () => {
    const file = join(dir, 'firmware.bin');
    writeFileSync(file, 'x');
    await rejectsWith(openTransport(file), 'port-not-tty');
  });

  it('a character device that is not a terminal is port-not-tty', async () => {
    await rejectsWith(openTransport('/dev/null'), 'port-not-tty');
  });
});

describe('mapping of OS open errors', () => {
  it('permission denied on Linux advises the dialout group and a udev rule', () => {
    const e = mapSerialOpenError(new Error('Error: Permission denied, cannot open /dev/ttyUSB0'), '/dev/ttyUSB0', 'linux');
    assert.equal(e.code, 'port-permission');
    const advice = e.advice.join('\n');
    assert.match(advice, /dialout/);
    assert.match(advice, /uucp/);
    assert.match(advice, /udev rule/);
    assert.deepEqual(e.evidence, ['Error: Permission denied, cannot open /dev/ttyUSB0']);
  });

  it('EACCES from stat is port-permission too', () => {
    const err = Object.assign(new Error('EACCES: permission denied, stat'), { code: 'EACCES' });
    assert.equal(mapSerialOpenError(err, '/dev/ttyACM0', 'linux').code, 'port-permission');
  });

  it('a lock failure is port-busy', () => {
    const e = mapSerialOpenError(new Error('Error Resource temporarily unavailable Cannot lock port'), '/dev/ttyUSB0', 'linux');
    assert.equal(e.code, 'port-busy');
    assert.match(e.advice.join(' '), /fuser -v \/dev\/ttyUSB0/);
  });

  it('macOS EBUSY is port-busy', () => {
    assert.equal(mapSerialOpenError(new Error('Error: Resource busy, cannot open /dev/cu.usbserial-1'), '/dev/cu.usbserial-1', 'darwin').code, 'port-busy');
  });

  it('on Windows, access denied means another program holds the port', () => {
    assert.equal(mapSerialOpenError(new Error('Opening COM3: Access denied'), 'COM3', 'win32').code, 'port-busy');
    assert.equal(mapSerialOpenError(new Error('Opening COM7: File not found'), 'COM7', 'win32').code, 'port-not-found');
  });

  it('ENOTTY is port-not-tty; anything unknown stays port-error with the OS text as evidence', () => {
    assert.equal(mapSerialOpenError(new Error('Error: Inappropriate ioctl for device setting custom baud rate of 115200'), '/dev/x', 'linux').code, 'port-not-tty');
    const other = mapSerialOpenError(new Error('Error: Something odd'), '/dev/x', 'linux');
    assert.equal(other.code, 'port-error');
    assert.deepEqual(other.evidence, ['Error: Something odd']);
  });
});
