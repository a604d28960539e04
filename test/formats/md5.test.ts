import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { md5 } from '../../src/core/md5.js';
import { toHex } from '../../src/core/bytes.js';

test('md5 matches node:crypto across block-boundary lengths', () => {
  for (const len of [0, 1, 55, 56, 63, 64, 65, 3072, 70001]) {
    const data = new Uint8Array(len).map((_, i) => (i * 7 + len) & 0xff);
    assert.equal(toHex(md5(data)), createHash('md5').update(data).digest('hex'), `length ${len}`);
  }
});
