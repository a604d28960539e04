/**
 * Address → function, file:line and inlined-into, from an ELF's symbol table and DWARF (2–5):
 * our own reader, no toolchain binaries, browser-safe. Indexing builds sorted typed arrays once;
 * each lookup is a few binary searches.
 */
import { parseElf, SHF_EXECINSTR, STT_FUNC, STT_NOTYPE, EM_ARM, type ElfFile } from './elf.js';
import { parseDebugInfo, type DebugInfo, type DwarfSections, type FunctionEntry } from './dwarf-info.js';
import { runLineProgram, type DebugStrings } from './dwarf-line.js';
import { demangle } from './demangle.js';

/** One frame of a decoded address: innermost (the inlined callee) first, like `addr2line -i`. */
export interface SourceFrame {
  function?: string;
  file?: string;
  line?: number;
  /** True when this frame was inlined into the next one. */
  inlined: boolean;
}

export interface Symbolizer {
  readonly machine: number;
  /** Executable address ranges of the ELF ([start, end)). */
  readonly codeRanges: ReadonlyArray<readonly [number, number]>;
  isCode(address: number): boolean;
  /** Frames for `address`, innermost first; empty when the ELF knows nothing about it. */
  lookup(address: number): SourceFrame[];
  /** Counts, for reports and benchmarks. */
  readonly stats: { symbols: number; lineRows: number; functions: number; inlined: number; files: number };
  /** Debug data that could not be read (the rest still decodes); empty when all was read. */
  readonly problems: string[];
}

