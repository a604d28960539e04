import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unzlibSync, Unzlib } from 'fflate';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import { deflateBlocks, deflateBound } from '../../src/families/esp/deflate-stream.js';

/** An image with compressible and incompressible stretches, like an app binary. */
function mixedImage(size: number): Uint8Array {
  const out = pseudoRandomBytes(size, 3);
  for (let off = 0; off < size; off += 0x3000) out.fill(off & 0xff, off, Math.min(size, off + 0x1800));
  return out;
}

for (const engine of ['node', 'fflate'] as const) {
for (const [name, image] of [
  ['mixed 300 KiB', mixedImage(300 * 1024 + 17)],
  ['random 70 KiB', pseudoRandomBytes(70 * 1024, 5)],
  ['one byte', new Uint8Array([0x42])],
] as const) {
  test(`deflateBlocks (${engine}): ${name} inflates back to the image, within the announced block count`, async () => {
    for (const block of [0x4000, 0x100]) {
    const blocks = [];
    for await (const b of deflateBlocks(image, block, { engine })) blocks.push(b);
    assert.ok(blocks.length <= Math.ceil(deflateBound(image.length, block) / block));
    assert.ok(blocks.slice(0, -1).every((b) => b.data.length === block));
    const stream = new Uint8Array(blocks.reduce((n, b) => n + b.data.length, 0));
    let at = 0;
    for (const b of blocks) {
      stream.set(b.data, at);
      at += b.data.length;
    }
    assert.deepEqual(unzlibSync(stream), image);
    }
  });

  test(`deflateBlocks (${engine}): ${name} — what each block prefix inflates to lies within its stated bounds`, async () => {
    let inflated = 0;
    const inflater = new Unzlib((chunk) => (inflated += chunk.length));
    let last = 0;
    for await (const b of deflateBlocks(image, 0x100, { engine })) {
      inflater.push(b.data);
      assert.ok(b.inflatedAtLeast <= inflated, `at least ${b.inflatedAtLeast} but inflated ${inflated}`);
      assert.ok(inflated <= b.inflatedAtMost, `at most ${b.inflatedAtMost} but inflated ${inflated}`);
      assert.ok(b.inflatedAtLeast >= last);
      last = b.inflatedAtLeast;
    }
    assert.equal(last, image.length);
  });
}
}
