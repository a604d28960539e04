/**
 * Picks code addresses out of a serial console line and decodes them against the firmware's ELF
 * (and optional ROM ELFs): ESP-IDF panics on Xtensa (`Backtrace: PC:SP …`, `PC`, `A0`, `EXCVADDR`)
 * and RISC-V (`MEPC`, `RA`, `Stack memory:` words), `abort() was called at PC`, asserts, Rust
 * esp-backtrace addresses, and any other address that falls in the ELF's code. Pure: no I/O.
 */
import type { SourceFrame, Symbolizer } from '../formats/symbolizer.js';

export type AddressRole = 'pc' | 'return' | 'backtrace' | 'abort' | 'stack' | 'address';

export interface DecodedAddress {
  /** The address as printed. */
  address: number;
  role: AddressRole;
  /** Register name when it came from a register dump (`PC`, `MEPC`, `RA`, `A0`). */
  register?: string;
  frames: SourceFrame[];
}

export type CrashKind = 'panic' | 'abort' | 'assert' | 'rust-panic' | 'backtrace' | 'brownout' | 'watchdog';

export interface DecodedLine {
  /** Set when the line starts or announces a crash report. */
  crash?: { kind: CrashKind; message: string };
  addresses: DecodedAddress[];
  /** Notes on data addresses (EXCVADDR / MTVAL near 0: a null pointer). */
  notes: string[];
}

const HEX = /0x([0-9a-fA-F]{1,8})\b/g;
const REGISTER = /\b(PC|MEPC|RA|A0|EXCVADDR|MTVAL)\s*:\s*0x([0-9a-fA-F]{8})/g;
/** A register dump line (`NAME : 0x…` pairs): only the registers above are code addresses. */
const REGISTER_LINE = /(?:^|\s|\])[A-Z][A-Z0-9/]*\s*:\s*0x[0-9a-fA-F]{8}\s+[A-Z][A-Z0-9/]*\s*:/;
const STACK_LINE = /^\s*[0-9a-fA-F]{8}:\s+0x[0-9a-fA-F]{8}/;
/** Lines whose addresses are load addresses or already decoded, not code to look up. */
const SKIP = [/^\s*load:0x/, /^\s*entry 0x/, /^\s*--- 0x/, /^\s*0x[0-9a-fA-F]+: .+ at .+:\d+/];

const CRASH_PATTERNS: Array<[RegExp, CrashKind]> = [
  [/Guru Meditation Error:.*|Guru Meditation Error of type .*/, 'panic'],
  [/abort\(\) was called at PC 0x[0-9a-fA-F]+.*/, 'abort'],
  [/assert failed:.*|.*- assert failed!|assertion ".*" failed.*/, 'assert'],
  [/panicked at .*|!! A panic occured .*|====================== PANIC ======================/, 'rust-panic'],
  [/Brownout detector was triggered/, 'brownout'],
  [/Task watchdog got triggered.*|Interrupt wdt timeout on CPU\d.*/, 'watchdog'],
];

/** Xtensa windowed-ABI return address in A0: top bits hold the window increment; the call is 3 bytes back. */
function xtensaReturnAddress(a0: number): number {
  return (((a0 & 0x3fffffff) | 0x40000000) >>> 0) - 3;
}

export class CrashDecoder {
  /** The app ELF first, then any ROM ELFs: the first that knows an address names it. */
  constructor(
    private readonly symbolizers: readonly Symbolizer[],
    private readonly xtensa = symbolizers[0]?.machine === 0x5e,
  ) {}

  isCode(address: number): boolean {
    return this.symbolizers.some((s) => s.isCode(address));
  }

  lookup(address: number): SourceFrame[] {
    for (const s of this.symbolizers) {
      if (!s.isCode(address)) continue;
      const frames = s.lookup(address);
      if (frames.length) return frames;
    }
    return [];
  }

  decodeLine(rawLine: string): DecodedLine {
    // ANSI colour codes would hide a register name from the patterns.
    const line = rawLine.replace(/\x1b\[[0-9;]*m/g, '');
    const out: DecodedLine = { addresses: [], notes: [] };
    for (const [re, kind] of CRASH_PATTERNS) {
      const m = re.exec(line);
      if (m) {
        out.crash = { kind, message: m[0].trim() };
        break;
      }
    }
    if (!out.crash && /^\s*Backtrace:/.test(line)) out.crash = { kind: 'backtrace', message: 'Backtrace' };
    if (SKIP.some((re) => re.test(line))) return out;

    const seen = new Set<number>();
    const add = (address: number, role: AddressRole, register?: string, lookupAt = address): void => {
      if (seen.has(address) || !this.isCode(lookupAt)) return;
      seen.add(address);
      out.addresses.push({ address, role, ...(register ? { register } : {}), frames: this.lookup(lookupAt) });
    };

    const registers = REGISTER_LINE.test(line);
    for (const m of registers ? line.matchAll(REGISTER) : []) {
      const name = m[1]!;
      const value = parseInt(m[2]!, 16);
      if (name === 'EXCVADDR' || name === 'MTVAL') {
        if (value < 0x1000) out.notes.push(`${name} 0x${value.toString(16).padStart(8, '0')}: an access through a null pointer`);
        else add(value, 'address', name);
      } else if (name === 'A0') {
        // Only Xtensa's A0 is a return address (RISC-V's A0 is an argument).
        if (this.xtensa) add(value, 'return', name, xtensaReturnAddress(value));
      } else add(value, name === 'RA' ? 'return' : 'pc', name);
    }
    if (registers) return out;

    const backtrace = /Backtrace:/.test(line);
    const abort = /abort\(\) was called at PC/.test(line);
    const stack = STACK_LINE.test(line);
    // (A stack dump's first column, the stack address, has no 0x and is not matched.)
    for (const m of line.matchAll(HEX)) {
      add(parseInt(m[1]!, 16), backtrace ? 'backtrace' : abort ? 'abort' : stack ? 'stack' : 'address');
    }
    return out;
  }
}

function frameText(f: SourceFrame): string {
  const where = f.file ? ` at ${f.file}${f.line ? `:${f.line}` : ''}` : '';
  return `${f.function ?? '??'}${where}`;
}

/** Lines to print under the console line, one per address (inlined callers indented below). */
export function formatDecoded(d: DecodedLine): string[] {
  const lines: string[] = [];
  for (const note of d.notes) lines.push(`  ${note}`);
  for (const a of d.addresses) {
    const hex = `0x${a.address.toString(16).padStart(8, '0')}`;
    const label = a.register ? `${a.register} ${hex}` : hex;
    if (!a.frames.length) {
      lines.push(`  ${label}: ??`);
      continue;
    }
    lines.push(`  ${label}: ${frameText(a.frames[0]!)}${a.role === 'stack' ? ' (on the stack)' : ''}`);
    for (const f of a.frames.slice(1)) lines.push(`  ${' '.repeat(label.length)}  inlined into ${frameText(f)}`);
  }
  return lines;
}
