/** Intel HEX: parsing into address/bytes chunks (gaps preserved) and writing. */
import { AnyflashError } from '../core/errors.js';
import type { Chunk } from './regions.js';

export interface IntelHex {
  chunks: Chunk[];
  /** Entry point from a type 03/05 record, when present. */
  start?: number;
}

/** A file that starts with ':' and hex digits on its first line is treated as Intel HEX. */
export function looksLikeIntelHex(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0d || bytes[i] === 0x0a || bytes[i] === 0x09)) i++;
  if (bytes[i] !== 0x3a) return false;
  const head = new TextDecoder('latin1').decode(bytes.subarray(i, i + 64)).split(/\r?\n/)[0]!;
  return /^:[0-9A-Fa-f]{10,}\s*$/.test(head);
}

export function parseIntelHex(bytes: Uint8Array, file = 'input.hex'): IntelHex {
  const lines = new TextDecoder('latin1').decode(bytes).split(/\r?\n/);
  const chunks: Chunk[] = [];
  let base = 0;
  let start: number | undefined;
  let ended = false;
  const fail = (line: number, what: string): never => {
    throw new AnyflashError('bad-input', `${file} line ${line}: ${what}.`, {
      file, advice: ['The HEX file is damaged or not Intel HEX; rebuild it or copy it again.'],
    });
  };
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || ended) return;
    if (line[0] !== ':') fail(lineNo, 'a record must start with ":"');
    if (!/^:[0-9A-Fa-f]+$/.test(line) || line.length % 2 === 0) fail(lineNo, 'the record is not an odd-length run of hex digits');
    const rec = new Uint8Array((line.length - 1) / 2);
    for (let i = 0; i < rec.length; i++) rec[i] = parseInt(line.substr(1 + i * 2, 2), 16);
    if (rec.length < 5 || rec.length !== rec[0]! + 5) fail(lineNo, 'the record length does not match its byte count');
    let sum = 0;
    for (const b of rec) sum = (sum + b) & 0xff;
    if (sum !== 0) {
      const stored = rec[rec.length - 1]!;
      const expected = (stored - sum) & 0xff;
      fail(lineNo, `checksum error (record says 0x${stored.toString(16).padStart(2, '0')}, data gives 0x${expected.toString(16).padStart(2, '0')})`);
    }
    const count = rec[0]!;
    const offset = (rec[1]! << 8) | rec[2]!;
    const type = rec[3]!;
    const data = rec.subarray(4, 4 + count);
    switch (type) {
      case 0x00:
        chunks.push({ address: (base + offset) >>> 0, data: data.slice() });
        break;
      case 0x01:
        ended = true;
        break;
      case 0x02:
        if (count !== 2) fail(lineNo, 'extended segment address record must hold 2 bytes');
        base = ((data[0]! << 8) | data[1]!) << 4;
        break;
      case 0x03:
      case 0x05:
        if (count !== 4) fail(lineNo, 'start address record must hold 4 bytes');
        start = type === 0x05
          ? ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0
          : ((((data[0]! << 8) | data[1]!) << 4) + ((data[2]! << 8) | data[3]!)) >>> 0;
        break;
      case 0x04:
        if (count !== 2) fail(lineNo, 'extended linear address record must hold 2 bytes');
        base = (((data[0]! << 8) | data[1]!) << 16) >>> 0;
        break;
      default:
        fail(lineNo, `unknown record type 0x${type.toString(16).padStart(2, '0')}`);
    }
  });
  if (!ended) fail(lines.length, 'no end-of-file record (:00000001FF); the file looks truncated');
  return { chunks, ...(start !== undefined ? { start } : {}) };
}

function record(type: number, offset: number, data: Uint8Array | number[]): string {
  const bytes = [data.length, (offset >> 8) & 0xff, offset & 0xff, type, ...data];
  const sum = bytes.reduce((s, b) => (s + b) & 0xff, 0);
  bytes.push((0x100 - sum) & 0xff);
  return ':' + bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
}

/** Writes chunks as Intel HEX with 16-byte data records; gaps between chunks are simply absent. */
export function writeIntelHex(chunks: readonly Chunk[], start?: number): string {
  const lines: string[] = [];
  let upper = 0;
  for (const c of [...chunks].sort((a, b) => a.address - b.address)) {
    let addr = c.address;
    let pos = 0;
    while (pos < c.data.length) {
      if (addr >>> 16 !== upper) {
        upper = addr >>> 16;
        lines.push(record(0x04, 0, [upper >> 8, upper & 0xff]));
      }
      const n = Math.min(16, c.data.length - pos, 0x10000 - (addr & 0xffff));
      lines.push(record(0x00, addr & 0xffff, c.data.subarray(pos, pos + n)));
      pos += n;
      addr += n;
    }
  }
  if (start !== undefined) lines.push(record(0x05, 0, [start >>> 24, (start >> 16) & 0xff, (start >> 8) & 0xff, start & 0xff]));
  lines.push(':00000001FF');
  return lines.join('\n') + '\n';
}
