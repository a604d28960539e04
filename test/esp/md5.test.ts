import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Md5, md5 } from '../../src/core/md5.js';
import { toHex } from '../../src/core/bytes.js';

test('MD5 test vectors of RFC 1321', () => {
  const v: Array<[string, string]> = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
  ];
  for (const [input, hex] of v) assert.equal(toHex(md5(new TextEncoder().encode(input))), hex);
});

test('MD5 matches node:crypto at block edges and incrementally', () => {
  for (const n of [55, 56, 63, 64, 65, 4096, 70001]) {
    const d = Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 0xff);
    const want = createHash('md5').update(d).digest('hex');
    assert.equal(toHex(md5(d)), want, `n=${n}`);
    const inc = new Md5();
    for (let i = 0; i < n; i += 1000) inc.update(d.subarray(i, i + 1000));
    assert.equal(toHex(inc.digest()), want, `incremental n=${n}`);
  }
});
