/** Little-endian cursor over a DWARF section, and the attribute forms of DWARF 2–5 (pure, browser-safe). */

export class ByteReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  u8(): number {
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u24(): number {
    const v = this.bytes[this.pos]! | (this.bytes[this.pos + 1]! << 8) | (this.bytes[this.pos + 2]! << 16);
    this.pos += 3;
    return v;
  }

  u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A 64-bit value as a Number: addresses on our targets fit in 53 bits. */
  u64(): number {
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi * 0x1_0000_0000 + lo;
  }

  sized(size: number): number {
    switch (size) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      case 8: return this.u64();
      default: throw new RangeError(`unsupported field size ${size}`);
    }
  }

  uleb(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.bytes[this.pos++];
      if (b === undefined) throw new RangeError('ULEB128 runs past the end of the section');
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
  }

  sleb(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.bytes[this.pos++];
      if (b === undefined) throw new RangeError('SLEB128 runs past the end of the section');
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return b & 0x40 ? result - mul : result;
    }
  }

  cstr(): string {
    const start = this.pos;
    let end = start;
    while (end < this.bytes.length && this.bytes[end] !== 0) end++;
    this.pos = end + 1;
    return decodeUtf8(this.bytes, start, end);
  }

  /** unit_length: 32-bit, or 0xffffffff then 64-bit (64-bit DWARF). */
  initialLength(): { length: number; offsetSize: 4 | 8 } {
    const first = this.u32();
    return first === 0xffffffff ? { length: this.u64(), offsetSize: 8 } : { length: first, offsetSize: 4 };
  }
}

const utf8 = new TextDecoder();

export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  // ASCII fast path: almost every DWARF string is a plain identifier or path.
  if (end - start < 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) return utf8.decode(bytes.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(bytes.subarray(start, end));
}

export function cstrAt(table: Uint8Array, offset: number): string {
  let end = offset;
  while (end < table.length && table[end] !== 0) end++;
  return decodeUtf8(table, offset, end);
}

/** DW_FORM_* codes (DWARF 5 §7.5.6, plus the GNU extensions GCC emits). */
export const F = {
  addr: 0x01, block2: 0x03, block4: 0x04, data2: 0x05, data4: 0x06, data8: 0x07, string: 0x08, block: 0x09,
  block1: 0x0a, data1: 0x0b, flag: 0x0c, sdata: 0x0d, strp: 0x0e, udata: 0x0f, ref_addr: 0x10, ref1: 0x11,
  ref2: 0x12, ref4: 0x13, ref8: 0x14, ref_udata: 0x15, indirect: 0x16, sec_offset: 0x17, exprloc: 0x18,
  flag_present: 0x19, strx: 0x1a, addrx: 0x1b, ref_sup4: 0x1c, strp_sup: 0x1d, data16: 0x1e, line_strp: 0x1f,
  ref_sig8: 0x20, implicit_const: 0x21, loclistx: 0x22, rnglistx: 0x23, ref_sup8: 0x24, strx1: 0x25, strx2: 0x26,
  strx3: 0x27, strx4: 0x28, addrx1: 0x29, addrx2: 0x2a, addrx3: 0x2b, addrx4: 0x2c,
  GNU_addr_index: 0x1f01, GNU_str_index: 0x1f02, GNU_ref_alt: 0x1f20, GNU_strp_alt: 0x1f21,
} as const;

/** What a unit's header says about field sizes. */
export interface UnitShape {
  version: number;
  addressSize: number;
  offsetSize: 4 | 8;
}

/**
 * Reads one attribute value. Numbers come back as numbers; inline strings as strings; blocks are
 * skipped (undefined). The caller interprets the number by form (a string offset, a reference, …).
 */