/** Finds the last index i with keys[i] <= x (or -1). */
function floorIndex(keys: Uint32Array | Float64Array, x: number, n = keys.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Rows of every line program, sorted by address; a `file` of -1 marks the end of a sequence. */
class LineIndex {
  addr: Float64Array;
  file: Int32Array;
  line: Uint32Array;
  length = 0;

  constructor(capacity: number) {
    this.addr = new Float64Array(capacity);
    this.file = new Int32Array(capacity);
    this.line = new Uint32Array(capacity);
  }

  push(a: number, f: number, l: number): void {
    if (this.length === this.addr.length) {
      const grow = <T extends Float64Array | Int32Array | Uint32Array>(old: T, make: (n: number) => T): T => {
        const next = make(old.length * 2);
        next.set(old);
        return next;
      };
      this.addr = grow(this.addr, (n) => new Float64Array(n));
      this.file = grow(this.file, (n) => new Int32Array(n));
      this.line = grow(this.line, (n) => new Uint32Array(n));
    }
    this.addr[this.length] = a;
    this.file[this.length] = f;
    this.line[this.length] = l;
    this.length++;
  }
}

function sectionMap(elf: ElfFile): Map<string, Uint8Array> {
  return new Map(elf.sections.map((s) => [s.name, s.data]));
}

export function createSymbolizer(bytes: Uint8Array, fileName = 'app.elf'): Symbolizer {
  return symbolizerFor(parseElf(bytes, fileName));
}

export function symbolizerFor(elf: ElfFile): Symbolizer {
  const sections = sectionMap(elf);
  const codeRanges = elf.sections
    .filter((s) => (s.flags & SHF_EXECINSTR) !== 0 && s.size > 0)
    .map((s) => [s.addr, s.addr + s.size] as const)
    .sort((a, b) => a[0] - b[0]);
  const isCode = (a: number): boolean => {
    for (const [lo, hi] of codeRanges) if (a >= lo && a < hi) return true;
    return false;
  };

  // Symbol table: functions by start address (ARM Thumb symbols carry bit 0).
  const thumb = elf.machine === EM_ARM;
  // Functions, and untyped labels in code (assembly entry points, ROM ELFs' `_start`), as addr2line
  // names them; compiler-local labels (`.L…`, `$x`) are no names.
  const execSections = new Set(elf.sections.flatMap((s, i) => ((s.flags & SHF_EXECINSTR) !== 0 ? [i] : [])));
  const funcs = elf.symbols
    .filter((s) => s.shndx !== 0 && (s.type === STT_FUNC || (s.type === STT_NOTYPE && execSections.has(s.shndx ?? 0) && !/^[.$]/.test(s.name))))
    .map((s) => ({ name: demangle(s.name), start: thumb ? s.value & ~1 : s.value, size: s.size }))
    .sort((a, b) => a.start - b.start || b.size - a.size);
  const symStart = Float64Array.from(funcs, (f) => f.start);
  const symbolAt = (a: number): string | undefined => {
    const i = floorIndex(symStart, a);
    if (i < 0) return undefined;
    const f = funcs[i]!;
    if (f.size > 0 ? a < f.start + f.size : isCode(a) && (i + 1 >= funcs.length || a < funcs[i + 1]!.start)) return f.name;
    return undefined;
  };

  const dwarf: DwarfSections = {
    info: sections.get('.debug_info'), abbrev: sections.get('.debug_abbrev'), str: sections.get('.debug_str'),
    lineStr: sections.get('.debug_line_str'), strOffsets: sections.get('.debug_str_offsets'),
    addr: sections.get('.debug_addr'), ranges: sections.get('.debug_ranges'), rnglists: sections.get('.debug_rnglists'),
  };
  const problems: string[] = [];
  let info: DebugInfo;
  try {
    info = parseDebugInfo(dwarf);
  } catch (e) {
    // Damaged or unsupported .debug_info: names and lines still come from the symbol and line tables.
    problems.push(`.debug_info: ${(e as Error).message}`);
    info = { units: [], functions: [], nameOf: () => undefined };
  }

  // Line programs: one per unit (or every program in order when there is no .debug_info).
  const debugLine = sections.get('.debug_line');
  const strings: DebugStrings = { str: dwarf.str, lineStr: dwarf.lineStr };
  const fileNames: string[] = [];
  const fileIds = new Map<string, number>();
  const fileId = (path: string): number => {
    let id = fileIds.get(path);
    if (id === undefined) {
      id = fileNames.length;
      fileNames.push(path);
      fileIds.set(path, id);
    }
    return id;
  };
  /** Per-unit file table (global ids), for DW_AT_call_file. */
  const unitFiles = new Map<number, number[]>();
  const rows = new LineIndex(1 << 14);
  /** Sequences as [start row, end row (exclusive), first address]. */
  const sequences: Array<[number, number, number]> = [];
  if (debugLine) {
    const programs = new Map<number, number[]>();
    const runUnit = (offset: number, compDir: string | undefined): number[] => {
      const known = programs.get(offset);
      if (known) return known;
      const ids = runProgram(debugLine, offset, compDir);
      programs.set(offset, ids);
      return ids;
    };
    // File indexes in the rows are the program's own until its header's table is known, then global ids.
    const runProgram = (section: Uint8Array, offset: number, compDir: string | undefined): number[] => {
      let seqStart = rows.length;
      const firstRow = rows.length;
      const firstSequence = sequences.length;
      let result: ReturnType<typeof runLineProgram>;
      try {
        result = runLineProgram(section, offset, strings, compDir, {
          row: (a, f, l) => rows.push(a, f, l),
          endSequence: (a) => {
            rows.push(a, -1, 0);
            const first = rows.addr[seqStart]!;
            if (rows.length - seqStart > 1 && isCode(first)) sequences.push([seqStart, rows.length, first]);
            else rows.length = seqStart;
            seqStart = rows.length;
          },
        });
      } catch (e) {
        // One damaged line program: drop what it produced, keep the others.
        problems.push(`.debug_line at 0x${offset.toString(16)}: ${(e as Error).message}`);
        sequences.length = firstSequence;
        rows.length = firstRow;
        return [];
      }
      rows.length = seqStart;
      const ids = result.files.map((f) => (f ? fileId(f) : -1));
      for (let i = firstRow; i < rows.length; i++) if (rows.file[i]! >= 0) rows.file[i] = ids[rows.file[i]!] ?? -1;
      return ids;
    };
    if (info.units.length) {
      info.units.forEach((u, i) => {
        if (u.stmtList !== undefined && u.stmtList < debugLine.length) unitFiles.set(i, runUnit(u.stmtList, u.compDir));
      });
    } else {
      for (let off = 0; off + 4 < debugLine.length;) off = nextProgram(debugLine, off, (o) => runUnit(o, undefined));
    }
  }

  // Sequences sorted by start address, then rows copied into one address-ordered array.
  sequences.sort((a, b) => a[2] - b[2]);
  const n = rows.length;
  const lineAddr = new Float64Array(n);
  const lineFile = new Int32Array(n);
  const lineNo = new Uint32Array(n);
  let k = 0;
  for (const [from, to] of sequences) {
    lineAddr.set(rows.addr.subarray(from, to), k);
    lineFile.set(rows.file.subarray(from, to), k);
    lineNo.set(rows.line.subarray(from, to), k);
    k += to - from;
  }

  // Function ranges (DWARF) sorted by start, each pointing at its function entry.
  const fnRanges: Array<[number, number, FunctionEntry]> = [];
  let inlinedCount = 0;
  for (const fn of info.functions) {
    inlinedCount += fn.inlined.length;
    for (const [lo, hi] of fn.ranges) if (isCode(lo)) fnRanges.push([lo, hi, fn]);
  }
  fnRanges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const fnStart = Float64Array.from(fnRanges, (r) => r[0]);

  const lineAt = (a: number): { file?: string; line?: number } => {
    const i = floorIndex(lineAddr, a, k);
    if (i < 0 || lineFile[i]! < 0) return {};
    return { file: fileNames[lineFile[i]!], line: lineNo[i]! };
  };
  const functionAt = (a: number): FunctionEntry | undefined => {
    // Ranges rarely nest; look back a few entries for one that still covers the address.
    for (let i = floorIndex(fnStart, a), steps = 0; i >= 0 && steps < 8; i--, steps++) {
      if (a < fnRanges[i]![1]) return fnRanges[i]![2];
    }
    return undefined;
  };

  const lookup = (address: number): SourceFrame[] => {
    const here = lineAt(address);
    const fn = functionAt(address);
    if (!fn) {
      const name = symbolAt(address);
      return name || here.file ? [{ function: name, ...here, inlined: false }] : [];
    }
    const chain = fn.inlined
      .filter((c) => c.ranges.some(([lo, hi]) => address >= lo && address < hi))
      .sort((x, y) => y.depth - x.depth);
    const files = unitFiles.get(fn.unit) ?? [];
    const frames: SourceFrame[] = [];
    let loc = here;
    for (const call of chain) {
      frames.push({ function: info.nameOf(call.origin), ...loc, inlined: true });
      const id = files[call.callFile];
      loc = { file: id !== undefined && id >= 0 ? fileNames[id] : undefined, line: call.callLine };
    }
    frames.push({ function: info.nameOf(fn.die) ?? symbolAt(address), ...loc, inlined: false });
    // Line 0 marks code with no source line of its own: like addr2line, such inlined frames are left out.
    return frames.filter((f) => !(f.inlined && f.line === 0));
  };

  return {
    machine: elf.machine,
    codeRanges,
    isCode,
    lookup,
    problems,
    stats: { symbols: funcs.length, lineRows: k, functions: info.functions.length, inlined: inlinedCount, files: fileNames.length },
  };
}

/** Offset of the line program after the one at `offset` (runs `visit` on it first). */
function nextProgram(section: Uint8Array, offset: number, visit: (offset: number) => void): number {
  visit(offset);
  const v = new DataView(section.buffer, section.byteOffset, section.byteLength);
  const first = v.getUint32(offset, true);
  return first === 0xffffffff ? offset + 12 + v.getUint32(offset + 4, true) : offset + 4 + first;
}
