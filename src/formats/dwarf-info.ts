/**
 * The parts of `.debug_info` (DWARF 2–5) an address decoder needs: each compile unit's line program
 * and directory, concrete functions with their address ranges, and the inlined calls inside them
 * (DW_TAG_inlined_subroutine: abstract origin, call file and line, nesting). Pure and browser-safe.
 */
import {
  ByteReader, cstrAt, F, fixedFormSize, isAddrxForm, isConstantForm, isStrxForm, readForm, skipForm, type UnitShape,
} from './dwarf-reader.js';

export interface DwarfSections {
  info?: Uint8Array;
  abbrev?: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  strOffsets?: Uint8Array;
  addr?: Uint8Array;
  ranges?: Uint8Array;
  rnglists?: Uint8Array;
}

export interface CompileUnit {
  name?: string;
  compDir?: string;
  stmtList?: number;
}

/** [low, high) address ranges. */
export type Ranges = Array<[number, number]>;

export interface InlinedCall {
  ranges: Ranges;
  /** 1 for a call inlined straight into the function, 2 for one inlined into that, … */
  depth: number;
  /** .debug_info offset of the DIE naming the inlined function. */
  origin: number;
  callFile: number;
  callLine: number;
}

export interface FunctionEntry {
  /** .debug_info offset of the subprogram DIE (its name is resolved through `names`). */
  die: number;
  ranges: Ranges;
  unit: number;
  inlined: InlinedCall[];
}

export interface DebugInfo {
  units: CompileUnit[];
  functions: FunctionEntry[];
  /** Function name of a subprogram DIE, following abstract_origin/specification. */
  nameOf(die: number): string | undefined;
}

const TAG_compile_unit = 0x11;
const TAG_partial_unit = 0x3c;
const TAG_subprogram = 0x2e;
const TAG_inlined_subroutine = 0x1d;
/** Scopes whose names qualify a function's name (C++ / Rust paths). */
const SCOPE_TAGS = new Set([0x39 /* namespace */, 0x13 /* structure */, 0x02 /* class */, 0x17 /* union */, 0x04 /* enumeration */]);

const AT = {
  sibling: 0x01, name: 0x03, language: 0x13, stmt_list: 0x10, low_pc: 0x11, high_pc: 0x12, comp_dir: 0x1b, abstract_origin: 0x31,
  specification: 0x47, ranges: 0x55, call_file: 0x58, call_line: 0x59, linkage_name: 0x6e,
  str_offsets_base: 0x72, addr_base: 0x73, rnglists_base: 0x74, MIPS_linkage_name: 0x2007,
  GNU_ranges_base: 0x2132, GNU_addr_base: 0x2133,
} as const;

/** A name not decoded yet: an inline string, or where it lies in a string section. */
type LazyName = string | { table: Uint8Array; offset: number };

/** A namespace/type scope, linked to its parent: qualifies the names of functions inside it. */
interface ScopeNode {
  name?: LazyName;
  parent?: ScopeNode;
}

interface ScopeEntry {
  kind: 'scope' | 'function' | 'inline' | 'other';
  fn?: FunctionEntry;
  /** The function (or scope) that was current before this entry opened. */
  outer?: FunctionEntry;
  outerScope?: ScopeNode;
}

const OTHER: ScopeEntry = { kind: 'other' };
/** DW_LANG_* of C (C89, C, C99, C11, C17): its types hold no functions, so their members can be jumped over. */
const C_LANGUAGES = new Set([0x01, 0x02, 0x0c, 0x1d, 0x2c]);
/** Types whose children (members, enumerators, subranges) never hold code in C. */
const C_TYPE_TAGS = new Set([0x13 /* structure */, 0x17 /* union */, 0x04 /* enumeration */, 0x01 /* array */, 0x15 /* subroutine type */]);
const INLINE: ScopeEntry = { kind: 'inline' };

interface AbbrevEntry {
  tag: number;
  children: boolean;
  /** Flat [attr, form, implicit_const, …] triples. */
  specs: number[];
  /** Index in `specs` of DW_AT_sibling, when the DIE has one. */
  siblingAt?: number;
  /** Total size when every form has a fixed size for `sizedFor`'s unit shape (-1: varies). */
  fixedSize?: number;
  sizedFor?: string;
}

function fixedSizeOf(abbrev: AbbrevEntry, unit: UnitShape): number {
  const key = `${unit.version}/${unit.addressSize}/${unit.offsetSize}`;
  if (abbrev.sizedFor !== key) {
    let total = 0;
    for (let i = 1; i < abbrev.specs.length && total >= 0; i += 3) {
      const n = fixedFormSize(abbrev.specs[i]!, unit);
      total = n < 0 ? -1 : total + n;
    }
    abbrev.fixedSize = total;
    abbrev.sizedFor = key;
  }
  return abbrev.fixedSize!;
}