export function readForm(r: ByteReader, form: number, unit: UnitShape, implicit: number): number | string | undefined {
  switch (form) {
    case F.addr: return r.sized(unit.addressSize);
    case F.data1: case F.ref1: case F.flag: case F.strx1: case F.addrx1: return r.u8();
    case F.data2: case F.ref2: case F.strx2: case F.addrx2: return r.u16();
    case F.strx3: case F.addrx3: return r.u24();
    case F.data4: case F.ref4: case F.ref_sup4: case F.strx4: case F.addrx4: return r.u32();
    case F.data8: case F.ref8: case F.ref_sig8: case F.ref_sup8: return r.u64();
    case F.data16: r.pos += 16; return undefined;
    case F.string: return r.cstr();
    case F.block: case F.exprloc: { const n = r.uleb(); r.pos += n; return undefined; }
    case F.block1: { const n = r.u8(); r.pos += n; return undefined; }
    case F.block2: { const n = r.u16(); r.pos += n; return undefined; }
    case F.block4: { const n = r.u32(); r.pos += n; return undefined; }
    case F.sdata: return r.sleb();
    case F.udata: case F.ref_udata: case F.strx: case F.addrx: case F.loclistx: case F.rnglistx:
    case F.GNU_addr_index: case F.GNU_str_index:
      return r.uleb();
    case F.strp: case F.sec_offset: case F.strp_sup: case F.line_strp: case F.GNU_ref_alt: case F.GNU_strp_alt:
      return r.sized(unit.offsetSize);
    case F.ref_addr: return r.sized(unit.version <= 2 ? unit.addressSize : unit.offsetSize);
    case F.flag_present: return 1;
    case F.implicit_const: return implicit;
    case F.indirect: return readForm(r, r.uleb(), unit, implicit);
    default: throw new RangeError(`unknown DWARF form 0x${form.toString(16)}`);
  }
}

/** Bytes a form always takes for this unit shape, or -1 when its length is in the data. */
export function fixedFormSize(form: number, unit: UnitShape): number {
  switch (form) {
    case F.addr: return unit.addressSize;
    case F.data1: case F.ref1: case F.flag: case F.strx1: case F.addrx1: return 1;
    case F.data2: case F.ref2: case F.strx2: case F.addrx2: return 2;
    case F.strx3: case F.addrx3: return 3;
    case F.data4: case F.ref4: case F.ref_sup4: case F.strx4: case F.addrx4: return 4;
    case F.data8: case F.ref8: case F.ref_sig8: case F.ref_sup8: return 8;
    case F.data16: return 16;
    case F.strp: case F.sec_offset: case F.strp_sup: case F.line_strp: case F.GNU_ref_alt: case F.GNU_strp_alt:
      return unit.offsetSize;
    case F.ref_addr: return unit.version <= 2 ? unit.addressSize : unit.offsetSize;
    case F.flag_present: case F.implicit_const: return 0;
    default: return -1;
  }
}

/** Moves past one attribute value without decoding it. */
export function skipForm(r: ByteReader, form: number, unit: UnitShape): void {
  const size = fixedFormSize(form, unit);
  if (size >= 0) {
    r.pos += size;
    return;
  }
  if (form === F.string) {
    const bytes = r.bytes;
    let p = r.pos;
    while (p < bytes.length && bytes[p] !== 0) p++;
    r.pos = p + 1;
  } else if (form === F.indirect) skipForm(r, r.uleb(), unit);
  else readForm(r, form, unit, 0);
}

/** Forms whose value is a constant (for DW_AT_high_pc: an offset from low_pc, not an address). */
export function isConstantForm(form: number): boolean {
  return form === F.data1 || form === F.data2 || form === F.data4 || form === F.data8 || form === F.udata ||
    form === F.sdata || form === F.implicit_const;
}

export function isStrxForm(form: number): boolean {
  return form === F.strx || form === F.strx1 || form === F.strx2 || form === F.strx3 || form === F.strx4 ||
    form === F.GNU_str_index;
}

export function isAddrxForm(form: number): boolean {
  return form === F.addrx || form === F.addrx1 || form === F.addrx2 || form === F.addrx3 || form === F.addrx4 ||
    form === F.GNU_addr_index;
}
