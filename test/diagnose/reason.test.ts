import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reason, type Incident } from '../../src/diagnose/reason.js';

const noReply = (order: number) => ({ code: 'timeout' as const, weight: 0.55, text: 'No response received', order });

function incidents(...list: Array<[number, boolean]>): Incident[] {
  return list.map(([address, separated], order) => ({ address, separated, order, step: 'write' }));
}

test('failures at varying addresses after a good start point to power', () => {
  const r = reason({ evidence: [noReply(9)], incidents: incidents([0x16000, true], [0x2b000, true], [0x41000, true]), goodWorkBeforeFailure: 5, goodWork: 60 });
  assert.equal(r.causes[0]!.code, 'brownout-suspected');
  assert.match(r.causes[0]!.evidence[0]!, /0x16000, 0x2B000, 0x41000/);
  assert.ok(!r.causes.some((c) => c.code === 'flash-fault'));
});

test('the same address every time points to the flash; at the first sector, to protection', () => {
  const later = reason({ evidence: [noReply(9)], incidents: incidents([0x2b000, true], [0x2b000, true]), goodWorkBeforeFailure: 27 });
  assert.equal(later.causes[0]!.code, 'flash-fault');
  assert.ok(later.causes.some((c) => c.code === 'flash-protected'));
  assert.ok(!later.causes.some((c) => c.code === 'brownout-suspected'));
  const first = reason({ evidence: [noReply(9)], incidents: incidents([0x11000, true], [0x11000, true]), goodWorkBeforeFailure: 0 });
  assert.equal(first.causes[0]!.code, 'flash-protected');
});

test('retries of one sector with no work in between are one incident, not "the same address again"', () => {
  const r = reason({ evidence: [noReply(9)], incidents: incidents([0x16000, true], [0x16000, false], [0x16000, false], [0x16000, false]), goodWorkBeforeFailure: 5 });
  assert.ok(!r.causes.some((c) => c.code === 'flash-fault' && c.confidence > 0.5));
  assert.ok(r.causes.some((c) => c.code === 'brownout-suspected'));
});

test('a port that vanishes after work started also suspects the bridge supply', () => {
  const r = reason({ evidence: [{ code: 'port-vanished', weight: 0.9, text: 'A device which does not exist was specified', order: 3 }], goodWork: 4 });
  assert.equal(r.causes[0]!.code, 'port-vanished');
  assert.ok(r.causes.some((c) => c.code === 'brownout-suspected'));
  const atOpen = reason({ evidence: [{ code: 'port-vanished', weight: 0.9, text: 'A device which does not exist was specified', order: 3 }] });
  assert.deepEqual(atOpen.causes.map((c) => c.code), ['port-vanished']);
});

test('knocking without any reply: no response, and for short-window loaders the missed window', () => {
  const esp = reason({ evidence: [], connectAttempts: 40, connected: false });
  assert.deepEqual(esp.causes.map((c) => c.code), ['no-response']);
  const beken = reason({ evidence: [], connectAttempts: 40, connected: false, shortBootWindow: true });
  assert.deepEqual(beken.causes.map((c) => c.code), ['no-response', 'boot-window-missed']);
  assert.deepEqual(reason({ evidence: [], connectAttempts: 2, connected: true }).causes, []);
});

test('repeating a line does not raise confidence; independent lines do', () => {
  const at = (address: string, order: number) => ({ ...noReply(order), text: `Writing 4k failure @ ${address} (No response received)` });
  const once = reason({ evidence: [at('0x16000', 1)] }).causes[0]!.confidence;
  const repeated = reason({ evidence: [at('0x16000', 1), at('0x16000', 2), at('0x1c000', 3)] }).causes[0]!.confidence;
  assert.equal(repeated, once);
  const two = reason({ evidence: [noReply(1), { code: 'timeout', weight: 0.5, text: 'Timed out waiting for packet header', order: 2 }] }).causes[0]!.confidence;
  assert.ok(two > once);
});

test('close causes come with what tells them apart; a clear winner does not', () => {
  const close = reason({
    evidence: [
      { code: 'port-busy', weight: 0.6, text: 'Access is denied', order: 1 },
      { code: 'port-vanished', weight: 0.5, text: 'Access is denied', order: 1 },
    ],
  });
  assert.equal(close.distinguish?.length, 2);
  const clear = reason({ evidence: [{ code: 'port-busy', weight: 0.9, text: 'busy', order: 1 }, { code: 'port-error', weight: 0.3, text: 'x', order: 1 }] });
  assert.equal(clear.distinguish, undefined);
});

test('an address inferred from progress gives way to the one the tool states; stated addresses that differ are separate', () => {
  const inferredThenStated: Incident[] = [
    { address: 0xf000, separated: true, inferred: true, order: 1, step: 'write' },
    { address: 0x10000, separated: false, order: 2, step: 'write' },
  ];
  const one = reason({ evidence: [noReply(3)], incidents: inferredThenStated, goodWorkBeforeFailure: 16 });
  assert.match(one.causes.find((c) => c.code === 'brownout-suspected')!.evidence[0]!, /at 0x10000 after a good start/);
  const stated = reason({ evidence: [noReply(3)], incidents: incidents([0x16000, true], [0x1c000, false]), goodWorkBeforeFailure: 5 });
  assert.equal(stated.causes[0]!.code, 'brownout-suspected');
  assert.match(stated.causes[0]!.evidence[0]!, /varying addresses/);
});