function parseAbbrevs(section: Uint8Array, offset: number): Map<number, AbbrevEntry> {
  const r = new ByteReader(section, offset);
  const table = new Map<number, AbbrevEntry>();
  for (;;) {
    const code = r.uleb();
    if (code === 0) return table;
    const tag = r.uleb();
    const children = r.u8() !== 0;
    const specs: number[] = [];
    for (;;) {
      const attr = r.uleb();
      const form = r.uleb();
      if (attr === 0 && form === 0) break;
      specs.push(attr, form, form === F.implicit_const ? r.sleb() : 0);
    }
    const sibling = specs.findIndex((v, i) => i % 3 === 0 && v === AT.sibling);
    table.set(code, { tag, children, specs, ...(sibling >= 0 ? { siblingAt: sibling } : {}) });
  }
}

interface NameRecord {
  name?: LazyName;
  scope?: ScopeNode;
  /** Another DIE this one takes its name from (abstract_origin / specification). */
  ref?: number;
}

interface UnitContext extends UnitShape {
  start: number;
  lowPc: number;
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
}

/** A DIE's attributes that matter here, read in one pass over its specs. */
interface DieValues {
  name?: LazyName;
  linkage?: LazyName;
  lowPc?: number;
  highPc?: number;
  highIsOffset: boolean;
  ranges?: number;
  rangesIsIndex: boolean;
  ref?: number;
  callFile: number;
  callLine: number;
  stmtList?: number;
  compDir?: string;
}

