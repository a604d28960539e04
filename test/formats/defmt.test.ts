import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseElf } from '../../src/formats/elf.js';
import { DefmtDecoder, DefmtStream, defmtTable, rzcobsDecode, rzcobsEncode } from '../../src/formats/defmt.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));

test('rzCOBS: the rzcobs crate\'s documented vectors both ways', () => {
  // (message, encoding) pairs listed in the rzcobs crate's tests (Dirbaio/rzcobs).
  const vectors: Array<[string, string]> = [
    ['', ''], ['00', '7f'], ['0000000000000000', '7f7f'], ['01', '017e'], ['0001', '017d'], ['0102', '01027c'],
    ['11223344556600', '11223344556640'], ['11223344556677', '1122334455667780'], ['1122334455667788', '112233445566778881'],
    ['00000000004400000000000000ff', '445fff3f'],
  ];
  for (const [message, wire] of vectors) {
    assert.deepEqual(Buffer.from(rzcobsEncode(hex(message))).toString('hex'), wire, message);
    const back = rzcobsDecode(hex(wire));
    assert.deepEqual(Buffer.from(back.subarray(0, message.length / 2)).toString('hex'), message);
    assert.ok(back.subarray(message.length / 2).every((b) => b === 0), 'only zero padding after the message');
  }
});

test('defmt frames decoded with the format strings of a real esp-hal ELF (espflash\'s esp32c6_defmt)', () => {
  const elf = parseElf(new Uint8Array(gunzipSync(readFileSync(new URL('../fixtures/elf/dwarf/esp32c6_defmt.elf.gz', import.meta.url)))));
  const table = defmtTable(elf)!;
  assert.equal(table.entries.get(1)?.format, 'Hello world!');
  const decoder = new DefmtDecoder(table);
  // "Hello world!" (index 1), then the esp-hal panic "Unhandled interrupt: {:?}" (index 6) with the
  // derived Interrupt enum (index 12) value 30, GPIO.
  const wire = (frame: number[]): number[] => [0xff, 0x00, ...rzcobsEncode(Uint8Array.from(frame)), 0x00];
  const stream = new DefmtStream();
  const bytes = Uint8Array.from([...Buffer.from('boot\r\n'), ...wire([1, 0]), ...wire([6, 0, 12, 0, 30]), ...Buffer.from('tail')]);
  // Split mid-frame, as reads do.
  const pieces = [...stream.push(bytes.subarray(0, 9)), ...stream.push(bytes.subarray(9))];
  const shown = pieces.map((p) => (p.kind === 'text' ? `text:${Buffer.from(p.bytes).toString()}` : JSON.stringify(decoder.decodeWire(p.frame))));
  assert.deepEqual(shown, [
    'text:boot\r\n',
    '{"level":"info","text":"Hello world!"}',
    '{"level":"error","text":"panicked at \'Unhandled interrupt: GPIO\'"}',
    'text:tail',
  ]);
  assert.throws(() => decoder.decodeFrame(Uint8Array.from([0x40, 0])), /index 64 is not in the ELF's \.defmt table/);
});

test('defmt argument types and display hints', () => {
  const table = {
    entries: new Map([
      [1, { tag: 'defmt_warn', format: 'v={=u8:#x} n={=i16} s={=str} b={=bool} f={=f32} len={=usize} bits={=0..4:b} raw={=[u8]:x} {{x}}' }],
      [2, { tag: 'defmt_timestamp', format: '{=u32:ms}' }],
    ]),
    timestamp: '{=u32:ms}',
  };
  const f32 = new Uint8Array(new Float32Array([1.5]).buffer);
  const frame = Uint8Array.from([1, 0, 0x39, 0x30, 0, 0, 0xfe, 0xff, 0xff, 2, 0x68, 0x69, 1, ...f32, 0x85, 0x01, 0b1010, 2, 0xab, 0x01]);
  assert.deepEqual(new DefmtDecoder(table).decodeFrame(frame), {
    level: 'warn', timestamp: '12.345', text: 'v=0xfe n=-1 s=hi b=true f=1.5 len=133 bits=1010 raw=[ab, 1] {x}',
  });
});
