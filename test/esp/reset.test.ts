import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResetSequence, formatResetSequence, classicReset, customReset, unixTightReset, usbJtagSerialReset, defaultStrategies, runReset } from '../../src/families/esp/reset.js';
import { isAnyflashError } from '../../src/core/errors.js';
import { strategiesFor } from '../../src/families/esp/connect.js';
import type { ModemSignals, Transport } from '../../src/transport/types.js';

test('custom sequence parses D/R/W and U (both lines) steps', () => {
  assert.deepEqual(parseResetSequence('D0|R1|W0.1|D1|R0|W0.05|D0'), [
    { kind: 'dtr', value: false },
    { kind: 'rts', value: true },
    { kind: 'wait', ms: 100 },
    { kind: 'dtr', value: true },
    { kind: 'rts', value: false },
    { kind: 'wait', ms: 50 },
    { kind: 'dtr', value: false },
  ]);
  assert.deepEqual(parseResetSequence('U0,1'), [{ kind: 'both', dtr: false, rts: true }]);
  assert.equal(formatResetSequence(parseResetSequence('U1,1|U0,1|W0.1|U1,0|W0.05|U0,0')), 'U1,1|U0,1|W0.1|U1,0|W0.05|U0,0');
});

test('bad sequences are input errors naming the step', () => {
  for (const bad of ['X1', 'D2', 'W', 'Wabc', 'U1', '']) {
    assert.throws(() => parseResetSequence(bad), (e: unknown) => isAnyflashError(e, 'bad-input'), bad);
  }
  assert.throws(() => parseResetSequence('D0|Q1'), /Q1/);
});

test('built-in strategies match the esptool sequences', () => {
  assert.equal(formatResetSequence(classicReset(50).steps), 'D0|R1|W0.1|D1|R0|W0.05|D0');
  assert.equal(formatResetSequence(classicReset(550).steps), 'D0|R1|W0.1|D1|R0|W0.55|D0');
  assert.equal(formatResetSequence(unixTightReset(50).steps), 'U0,0|U1,1|U0,1|W0.1|U1,0|W0.05|U0,0|D0');
  assert.equal(formatResetSequence(usbJtagSerialReset().steps), 'R0|D0|W0.1|D1|R0|W0.1|R1|D0|R1|W0.1|D0|R0');
});

function fakeTransport(facts: Transport['facts'], kind: Transport['kind'] = 'serial'): Transport & { log: ModemSignals[] } {
  const log: ModemSignals[] = [];
  return { kind, facts, log, setSignals: async (s: ModemSignals) => void log.push(s) } as unknown as Transport & { log: ModemSignals[] };
}

test('USB-Serial/JTAG (303a:1001) gets only its own reset; UART ports cycle four strategies', () => {
  assert.deepEqual(defaultStrategies(fakeTransport({ vid: 0x303a, pid: 0x1001 })).map((s) => s.name), ['usb-jtag-serial']);
  assert.deepEqual(defaultStrategies(fakeTransport({ vid: 0x10c4, pid: 0xea60 })).map((s) => s.name), [
    'unix-tight(50ms)', 'unix-tight(550ms)', 'classic(50ms)', 'classic(550ms)',
  ]);
  assert.deepEqual(defaultStrategies(fakeTransport({}, 'rfc2217')).map((s) => s.name), ['classic(50ms)', 'classic(550ms)']);
});

test('runReset: DevKit strategies send adjacent changes together; USB-JTAG keeps its (1,1) transient', async () => {
  const t = fakeTransport({});
  await runReset(t, classicReset(10));
  assert.deepEqual(t.log, [{ dtr: false, rts: true }, { dtr: true, rts: false }, { dtr: false, rts: false }]);
  const u = fakeTransport({});
  await runReset(u, usbJtagSerialReset());
  assert.deepEqual(u.log.slice(3, 6), [{ dtr: true, rts: false }, { dtr: true, rts: true }, { dtr: false, rts: true }]);
});

test('runReset: custom sequences play step by step, RTS carrying the current DTR (usbser.sys)', async () => {
  const t = fakeTransport({});
  await runReset(t, customReset('D1|R1|U0,0|R1'));
  assert.deepEqual(t.log, [{ dtr: true }, { dtr: true, rts: true }, { dtr: false, rts: false }, { dtr: false, rts: true }]);
});

test('`before` names map to strategies; v4 underscore names and custom sequences are accepted', () => {
  const t = fakeTransport({});
  assert.deepEqual(strategiesFor('no_reset', t).map((s) => s.steps.length), [0]);
  assert.deepEqual(strategiesFor('usb-reset', t).map((s) => s.name), ['usb-jtag-serial']);
  assert.deepEqual(strategiesFor('classic-reset', t).map((s) => s.name), ['classic(50ms)', 'classic(550ms)']);
  const custom = strategiesFor('D0|R1|W0.1|D1|R0|W0.05|D0', t);
  assert.equal(custom.length, 1);
  assert.equal(formatResetSequence(custom[0]!.steps), 'D0|R1|W0.1|D1|R0|W0.05|D0');
  assert.throws(() => strategiesFor('reset-please', t), (e: unknown) => isAnyflashError(e, 'bad-input'));
});
