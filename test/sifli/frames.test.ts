import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../../src/core/bytes.js';
import { NoiseLog, lb56DebugAddress } from '../../src/families/sifli/debug-link.js';
import {
  FrameScanner,
  enterFrame,
  exitFrame,
  memReadFrame,
  memWriteFrame,
  memWriteWordsFrame,
  replyWords,
} from '../../src/families/sifli/frames.js';

const hex = (b: Uint8Array): string => toHex(b, ' ');

test('52/57 Enter and Exit frames are byte-exact', () => {
  assert.equal(hex(enterFrame('le')), '7e 79 08 00 10 00 41 54 53 46 33 32 05 21');
  assert.equal(hex(exitFrame('le')), '7e 79 08 00 10 00 41 54 53 46 33 32 18 21');
});

test('52/57 MEMRead and MEMWrite put little-endian integers after "@r"/"@w"', () => {
  assert.equal(hex(memReadFrame('le', 0xe000edfc, 1)), '7e 79 08 00 10 00 40 72 fc ed 00 e0 01 00');
  assert.equal(
    hex(memWriteWordsFrame('le', 0xe000edf0, [0xa05f0003])),
    '7e 79 0c 00 10 00 40 77 f0 ed 00 e0 01 00 03 00 5f a0',
  );
});

test('a 64 KiB MEMWrite wraps the u16 length to 8 while the word count says 16384, as sftool sends it', () => {
  const data = new Uint8Array(0x10000).fill(0xab);
  const f = memWriteFrame('le', 0x2005a000, data);
  assert.equal(f.length, 6 + 8 + 0x10000);
  assert.equal(hex(f.subarray(0, 14)), '7e 79 08 00 10 00 40 77 00 a0 05 20 00 40');
});

test('56 frames have the 12-byte header with big-endian length and big-endian payload integers', () => {
  assert.equal(hex(enterFrame('be')), '7e 79 00 08 00 00 00 00 10 00 00 00 41 54 53 46 33 32 05 21');
  assert.equal(hex(memReadFrame('be', 0x40040028, 1)), '7e 79 00 08 00 00 00 00 10 00 00 00 40 72 40 04 00 28 00 01');
  assert.equal(
    hex(memWriteWordsFrame('be', 0xe000edf0, [0xa05f0003])),
    '7e 79 00 0c 00 00 00 00 10 00 00 00 40 77 e0 00 ed f0 00 01 a0 5f 00 03',
  );
});

test('the scanner finds replies inside firmware log text and split across reads', () => {
  const noise: string[] = [];
  const s = new FrameScanner('le', (b) => noise.push(new TextDecoder().decode(b)));
  const reply = fromHex('7e79 0600 1000 d2 78563412 06');
  const stream = new Uint8Array([...new TextEncoder().encode('[00:01] <inf> tick\r\n'), ...reply, ...new TextEncoder().encode('more')]);
  const got = [...s.push(stream.subarray(0, 25)), ...s.push(stream.subarray(25))];
  assert.equal(got.length, 1);
  assert.equal(got[0]!.kind, 0xd2);
  assert.equal(got[0]!.endOk, true);
  assert.deepEqual(replyWords('le', got[0]!.data), [0x12345678]);
  assert.equal(noise.join(''), '[00:01] <inf> tick\r\nmore');
});

test('the scanner reports a reply without the trailing 0x06', () => {
  const s = new FrameScanner('le');
  const [r] = s.push(fromHex('7e79 0200 1000 d1 00'));
  assert.equal(r!.kind, 0xd1);
  assert.equal(r!.endOk, false);
});

test('ROM banners are counted once each, also when split across reads; console text is recognised', () => {
  const n = new NoiseLog();
  const enc = new TextEncoder();
  n.add(enc.encode('SFBL\r\n*** Booting Zephyr OS ***\r\nSF'));
  n.add(enc.encode('BL\r\n'));
  assert.equal(n.romBanners, 2);
  assert.equal(n.looksLikeText, true);
  assert.deepEqual(n.lastLines(2), ['*** Booting Zephyr OS ***', 'SFBL']);
  const g = new NoiseLog();
  g.add(Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff));
  assert.equal(g.looksLikeText, false);
});

test('SF32LB56 debug addresses are mapped to the debug IP windows before sending', () => {
  assert.equal(lb56DebugAddress(0xe000edf0), 0xf000edf0);
  assert.equal(lb56DebugAddress(0x20067000), 0x2a067000);
  assert.equal(lb56DebugAddress(0x00400010), 0x20400010);
  assert.equal(lb56DebugAddress(0x20c00000), 0x20400000);
  assert.equal(lb56DebugAddress(0x20800004), 0x00000004);
  assert.equal(lb56DebugAddress(0x1c000000), 0x6c000000);
  assert.equal(lb56DebugAddress(0x40040028), 0x40040028);
});

test('"~y" in console text is not taken for a frame start', () => {
  const s = new FrameScanner('le');
  const text = new TextEncoder().encode('say ~yes to tildes\r\n');
  const reply = fromHex('7e79 0200 1000 d1 06');
  const got = s.push(new Uint8Array([...text, ...reply]));
  assert.equal(got.length, 1);
  assert.equal(got[0]!.kind, 0xd1);
});
