import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sha256 } from '../../src/formats/sha256.js';
import { toHex } from '../../src/core/bytes.js';

test('sha256 matches node:crypto across block-boundary lengths', () => {
  for (const len of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70000]) {
    const data = new Uint8Array(len).map((_, i) => (i * 31 + len) & 0xff);
    assert.equal(toHex(sha256(data)), createHash('sha256').update(data).digest('hex'), `length ${len}`);
  }
});
