import assert from 'node:assert/strict';
import { it } from 'node:test';
import { writeRegions } from '../../src/engine/write.js';
import type { FlashDevice } from '../../src/families/types.js';
import { connect, pattern, rig } from './helpers.js';

it('a write that damages the bytes kept after the image in its last sector is caught by the verify and put right', async () => {
  const r = await rig('bk7231n');
  const old = pattern(0x2000, 51);
  r.sim.flash.data.set(old, 0x11000);
  const dev = await connect(r);
  // Beken frames carry no checksum: the first write reaches the chip with one kept byte flipped.
  let damaged = false;
  const line = new Proxy(dev, {
    get(target, key) {
      if (key === 'writeFlash') {
        return (address: number, data: Uint8Array, options?: object) => {
          const at = 0x12900 - address;
          if (damaged || at < 0 || at >= data.length) return target.writeFlash(address, data, options);
          damaged = true;
          const bad = data.slice();
          bad[at]! ^= 0x40;
          return target.writeFlash(address, bad, options);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as FlashDevice;
  const image = pattern(0x1800, 52);
  const summary = await writeRegions(line, [{ address: 0x11000, data: image, name: 'app.bin' }]);
  assert.ok(damaged);
  assert.ok(summary.regions[0]!.verified);
  assert.deepEqual(r.sim.flash.data.subarray(0x11000, 0x12800), image);
  assert.deepEqual(r.sim.flash.data.subarray(0x12800, 0x13000), old.subarray(0x1800), 'the bytes after the image are as before');
});
