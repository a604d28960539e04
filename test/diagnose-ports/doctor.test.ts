import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AnyflashError } from '../../src/core/errors.js';
import { runDoctor } from '../../src/diagnose/doctor.js';
import { openSimPort } from '../../src/sim/port.js';
import { SimClock } from '../../src/sim/clock.js';
import { SimDevice } from '../../src/sim/device.js';
import { SimFlash } from '../../src/sim/flash.js';
import { SimLink } from '../../src/sim/link.js';
import { SimTransport } from '../../src/sim/transport.js';

/** A board that is not powered: nothing ever comes back. */
class DeadBoard extends SimDevice {
  readonly family = 'none';
  readonly chip = 'none';
  receive(_bytes: Uint8Array): void {}
  control(): string {
    return 'dead';
  }
}

/** An adapter with TX wired to RX: every byte comes straight back, whatever the reset lines do. */
class LoopedAdapter extends DeadBoard {
  override receive(bytes: Uint8Array): void {
    this.send(bytes);
  }
}

/**
 * A chip whose reset is not wired and whose firmware runs a shell: it echoes printable keys,
 * drops control bytes, and answers a line with an error — it must not pass for a looped line.
 */
class EchoingShell extends DeadBoard {
  private line = '';
  override receive(bytes: Uint8Array): void {
    const printable = bytes.filter((b) => b >= 0x20 && b < 0x7f);
    if (printable.length) this.send(printable);
    this.line += String.fromCharCode(...printable);
    if (bytes.includes(0x0d)) {
      this.send(new TextEncoder().encode(`\r\n${this.line}: command not found\r\nmsh >`));
      this.line = '';
    }
  }
}

function simOn(device: SimDevice, url: string): () => Promise<SimTransport> {
  return async () => {
    const t = new SimTransport(new SimLink(device), url);
    await t.open();
    return t;
  };
}

const board = (D: new (c: SimClock, f: SimFlash) => SimDevice): SimDevice => new D(new SimClock(false), new SimFlash(0x1000));

