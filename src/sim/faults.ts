import { AnyflashError } from '../core/errors.js';
import { onNextMacrotask } from '../core/yield.js';
import type { SimDevice } from './device.js';
import type { SimLink, WireFaults } from './link.js';

/** When a one-shot fault fires: a share of the write, a flash address reached, or a time. */
export type FaultTrigger = { percent: number } | { address: number } | { ms: number };

export type FaultSpec =
  | { kind: 'corrupt' | 'drop'; rate: number }
  | { kind: 'stall' | 'vanish'; at: FaultTrigger; seconds: number }
  | { kind: 'brownout'; at: FaultTrigger }
  | { kind: 'max-baud'; baud: number }
  | { kind: 'slow-flash'; factor: number };

const usage =
  'Fault specs: corrupt=RATE, drop=RATE, stall=AT:DURATION, brownout=AT, vanish=AT:DURATION, max-baud=N, slow-flash=FACTOR; AT is 50%, 0x4f000 or 3s; DURATION is 2s, 500ms or 2 (seconds).';

function bad(spec: string, why: string): AnyflashError {
  return new AnyflashError('bad-input', `Fault "${spec}": ${why}.`, { advice: [usage] });
}

function parseRate(spec: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw bad(spec, `"${text}" is not a rate between 0 and 1`);
  return n;
}

function parseTrigger(spec: string, text: string): FaultTrigger {
  let m: RegExpExecArray | null;
  if ((m = /^(\d+(?:\.\d+)?)%$/.exec(text))) return { percent: Number(m[1]) };
  if ((m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text))) return { ms: Number(m[1]) * (m[2] === 's' ? 1000 : 1) };
  if (/^0x[0-9a-f]+$/i.test(text) || /^\d+$/.test(text)) return { address: Number(text) };
  throw bad(spec, `"${text}" is not a trigger (50%, 0x4f000 or 3s)`);
}

/** A duration: `2s`, `500ms`, or plain seconds (`2`, `0.5`). */
function parseSeconds(spec: string, text: string | undefined): number {
  if (text === undefined || text === '') throw bad(spec, 'needs a duration after the trigger, e.g. :2s, :500ms or :2 (seconds)');
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text);
  if (!m) throw bad(spec, `"${text}" is not a duration (2s, 500ms, or 2 for seconds)`);
  return Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
}

/** Parses one `--fault` value. */
export function parseFault(spec: string): FaultSpec {
  const eq = spec.indexOf('=');
  if (eq < 0) throw bad(spec, 'expected KIND=VALUE');
  const kind = spec.slice(0, eq);
  const value = spec.slice(eq + 1);
  switch (kind) {
    case 'corrupt':
    case 'drop':
      return { kind, rate: parseRate(spec, value) };
    case 'stall':
    case 'vanish': {
      const parts = value.split(':');
      if (parts.length > 2) throw bad(spec, `expected ${kind}=AT:DURATION with one colon, e.g. ${kind}=50%:2s`);
      return { kind, at: parseTrigger(spec, parts[0]!), seconds: parseSeconds(spec, parts[1]) };
    }
    case 'brownout':
      return { kind, at: parseTrigger(spec, value) };
    case 'max-baud': {
      const baud = Number(value);
      if (!Number.isInteger(baud) || baud <= 0) throw bad(spec, `"${value}" is not a baud rate`);
      return { kind, baud };
    }
    case 'slow-flash': {
      const factor = Number(value);
      if (!Number.isFinite(factor) || factor <= 0) throw bad(spec, `"${value}" is not a factor`);
      return { kind, factor };
    }
    default:
      throw bad(spec, `unknown fault "${kind}"`);
  }
}

function describeTrigger(at: FaultTrigger): string {
  if ('percent' in at) return `${at.percent}% of a write`;
  if ('address' in at) return `0x${at.address.toString(16)}`;
  return `${at.ms / 1000} s`;
}

/** Deterministic PRNG (mulberry32) so a seed reproduces a fault run exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultHooks {
  /** The port disappears for `ms` (in-process transport errors; TCP connection dropped and refused). */
  vanish?(ms: number): void;
}

