import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DO, IAC, SB, SE, TelnetParser, WILL, escapeIac, subnegotiation } from '../../src/transport/telnet.js';

function collect(): { parser: TelnetParser; data: number[]; verbs: Array<[number, number]>; subs: number[][] } {
  const out = { data: [] as number[], verbs: [] as Array<[number, number]>, subs: [] as number[][] };
  const parser = new TelnetParser({
    data: (b) => out.data.push(...b),
    negotiate: (verb, option) => out.verbs.push([verb, option]),
    subnegotiation: (p) => out.subs.push([...p]),
  });
  return { parser, ...out };
}

describe('telnet framing', () => {
  const stream = Uint8Array.of(
    0x41, IAC, IAC, 0x42, IAC, WILL, 44, IAC, SB, 44, 101, 0x00, IAC, IAC, 0x10, IAC, SE, 0xfe, IAC, 0xf1, 0x43,
  );

  it('separates data (with doubled IAC undone), negotiation and subnegotiation; skips NOP', () => {
    const r = collect();
    r.parser.feed(stream);
    assert.deepEqual(r.data, [0x41, 0xff, 0x42, 0xfe, 0x43]);
    assert.deepEqual(r.verbs, [[WILL, 44]]);
    assert.deepEqual(r.subs, [[44, 101, 0x00, 0xff, 0x10]]);
  });

  it('gives the same result when fed one byte at a time', () => {
    const r = collect();
    for (const b of stream) r.parser.feed(Uint8Array.of(b));
    assert.deepEqual(r.data, [0x41, 0xff, 0x42, 0xfe, 0x43]);
    assert.deepEqual(r.verbs, [[WILL, 44]]);
    assert.deepEqual(r.subs, [[44, 101, 0x00, 0xff, 0x10]]);
  });

  it('escapes 0xFF in data and in subnegotiation payloads', () => {
    assert.deepEqual([...escapeIac(Uint8Array.of(1, 0xff, 2, 0xff))], [1, 0xff, 0xff, 2, 0xff, 0xff]);
    assert.deepEqual([...subnegotiation(Uint8Array.of(44, 1, 0, 0, 0xff, 0))], [IAC, SB, 44, 1, 0, 0, 0xff, 0xff, 0, IAC, SE]);
    const r = collect();
    r.parser.feed(escapeIac(Uint8Array.of(0xff, 0xff, DO)));
    assert.deepEqual(r.data, [0xff, 0xff, DO]);
  });
});