// Each case waits on real timers (reset pulses, read deadlines); run them side by side.
describe('doctor end-to-end', { concurrency: true }, () => {
  test('doctor: an unpowered board → no-response; advice names BOOT/RESET and the TX/RX wiring', async () => {
    const t0 = performance.now();
    const r = await runDoctor({ url: 'sim:dead', open: simOn(board(DeadBoard), 'sim:dead'), listenMs: 100, connectAttempts: 1 });
    console.log(`silent doctor took ${Math.round(performance.now() - t0)} ms`);
    assert.equal(r.verdict.code, 'no-response');
    assert.ok(r.verdict.advice.some((a) => /hold BOOT/.test(a)));
    assert.ok(r.verdict.advice.some((a) => /TX to chip RX/.test(a)));
    assert.deepEqual(r.steps.map((s) => s.step).slice(0, 3), ['port', 'open', 'echo']);
  });

  test('doctor: TX looped to RX → echo-loopback before any handshake', async () => {
    const r = await runDoctor({ url: 'sim:loop', open: simOn(board(LoopedAdapter), 'sim:loop') });
    assert.equal(r.verdict.code, 'echo-loopback');
    assert.ok(r.verdict.advice.some((a) => /TX and RX must not be connected/.test(a)));
    assert.ok(!r.steps.some((s) => s.step === 'connect'), 'no handshake is tried on a looped line');
  });

  test('doctor: ESP-Prog channel A → jtag-channel without opening the port', async () => {
    let opened = false;
    const r = await runDoctor({
      url: '/dev/ttyUSB0',
      open: async () => {
        opened = true;
        throw new Error('should not open');
      },
      port: { path: '/dev/ttyUSB0', vid: 0x0403, pid: 0x6010, interfaceNumber: 0, siblings: ['/dev/ttyUSB1'] },
    });
    assert.equal(opened, false);
    assert.equal(r.verdict.code, 'jtag-channel');
    assert.equal(r.verdict.advice[0], 'Use /dev/ttyUSB1 instead: --port /dev/ttyUSB1');
  });

  test('doctor: an open failure is the verdict, with its advice', async () => {
    const r = await runDoctor({
      url: '/dev/ttyUSB0',
      open: async () => {
        throw new AnyflashError('port-busy', '/dev/ttyUSB0 is held open by minicom (pid 42).', { advice: ['Close minicom — e.g. the serial monitor in your IDE — then run again.'] });
      },
    });
    assert.equal(r.verdict.code, 'port-busy');
    assert.match(r.verdict.advice[0]!, /Close minicom/);
  });

  test('doctor: ESP32 running its firmware without auto-reset → wrong-boot-mode, advice names BOOT and RESET', async () => {
    const url = 'sim:esp32?boot=firmware&auto-reset=0';
    const t0 = performance.now();
    const r = await runDoctor({
      url,
      chip: 'esp',
      open: async () => {
        const { transport } = openSimPort(url);
        await transport.open();
        return transport;
      },
      listenMs: 150,
      connectAttempts: 1,
    });
    console.log(`esp firmware doctor took ${Math.round(performance.now() - t0)} ms`);
    assert.ok(['wrong-boot-mode', 'firmware-owns-uart'].includes(r.verdict.code), r.verdict.code);
    assert.ok(r.verdict.advice.some((a) => /BOOT/.test(a) && /RESET/.test(a)), r.verdict.advice.join('\n'));
  });

  test('doctor: ESP32 in download mode → ok, names the chip', async () => {
    const url = 'sim:esp32';
    const r = await runDoctor({
      url,
      open: async () => {
        const { transport } = openSimPort(url);
        await transport.open();
        return transport;
      },
    });
    assert.equal(r.verdict.code, 'ok', JSON.stringify(r.verdict));
    assert.equal(r.verdict.chip, 'esp32');
    assert.ok(r.trace!.lines().some((l) => / tx /.test(l)) && r.trace!.lines().some((l) => / rx /.test(l)), 'the trace has both directions');
  });

  /** Opens a simulator URL with a wire fault: `tx` drops host→chip bytes, `rx` drops chip→host bytes. */
  const simWithFault = (url: string, fault?: 'tx' | 'rx') => async () => {
    const p = openSimPort(url);
    if (fault === 'tx') p.link.faults.toDevice = () => new Uint8Array(0);
    if (fault === 'rx') p.link.faults.toHost = () => new Uint8Array(0);
    await p.transport.open();
    return p.transport;
  };

  test('doctor: adapter TX not reaching the chip → no-sync-reply, advice names the TX→RX wire', async () => {
    const r = await runDoctor({ url: 'sim:esp32', chip: 'esp', connectAttempts: 1, listenMs: 100, open: simWithFault('sim:esp32', 'tx') });
    assert.equal(r.verdict.code, 'no-sync-reply');
    assert.ok(r.verdict.advice.some((a) => /adapter TX to chip RX/.test(a)));
    assert.ok(r.verdict.evidence.some((e) => e.includes('waiting for download')));
  });

  test('doctor: chip TX not reaching the adapter → no-response, advice names the wiring', async () => {
    const r = await runDoctor({ url: 'sim:esp32', chip: 'esp', connectAttempts: 1, listenMs: 100, open: simWithFault('sim:esp32', 'rx') });
    assert.equal(r.verdict.code, 'no-response');
    assert.ok(r.verdict.advice.some((a) => /adapter RX to chip TX/.test(a)));
  });

  test('doctor: a SiFli 1 Mbaud console probed as ESP → baud-mismatch naming the baud', async () => {
    const url = 'sim:sf32lb52?boot=firmware';
    const r = await runDoctor({ url, chip: 'esp', connectAttempts: 1, listenMs: 600, open: simWithFault(url) });
    assert.equal(r.verdict.code, 'baud-mismatch');
    assert.match(r.verdict.summary, /only at 1000000 baud/);
    assert.ok(r.verdict.advice.some((a) => /console at 1000000 baud.*check --chip/.test(a)));
  });

  test('doctor: a firmware shell that echoes typed keys is not taken for a loopback', async () => {
    const r = await runDoctor({ url: 'sim:shell', families: [], open: simOn(board(EchoingShell), 'sim:shell'), listenMs: 100 });
    assert.equal(r.steps.find((s) => s.step === 'echo')?.ok, true);
    assert.notEqual(r.verdict.code, 'echo-loopback');
  });

  test('doctor: silence over a link without DTR/RTS says the reset must be done by hand', async () => {
    const r = await runDoctor({
      url: 'tcp://sim',
      families: [],
      listenMs: 50,
      open: async () => {
        const t = await simOn(board(DeadBoard), 'tcp://sim')();
        return Object.assign(Object.create(t) as SimTransport, { canSignal: false, kind: 'tcp' });
      },
    });
    assert.equal(r.verdict.code, 'no-response');
    assert.match(r.verdict.advice[0]!, /DTR\/RTS could not be set.*by hand/);
    assert.ok(r.verdict.evidence.includes('DTR/RTS: the tcp transport cannot drive DTR/RTS'));
  });
});
