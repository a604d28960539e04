import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SYNC_DATA, checksum, dataPacket, decodeStatus, encodeRequest, parseResponse, timeoutPerMb, Op } from '../../src/families/esp/protocol.js';
import { slipEncode } from '../../src/families/esp/slip.js';
import { toHex, fromHex } from '../../src/core/bytes.js';
import { stubDeflBlockTimeout, esp8266EraseSize } from '../../src/families/esp/device.js';

test('SYNC frame bytes on the wire', () => {
  const frame = slipEncode(encodeRequest(Op.SYNC, SYNC_DATA));
  assert.equal(toHex(frame), 'c0' + '00' + '08' + '2400' + '00000000' + '07071220' + '55'.repeat(32) + 'c0');
});

test('FLASH_DATA: 16-byte header, checksum seeded 0xEF over the data only, LE in the header', () => {
  const block = Uint8Array.of(0x01, 0x02, 0x04, 0xc0);
  assert.equal(checksum(block), 0xef ^ 0x01 ^ 0x02 ^ 0x04 ^ 0xc0);
  const { data, check } = dataPacket(block, 7);
  const req = encodeRequest(Op.FLASH_DATA, data, check);
  assert.equal(toHex(req), '03' .padStart(4, '0') + '1400' + (0xef ^ 0x01 ^ 0x02 ^ 0x04 ^ 0xc0).toString(16) + '000000' +
    '04000000' + '07000000' + '00000000' + '00000000' + '010204c0');
  // The 0xC0 inside the data is escaped on the wire, after the checksum was computed.
  assert.match(toHex(slipEncode(req)), /010204dbdcc0$/);
});

test('checksum of 0x400 0xFF bytes is the seed (even count)', () => {
  assert.equal(checksum(new Uint8Array(0x400).fill(0xff)), 0xef);
});

test('response parsing: ROM SYNC reply', () => {
  const r = parseResponse(fromHex('0108040007071220 00000000'))!;
  assert.equal(r.op, 8);
  assert.equal(r.value, 0x20120707);
  assert.equal(decodeStatus(r.data, 4, false).ok, true);
  assert.equal(parseResponse(fromHex('0008040007071220')), null, 'direction 0 is not a response');
});

test('status: ROM 4-byte failure decoded by its error code', () => {
  const s = decodeStatus(Uint8Array.of(1, 0x07, 0, 0), 4, false);
  assert.deepEqual(s, { ok: false, code: 0x0107, name: 'checksum error' });
  assert.equal(decodeStatus(Uint8Array.of(1, 0x05, 0, 0), 4, false).name, 'invalid message format (unsupported command)');
  assert.equal(decodeStatus(Uint8Array.of(1, 0x08), 2, false).name, 'flash write error (read-back CRC mismatch)');
});

test('status: stub 2-byte failure decoded from the first byte', () => {
  assert.deepEqual(decodeStatus(Uint8Array.of(0xc1, 0), 2, true), { ok: false, code: 0xc100, name: 'bad data checksum' });
  assert.equal(decodeStatus(Uint8Array.of(0xc7, 0), 2, true).name, 'inflate error');
  assert.equal(decodeStatus(Uint8Array.of(0xff, 0), 2, true).name, 'command not implemented');
  assert.equal(decodeStatus(Uint8Array.of(0, 0), 2, true).ok, true);
  // Status sits at the tail, after payload.
  assert.equal(decodeStatus(Uint8Array.of(9, 9, 9, 0, 0), 2, true).ok, true);
});

test('timeouts scale with decimal MB and have a 3 s floor', () => {
  assert.equal(timeoutPerMb(8, 100), 3000);
  assert.equal(timeoutPerMb(8, 4_000_000), 32_000);
  // Stub deflate block timeout uses the uncompressed size plus erase headroom (esptool#183).
  assert.equal(stubDeflBlockTimeout(0x4000), Math.max(3000, (40 * (0x4000 + 2 * 0x10000)) / 1e6 * 1000));
  assert.ok(stubDeflBlockTimeout(4 * 1024 * 1024) > 170_000);
});

test('ESP8266 ROM erase-size workaround', () => {
  assert.equal(esp8266EraseSize(0, 0x1000), 0x1000);
  assert.equal(esp8266EraseSize(0, 0x10000), 0x8000);
  assert.equal(esp8266EraseSize(0, 0x40000), 0x30000);
  assert.equal(esp8266EraseSize(0x3000, 0x2000), 0x1000);
});
