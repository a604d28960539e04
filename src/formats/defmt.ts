/**
 * defmt log frames (wire version 4, rzCOBS encoding) decoded with the format strings an ELF keeps
 * in its `.defmt` section, as esp-println's `defmt-espflash` output sends them: `FF 00`, the
 * rzCOBS-encoded frame, `00`, between plain text. Covers integers, floats, bool, char, str, istr,
 * byte slices/arrays, bitfields, nested `Format` values (derived structs and enums) and display
 * hints (`:x`, `:#x`, `:b`, `:us`, `:ms`). Pure and browser-safe.
 */
import type { ElfFile } from './elf.js';

export interface DefmtEntry {
  /** `defmt_info`, `defmt_error`, `defmt_derived`, `defmt_timestamp`, … */
  tag: string;
  format: string;
}

export interface DefmtTable {
  entries: Map<number, DefmtEntry>;
  /** The timestamp's format, when the firmware defines one (its values lead every log frame). */
  timestamp?: string;
}

/** The `.defmt` section's symbols: each one's value is the index frames use, its name a JSON record. */
export function defmtTable(elf: ElfFile): DefmtTable | undefined {
  const section = elf.sections.findIndex((s) => s.name === '.defmt');
  if (section < 0) return undefined;
  const entries = new Map<number, DefmtEntry>();
  let timestamp: string | undefined;
  for (const s of elf.symbols) {
    if (s.shndx !== section || !s.name.startsWith('{')) continue;
    try {
      const rec = JSON.parse(s.name) as { tag?: string; data?: string };
      if (typeof rec.tag !== 'string' || typeof rec.data !== 'string') continue;
      entries.set(s.value, { tag: rec.tag, format: rec.data });
      if (rec.tag === 'defmt_timestamp') timestamp = rec.data;
    } catch {
      // Not a defmt record (another symbol in the section).
    }
  }
  return { entries, timestamp };
}

/** Reverse zero-compressing COBS (the `rzcobs` crate's format), read from the end backwards. */
export function rzcobsDecode(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = data.length - 1;
  const next = (): number => {
    if (i < 0) throw new RangeError('rzCOBS frame ends early');
    return data[i--]!;
  };
  while (i >= 0) {
    const x = next();
    if (x === 0) throw new RangeError('rzCOBS frame holds a 0x00');
    if (x < 0x80) {
      // Seven slots, least significant bit first: 1 = a zero byte, 0 = a byte from the stream.
      for (let bit = 6; bit >= 0; bit--) out.push(x & (1 << bit) ? 0 : next());
    } else if (x < 0xff) {
      out.push(0);
      for (let n = (x & 0x7f) + 7; n > 0; n--) out.push(next());
    } else {
      for (let n = 134; n > 0; n--) out.push(next());
    }
  }
  return Uint8Array.from(out.reverse());
}

/** The matching encoder (tests and simulators produce frames with it). */
export function rzcobsEncode(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let run = 0;
  let zeros = 0;
  for (const byte of data) {
    if (run < 7) {
      if (byte === 0) zeros |= 1 << run;
      else out.push(byte);
      run++;
      if (run === 7 && zeros !== 0) {
        out.push(zeros);
        run = 0;
        zeros = 0;
      }
    } else if (byte === 0) {
      out.push((run - 7) | 0x80);
      run = 0;
      zeros = 0;
    } else {
      out.push(byte);
      if (++run === 134) {
        out.push(0xff);
        run = 0;
        zeros = 0;
      }
    }
  }
  if (run > 0 && run < 7) out.push((zeros | (0xff << run)) & 0x7f);
  else if (run >= 7) out.push((run - 7) | 0x80);
  return Uint8Array.from(out);
}

class Cursor {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  take(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) throw new RangeError('defmt frame ends early');
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  uint(n: number): bigint {
    const b = this.take(n);
    let v = 0n;
    for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]!);
    return v;
  }

  leb(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.take(1)[0]!;
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  }
}

