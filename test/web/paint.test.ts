import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyflashEvent } from '../../src/core/events.js';
import { MapPainter } from '../../web/src/paint.js';

const region = { address: 0x10000, size: 0x10000, name: 'app.bin' };

function feed(events: AnyflashEvent[]): MapPainter {
  const p = new MapPainter();
  for (const e of events) p.onEvent(e);
  return p;
}

describe('flash map painting from engine events', () => {
  it('paints unchanged parts grey and the sent sectors green, in address order', () => {
    const p = feed([
      { type: 'plan', regions: [region] },
      { type: 'start', op: 'compare', region, total: region.size },
      { type: 'skip', op: 'write', region: { address: 0x10000, size: 0x8000, name: 'app.bin' }, reason: 'unchanged' },
      { type: 'start', op: 'write', region, total: 0x8000 },
      { type: 'progress', op: 'write', region, done: 0x4000, total: 0x8000 },
    ]);
    assert.deepEqual(p.marks(), [
      { address: 0x18000, size: 0x4000, state: 'written' },
      { address: 0x10000, size: 0x8000, state: 'unchanged' },
    ]);
  });

  it('after a recovery, bytes sent before the failure stay written rather than unchanged', () => {
    const p = feed([
      { type: 'plan', regions: [region] },
      { type: 'start', op: 'compare', region, total: region.size },
      { type: 'start', op: 'write', region, total: region.size },
      { type: 'progress', op: 'write', region, done: 0x9000, total: region.size },
      { type: 'recover', what: 'reboot', detail: 'brownout' },
      { type: 'start', op: 'compare', region, total: region.size },
      { type: 'skip', op: 'write', region: { address: 0x10000, size: 0x8000, name: 'app.bin' }, reason: 'unchanged' },
      { type: 'start', op: 'write', region, total: 0x8000 },
      { type: 'progress', op: 'write', region, done: 0x8000, total: 0x8000 },
    ]);
    assert.deepEqual(p.marks(), [{ address: 0x10000, size: 0x10000, state: 'written' }]);
  });
});
