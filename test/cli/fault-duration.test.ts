import { it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFault } from '../../src/sim/faults.js';
import { runCli } from './harness.js';

it('fault durations take 2s, 500ms and plain seconds, as triggers take 3s', () => {
  assert.deepEqual(parseFault('vanish=58%:2s'), { kind: 'vanish', at: { percent: 58 }, seconds: 2 });
  assert.deepEqual(parseFault('stall=0x4f000:500ms'), { kind: 'stall', at: { address: 0x4f000 }, seconds: 0.5 });
  assert.deepEqual(parseFault('stall=3s:1.5'), { kind: 'stall', at: { ms: 3000 }, seconds: 1.5 });
});

it('a fault the simulator cannot take is refused with what exactly is wrong', async () => {
  const ok = await runCli(['info', '--port', 'sim:esp32?fault=vanish=58%25:2s', '--no-wait']);
  assert.equal(ok.code, 0, ok.stderr);
  const cases: Array<[string, RegExp]> = [
    ['vanish=58%25:2x', /"2x" is not a duration \(2s, 500ms, or 2 for seconds\)/],
    ['vanish=58%25', /needs a duration after the trigger, e\.g\. :2s/],
    ['stall=1s:2s:3s', /one colon/],
  ];
  for (const [fault, why] of cases) {
    const r = await runCli(['info', '--port', `sim:esp32?fault=${fault}`, '--no-wait']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error \[bad-input\]/);
    assert.match(r.stderr, why, r.stderr);
  }
});