interface Param {
  type: string;
  hint: string;
}

/** Splits a format string into literal text and `{=type:hint}` parameters (`{{`/`}}` are braces). */
function parseFormat(format: string): Array<string | Param> {
  const parts: Array<string | Param> = [];
  let text = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if ((c === '{' || c === '}') && format[i + 1] === c) {
      text += c;
      i++;
    } else if (c === '{') {
      const end = format.indexOf('}', i);
      if (end < 0) break;
      const body = format.slice(i + 1, end);
      const colon = body.indexOf(':');
      const spec = colon < 0 ? body : body.slice(0, colon);
      const hint = colon < 0 ? '' : body.slice(colon + 1);
      // `{}`/`{:?}` are Format values; positional indexes (`{0=u8}`) are left out.
      const type = spec.includes('=') ? spec.slice(spec.indexOf('=') + 1) : '?';
      if (text) parts.push(text);
      text = '';
      parts.push({ type, hint });
      i = end;
    } else text += c;
  }
  if (text) parts.push(text);
  return parts;
}

function withHint(v: bigint, hint: string): string {
  switch (hint.replace(/\d+$/, '')) {
    case 'x': return v.toString(16);
    case '#x': return `0x${v.toString(16)}`;
    case 'X': return v.toString(16).toUpperCase();
    case '#X': return `0x${v.toString(16).toUpperCase()}`;
    case 'b': return v.toString(2);
    case '#b': return `0b${v.toString(2)}`;
    case 'us': return `${(Number(v) / 1e6).toFixed(6)}`;
    case 'ms': return `${(Number(v) / 1e3).toFixed(3)}`;
    default: return v.toString();
  }
}

const signed = (v: bigint, bits: number): bigint => BigInt.asIntN(bits, v);

export class DefmtDecoder {
  constructor(private readonly table: DefmtTable) {}

  /** A frame as sent (rzCOBS-encoded, without the `FF 00` and `00` around it). */
  decodeWire(encoded: Uint8Array): { level?: string; timestamp?: string; text: string } {
    return this.decodeFrame(rzcobsDecode(encoded));
  }

  /** A decoded frame: its level (from the tag: info, error, …) and text. */
  decodeFrame(frame: Uint8Array): { level?: string; timestamp?: string; text: string } {
    const c = new Cursor(frame);
    const index = Number(c.uint(2));
    const entry = this.table.entries.get(index);
    if (!entry) throw new RangeError(`defmt index ${index} is not in the ELF's .defmt table (another build?)`);
    const timestamp = this.table.timestamp !== undefined ? this.render(this.table.timestamp, c, 0) : undefined;
    const text = this.render(entry.format, c, 0);
    const level = /^defmt_(trace|debug|info|warn|error)$/.exec(entry.tag)?.[1];
    return { ...(level ? { level } : {}), ...(timestamp !== undefined ? { timestamp } : {}), text };
  }

  private render(format: string, c: Cursor, depth: number): string {
    let out = '';
    for (const part of parseFormat(format)) out += typeof part === 'string' ? part : this.value(part, c, depth);
    return out;
  }

  /** A nested `Format` value: its format index, then that format's arguments. */
  private nested(c: Cursor, depth: number): string {
    if (depth > 16) throw new RangeError('defmt values nest too deeply');
    const index = Number(c.uint(2));
    const entry = this.table.entries.get(index);
    if (!entry) throw new RangeError(`defmt index ${index} is not in the ELF's .defmt table`);
    const variants = entry.tag === 'defmt_derived' ? splitVariants(entry.format) : [entry.format];
    if (variants.length === 1) return this.render(variants[0]!, c, depth + 1);
    const n = variants.length;
    const discriminant = Number(c.uint(n <= 0x100 ? 1 : n <= 0x10000 ? 2 : 4));
    const variant = variants[discriminant];
    if (variant === undefined) throw new RangeError(`defmt enum discriminant ${discriminant} of ${n} variants`);
    return this.render(variant, c, depth + 1);
  }