export interface FaultOptions {
  seed?: number;
  /**
   * Bytes that `N%` triggers refer to, counted over the whole session. Without it, `N%` is a share of
   * the write in progress: the range the flasher last announced (ESP FLASH_BEGIN, SiFli
   * burn_erase_write, a Beken erase unit), so a small file is hit as surely as a large one.
   */
  writeSize?: number;
}

/**
 * Applies fault specs to a simulated device and its link: byte corruption/loss on the wire,
 * one-shot stalls, brownouts and vanishes at a trigger, a baud ceiling, slower flash.
 */
export class FaultPlan implements WireFaults {
  readonly fired: string[] = [];
  private readonly random: () => number;
  private stalledUntil = 0;
  private programmed = 0;
  /** The announced write in progress and the bytes programmed inside it. */
  private current: { start: number; end: number; programmed: number } | undefined;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private pending: Array<{ spec: FaultSpec & { at: FaultTrigger }; done: boolean }> = [];

  constructor(
    readonly specs: readonly FaultSpec[],
    private readonly options: FaultOptions = {},
  ) {
    this.random = seededRandom(options.seed ?? 1);
  }

  attach(link: SimLink, hooks: FaultHooks = {}): void {
    const device = link.device;
    link.faults = this;
    for (const spec of this.specs) {
      if (spec.kind === 'slow-flash') device.flash.slowFactor = spec.factor;
      if ('at' in spec) {
        const entry = { spec, done: false };
        this.pending.push(entry);
        if ('ms' in spec.at) this.timers.push(setTimeout(() => this.fire(entry, device, hooks), spec.at.ms));
      }
    }
    const writeSize = this.options.writeSize;
    device.flash.onWriteBegin.push((address, size) => {
      if (size > 0) this.current = { start: address, end: address + size, programmed: 0 };
    });
    device.flash.onProgram.push((address, length) => {
      this.programmed += length;
      const current = this.current;
      if (current && address < current.end && address + length > current.start) current.programmed += length;
      const share =
        writeSize !== undefined ? this.programmed / writeSize : current ? current.programmed / (current.end - current.start) : this.programmed / device.flash.size;
      for (const entry of this.pending) {
        if (entry.done) continue;
        const at = entry.spec.at;
        const hit = ('address' in at && address + length > at.address) || ('percent' in at && share * 100 >= at.percent);
        if (hit) this.fire(entry, device, hooks);
      }
    });
  }

  /** One-shot faults that never fired (a trigger past the end of what was written, or a time not reached). */
  unfired(): string[] {
    return this.pending.filter((e) => !e.done).map((e) => `${e.spec.kind} at ${describeTrigger(e.spec.at)}`);
  }

  private fire(entry: { spec: FaultSpec & { at: FaultTrigger }; done: boolean }, device: SimDevice, hooks: FaultHooks): void {
    if (entry.done) return;
    entry.done = true;
    const spec = entry.spec;
    this.fired.push(spec.kind);
    // Outside the flash write path, so the device model finishes the call that triggered it.
    onNextMacrotask(() => {
      if (spec.kind === 'brownout') device.brownout();
      else if (spec.kind === 'stall') this.stalledUntil = performance.now() + spec.seconds * 1000;
      else if (spec.kind === 'vanish') hooks.vanish?.(spec.seconds * 1000);
    });
  }

  toDevice(bytes: Uint8Array, link: SimLink): Uint8Array {
    return this.damage(bytes, link);
  }

  toHost(bytes: Uint8Array, link: SimLink): Uint8Array {
    return this.damage(bytes, link);
  }

  private damage(bytes: Uint8Array, link: SimLink): Uint8Array {
    if (performance.now() < this.stalledUntil) return new Uint8Array(0);
    let out = bytes;
    for (const spec of this.specs) {
      if (spec.kind === 'corrupt' && spec.rate > 0) {
        for (let i = 0; i < out.length; i++) if (this.random() < spec.rate) out[i]! ^= 1 << ((this.random() * 8) | 0);
      } else if (spec.kind === 'drop' && spec.rate > 0) {
        out = out.filter(() => this.random() >= spec.rate);
      } else if (spec.kind === 'max-baud' && link.device.baud > spec.baud) {
        for (let i = 0; i < out.length; i++) if (this.random() < 0.2) out[i] = (this.random() * 256) | 0;
      }
    }
    return out;
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }
}
