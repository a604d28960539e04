/**
 * DWARF `.debug_line` line-number programs, versions 2 to 5 (DWARF 5 §6.2): the header's directory
 * and file tables (v5: described by entry formats, strings often in `.debug_line_str`) and the
 * state machine that turns opcodes into (address → file, line) rows. Pure and browser-safe.
 */
import { ByteReader, cstrAt, F, readForm, type UnitShape } from './dwarf-reader.js';

export interface DebugStrings {
  str?: Uint8Array;
  lineStr?: Uint8Array;
}

export interface LineProgramHeader {
  version: number;
  /** Full paths, indexed as DW_LNS_set_file and DW_AT_call_file count (v2–4: from 1, index 0 unused; v5: from 0). */
  files: string[];
}

/** Receives rows sequence by sequence; `file` is an index into the header's `files`. */
export interface LineSink {
  row(address: number, file: number, line: number): void;
  endSequence(address: number): void;
}

const LNCT_path = 1;
const LNCT_directory_index = 2;

function joinPath(dir: string | undefined, name: string): string {
  if (!dir || name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) return name;
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : `${dir}/${name}`;
}

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path);
}

/** A v5 directory/file entry: reads each described field, keeps the path and directory index. */
function readEntries(r: ByteReader, unit: UnitShape, strings: DebugStrings): Array<{ path: string; dir: number }> {
  const formatCount = r.u8();
  const format: Array<[number, number]> = [];
  for (let i = 0; i < formatCount; i++) format.push([r.uleb(), r.uleb()]);
  const count = r.uleb();
  const out: Array<{ path: string; dir: number }> = [];
  for (let i = 0; i < count; i++) {
    let path = '';
    let dir = 0;
    for (const [type, form] of format) {
      const v = readForm(r, form, unit, 0);
      if (type === LNCT_path) {
        if (typeof v === 'string') path = v;
        else if (typeof v === 'number') {
          const table = form === F.line_strp ? strings.lineStr : form === F.strp ? strings.str : undefined;
          path = table ? cstrAt(table, v) : '';
        }
      } else if (type === LNCT_directory_index && typeof v === 'number') dir = v;
    }
    out.push({ path, dir });
  }
  return out;
}

/**
 * Runs the line program at `offset`, feeding rows to `sink`. `compDir` is the unit's DW_AT_comp_dir
 * (v2–4 headers leave it implicit as directory 0). Returns the header's file table and the offset just
 * past the program.
 */
export function runLineProgram(
  section: Uint8Array,
  offset: number,
  strings: DebugStrings,
  compDir: string | undefined,
  sink: LineSink,
): LineProgramHeader & { next: number } {
  const r = new ByteReader(section, offset);
  const { length, offsetSize } = r.initialLength();
  const end = r.pos + length;
  const version = r.u16();
  if (version < 2 || version > 5) throw new RangeError(`unsupported .debug_line version ${version}`);
  let addressSize = 4;
  if (version >= 5) {
    addressSize = r.u8();
    r.u8(); // segment selector size
  }
  const headerLength = r.sized(offsetSize);
  const programStart = r.pos + headerLength;
  const minInst = r.u8();
  if (version >= 4) r.u8(); // maximum_operations_per_instruction: VLIW only, not on our targets
  r.u8(); // default_is_stmt: every row counts for address lookup
  const lineBase = (r.u8() << 24) >> 24;
  const lineRange = r.u8();
  const opcodeBase = r.u8();
  const argCounts: number[] = [0];
  for (let i = 1; i < opcodeBase; i++) argCounts.push(r.u8());
  const unit: UnitShape = { version, addressSize, offsetSize };

  const files: string[] = [];
  if (version >= 5) {
    const dirs = readEntries(r, unit, strings).map((d) => d.path);
    const base = dirs[0] ?? compDir;
    const fullDirs = dirs.map((d, i) => (i === 0 || isAbsolute(d) ? d : joinPath(base, d)));
    for (const f of readEntries(r, unit, strings)) files.push(joinPath(fullDirs[f.dir], f.path));
  } else {
    const dirs: Array<string | undefined> = [compDir];
    for (let d = r.cstr(); d; d = r.cstr()) dirs.push(isAbsolute(d) ? d : joinPath(compDir, d));
    files.push('');
    for (let name = r.cstr(); name; name = r.cstr()) {
      const dir = r.uleb();
      r.uleb(); // modification time
      r.uleb(); // length
      files.push(joinPath(dirs[dir], name));
    }
  }

  r.pos = programStart;
  let address = 0;
  let file = 1;
  let line = 1;
  const reset = (): void => {
    address = 0;
    file = 1;
    line = 1;
  };
  while (r.pos < end) {
    const op = r.u8();
    if (op >= opcodeBase) {
      const adj = op - opcodeBase;
      address += Math.floor(adj / lineRange) * minInst;
      line += lineBase + (adj % lineRange);
      sink.row(address, file, line);
      continue;
    }
    switch (op) {
      case 0: {
        const len = r.uleb();
        const next = r.pos + len;
        const sub = r.u8();
        if (sub === 1) {
          sink.endSequence(address);
          reset();
        } else if (sub === 2) address = r.sized(len - 1);
        else if (sub === 3) {
          // DW_LNE_define_file (v2–4): a file added mid-program.
          const name = r.cstr();
          const dir = r.uleb();
          files.push(dir === 0 ? joinPath(compDir, name) : name);
        }
        r.pos = next;
        break;
      }
      case 1: sink.row(address, file, line); break;
      case 2: address += r.uleb() * minInst; break;
      case 3: line += r.sleb(); break;
      case 4: file = r.uleb(); break;
      case 5: r.uleb(); break;
      case 6: case 7: break;
      case 8: address += Math.floor((255 - opcodeBase) / lineRange) * minInst; break;
      case 9: address += r.u16(); break;
      case 10: case 11: break;
      default:
        for (let i = 0; i < argCounts[op]!; i++) r.uleb();
    }
  }
  return { version, files, next: end };
}