  private value(p: Param, c: Cursor, depth: number): string {
    const t = p.type;
    const int = /^([ui])(8|16|32|64|128)$/.exec(t);
    if (int) {
      const bits = Number(int[2]);
      const v = c.uint(bits / 8);
      return withHint(int[1] === 'i' ? signed(v, bits) : v, p.hint);
    }
    const range = /^(\d+)\.\.(\d+)$/.exec(t);
    if (range) {
      // A bitfield sends the bytes covering its highest bit.
      const hi = Number(range[2]);
      const lo = Number(range[1]);
      const bytes = Math.ceil(hi / 8);
      const v = (c.uint(bytes) >> BigInt(lo)) & ((1n << BigInt(hi - lo)) - 1n);
      return withHint(v, p.hint);
    }
    switch (t) {
      case 'usize': return withHint(c.leb(), p.hint);
      case 'isize': {
        const z = c.leb();
        return withHint(z & 1n ? -(z >> 1n) - 1n : z >> 1n, p.hint);
      }
      case 'f32': return String(new DataView(c.take(4).slice().buffer).getFloat32(0, true));
      case 'f64': return String(new DataView(c.take(8).slice().buffer).getFloat64(0, true));
      case 'bool': return c.take(1)[0] ? 'true' : 'false';
      case 'char': return String.fromCodePoint(Number(c.uint(4)));
      case 'str': return new TextDecoder().decode(c.take(Number(c.leb())));
      case 'istr': {
        const e = this.table.entries.get(Number(c.uint(2)));
        return e ? e.format : '<unknown istr>';
      }
      case '[u8]': return bytesText(c.take(Number(c.leb())), p.hint);
      case '?': return this.nested(c, depth);
      case '[?]': {
        const n = Number(c.leb());
        const items: string[] = [];
        for (let k = 0; k < n; k++) items.push(this.nested(c, depth));
        return `[${items.join(', ')}]`;
      }
      default: {
        const array = /^\[u8; ?(\d+)\]$/.exec(t);
        if (array) return bytesText(c.take(Number(array[1])), p.hint);
        throw new RangeError(`defmt type {=${t}} is not supported`);
      }
    }
  }
}

function bytesText(b: Uint8Array, hint: string): string {
  return `[${Array.from(b, (x) => withHint(BigInt(x), hint)).join(', ')}]`;
}

/** A derived enum's format: its variants separated by `|` outside braces. */
function splitVariants(format: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of format) {
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    if (ch === '|' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Plain text, or one frame as it came over the wire (still rzCOBS-encoded). */
export type DefmtPiece = { kind: 'text'; bytes: Uint8Array } | { kind: 'frame'; frame: Uint8Array };

/**
 * Separates `FF 00 … 00` defmt frames from the plain text around them in a console byte stream
 * (frames may arrive split across reads).
 */
export class DefmtStream {
  private inFrame = false;
  private frame: number[] = [];
  /** A trailing 0xFF that may start a frame once the next read arrives. */
  private pendingFf = false;

  push(bytes: Uint8Array): DefmtPiece[] {
    const out: DefmtPiece[] = [];
    let text: number[] = [];
    const flushText = (): void => {
      if (text.length) out.push({ kind: 'text', bytes: Uint8Array.from(text) });
      text = [];
    };
    for (const b of bytes) {
      if (this.inFrame) {
        if (b === 0) {
          out.push({ kind: 'frame', frame: Uint8Array.from(this.frame) });
          this.frame = [];
          this.inFrame = false;
        } else this.frame.push(b);
        continue;
      }
      if (this.pendingFf) {
        this.pendingFf = false;
        if (b === 0) {
          flushText();
          this.inFrame = true;
          continue;
        }
        text.push(0xff);
      }
      if (b === 0xff) this.pendingFf = true;
      else text.push(b);
    }
    flushText();
    return out;
  }
}