export function parseDebugInfo(s: DwarfSections): DebugInfo {
  const units: CompileUnit[] = [];
  const functions: FunctionEntry[] = [];
  const names = new Map<number, NameRecord>();
  const info = s.info;
  const abbrevSection = s.abbrev;
  if (!info || !abbrevSection) return { units, functions, nameOf: () => undefined };
  const abbrevCache = new Map<number, Map<number, AbbrevEntry>>();
  const r = new ByteReader(info);

  while (r.pos + 11 <= info.length) {
    const unitStart = r.pos;
    const { length, offsetSize } = r.initialLength();
    const unitEnd = r.pos + length;
    const version = r.u16();
    let unitType = 1;
    let abbrevOffset: number;
    let addressSize: number;
    if (version >= 5) {
      unitType = r.u8();
      addressSize = r.u8();
      abbrevOffset = r.sized(offsetSize);
      if (unitType === 4 || unitType === 5) r.pos += 8;
    } else {
      abbrevOffset = r.sized(offsetSize);
      addressSize = r.u8();
    }
    // Type units describe no code.
    if (version < 2 || version > 5 || unitType === 2 || unitType === 6) {
      r.pos = unitEnd;
      continue;
    }
    let abbrevs = abbrevCache.get(abbrevOffset);
    if (!abbrevs) {
      abbrevs = parseAbbrevs(abbrevSection, abbrevOffset);
      abbrevCache.set(abbrevOffset, abbrevs);
    }
    const unit: UnitContext = {
      version, addressSize, offsetSize, start: unitStart, lowPc: 0, strOffsetsBase: 8, addrBase: 8, rnglistsBase: 12,
    };
    const unitIndex = units.length;
    const cu: CompileUnit = {};
    units.push(cu);

    // Names are only located here; most are never shown, so they are decoded on demand.
    const lazy = (form: number, v: number | string | undefined): LazyName | undefined => {
      if (typeof v === 'string') return v;
      if (v === undefined) return undefined;
      if (form === F.strp && s.str) return { table: s.str, offset: v };
      if (form === F.line_strp && s.lineStr) return { table: s.lineStr, offset: v };
      if (isStrxForm(form) && s.strOffsets && s.str) {
        return { table: s.str, offset: new ByteReader(s.strOffsets, unit.strOffsetsBase + v * offsetSize).sized(offsetSize) };
      }
      return undefined;
    };
    const str = (form: number, v: number | string | undefined): string | undefined => decodeName(lazy(form, v));
    const addr = (form: number, v: number): number =>
      isAddrxForm(form) && s.addr ? new ByteReader(s.addr, unit.addrBase + v * addressSize).sized(addressSize) : v;

    const scope: ScopeEntry[] = [];
    /** The innermost concrete function being walked (inlined calls belong to it). */
    let currentFn: FunctionEntry | undefined;
    let currentScope: ScopeNode | undefined;
    let cLanguage = false;
    let inlineDepth = 0;

    while (r.pos < unitEnd) {
      const dieOffset = r.pos;
      const code = r.uleb();
      if (code === 0) {
        const left = scope.pop();
        if (left?.kind === 'inline') inlineDepth--;
        else if (left?.kind === 'function') currentFn = left.outer;
        else if (left?.kind === 'scope') currentScope = left.outerScope;
        continue;
      }
      const abbrev = abbrevs.get(code);
      if (!abbrev) throw new RangeError(`DIE at 0x${dieOffset.toString(16)} uses unknown abbreviation ${code}`);
      const tag = abbrev.tag;
      const specs = abbrev.specs;
      // A C type with members: straight to its sibling (most DIEs in a C build are members and enumerators).
      if (cLanguage && abbrev.children && C_TYPE_TAGS.has(tag) && abbrev.siblingAt !== undefined) {
        let sibling = -1;
        for (let i = 0; i < specs.length; i += 3) {
          if (i === abbrev.siblingAt) {
            const v = readForm(r, specs[i + 1]!, unit, specs[i + 2]!);
            if (typeof v === 'number') sibling = specs[i + 1] === F.ref_addr ? v : unitStart + v;
          } else skipForm(r, specs[i + 1]!, unit);
        }
        if (sibling > r.pos && sibling <= unitEnd) {
          r.pos = sibling;
          continue;
        }
        scope.push(OTHER);
        continue;
      }
      const interesting =
        tag === TAG_subprogram || tag === TAG_inlined_subroutine || tag === TAG_compile_unit ||
        tag === TAG_partial_unit || (SCOPE_TAGS.has(tag) && !cLanguage);
      if (!interesting) {
        const size = fixedSizeOf(abbrev, unit);
        if (size >= 0) r.pos += size;
        else for (let i = 1; i < specs.length; i += 3) skipForm(r, specs[i]!, unit);
        if (abbrev.children) scope.push(OTHER);
        continue;
      }
      const d: DieValues = { highIsOffset: false, rangesIsIndex: false, callFile: 0, callLine: 0 };
      for (let i = 0; i < specs.length; i += 3) {
        const form = specs[i + 1]!;
        const v = readForm(r, form, unit, specs[i + 2]!);
        switch (specs[i]) {
          case AT.name: d.name = lazy(form, v); break;
          case AT.linkage_name: case AT.MIPS_linkage_name: d.linkage = lazy(form, v); break;
          case AT.low_pc: if (typeof v === 'number') d.lowPc = addr(form, v); break;
          case AT.high_pc:
            if (typeof v === 'number') {
              d.highIsOffset = isConstantForm(form);
              d.highPc = d.highIsOffset ? v : addr(form, v);
            }
            break;
          case AT.ranges:
            if (typeof v === 'number') {
              d.ranges = v;
              d.rangesIsIndex = form === F.rnglistx;
            }
            break;
          case AT.abstract_origin: case AT.specification:
            if (typeof v === 'number') d.ref = form === F.ref_addr ? v : unitStart + v;
            break;
          case AT.call_file: if (typeof v === 'number') d.callFile = v; break;
          case AT.call_line: if (typeof v === 'number') d.callLine = v; break;
          case AT.stmt_list: if (typeof v === 'number') d.stmtList = v; break;
          case AT.language: if (typeof v === 'number' && tag === TAG_compile_unit) cLanguage = C_LANGUAGES.has(v); break;
          case AT.comp_dir: d.compDir = str(form, v); break;
          case AT.str_offsets_base: if (typeof v === 'number') unit.strOffsetsBase = v; break;
          case AT.addr_base: case AT.GNU_addr_base: if (typeof v === 'number') unit.addrBase = v; break;
          case AT.rnglists_base: if (typeof v === 'number') unit.rnglistsBase = v; break;
        }
      }
      let entry = OTHER;
      if (tag === TAG_compile_unit || tag === TAG_partial_unit) {
        cu.name = decodeName(d.name);
        cu.compDir = d.compDir;
        cu.stmtList = d.stmtList;
        unit.lowPc = d.lowPc ?? 0;
      } else if (tag === TAG_subprogram) {
        names.set(dieOffset, { name: d.name ?? d.linkage, scope: currentScope, ref: d.ref });
        const ranges = rangesOf(d, unit, s);
        if (ranges.length) {
          const fn: FunctionEntry = { die: dieOffset, ranges, unit: unitIndex, inlined: [] };
          functions.push(fn);
          entry = { kind: 'function', fn, outer: currentFn };
        }
      } else if (tag === TAG_inlined_subroutine) {
        const fn = currentFn;
        const ranges = rangesOf(d, unit, s);
        if (fn && ranges.length && d.ref !== undefined) {
          fn.inlined.push({ ranges, depth: inlineDepth + 1, origin: d.ref, callFile: d.callFile, callLine: d.callLine });
        }
        entry = INLINE;
      } else if (SCOPE_TAGS.has(tag)) entry = { kind: 'scope', outerScope: currentScope };
      if (abbrev.children) {
        scope.push(entry);
        if (entry.kind === 'inline') inlineDepth++;
        else if (entry.kind === 'function') currentFn = entry.fn;
        else if (entry.kind === 'scope') currentScope = d.name === undefined ? currentScope : { name: d.name, parent: currentScope };
      }
    }
    r.pos = unitEnd;
  }

  const nameOf = (die: number): string | undefined => {
    let at: number | undefined = die;
    for (let hops = 0; at !== undefined && hops < 8; hops++) {
      const rec = names.get(at);
      if (!rec) return undefined;
      if (rec.name !== undefined) return qualified(rec.scope, decodeName(rec.name)!);
      at = rec.ref;
    }
    return undefined;
  };
  return { units, functions, nameOf };
}

function decodeName(name: LazyName | undefined): string | undefined {
  return name === undefined || typeof name === 'string' ? name : cstrAt(name.table, name.offset);
}

/** `ns::Type::name` from the scopes around a function. */
function qualified(scope: ScopeNode | undefined, name: string): string {
  let q = name;
  for (let n = scope; n; n = n.parent) {
    const part = decodeName(n.name);
    if (part) q = `${part}::${q}`;
  }
  return q;
}

function rangesOf(d: DieValues, unit: UnitContext, s: DwarfSections): Ranges {
  if (d.lowPc !== undefined && d.highPc !== undefined) {
    const high = d.highIsOffset ? d.lowPc + d.highPc : d.highPc;
    return high > d.lowPc ? [[d.lowPc, high]] : [];
  }
  if (d.ranges === undefined) return [];
  return unit.version >= 5 ? rnglist(d, unit, s) : rangeList(d.ranges, unit, s.ranges);
}

/** DWARF 2–4 `.debug_ranges`: address pairs, a base-address selection entry, (0, 0) at the end. */
function rangeList(offset: number, unit: UnitContext, section: Uint8Array | undefined): Ranges {
  if (!section || offset >= section.length) return [];
  const r = new ByteReader(section, offset);
  const max = unit.addressSize === 8 ? Number.MAX_SAFE_INTEGER : 0xffffffff;
  let base = unit.lowPc;
  const out: Ranges = [];
  while (r.pos + 2 * unit.addressSize <= section.length) {
    const a = r.sized(unit.addressSize);
    const b = r.sized(unit.addressSize);
    if (a === 0 && b === 0) break;
    if (a === max || (unit.addressSize === 8 && a >= max)) base = b;
    else if (b > a) out.push([base + a, base + b]);
  }
  return out;
}

/** DWARF 5 `.debug_rnglists` (§7.25): DW_RLE_* entries. */
function rnglist(d: DieValues, unit: UnitContext, s: DwarfSections): Ranges {
  const section = s.rnglists;
  if (!section) return [];
  let offset = d.ranges!;
  if (d.rangesIsIndex) {
    offset = unit.rnglistsBase + new ByteReader(section, unit.rnglistsBase + offset * unit.offsetSize).sized(unit.offsetSize);
  }
  const addrx = (i: number): number =>
    s.addr ? new ByteReader(s.addr, unit.addrBase + i * unit.addressSize).sized(unit.addressSize) : 0;
  const r = new ByteReader(section, offset);
  let base = unit.lowPc;
  const out: Ranges = [];
  const push = (lo: number, hi: number): void => {
    if (hi > lo) out.push([lo, hi]);
  };
  while (r.pos < section.length) {
    const kind = r.u8();
    switch (kind) {
      case 0: return out;
      case 1: base = addrx(r.uleb()); break;
      case 2: { const a = addrx(r.uleb()); push(a, addrx(r.uleb())); break; }
      case 3: { const a = addrx(r.uleb()); push(a, a + r.uleb()); break; }
      case 4: { const a = r.uleb(); push(base + a, base + r.uleb()); break; }
      case 5: base = r.sized(unit.addressSize); break;
      case 6: { const a = r.sized(unit.addressSize); push(a, r.sized(unit.addressSize)); break; }
      case 7: { const a = r.sized(unit.addressSize); push(a, a + r.uleb()); break; }
      default: return out;
    }
  }
  return out;
}
