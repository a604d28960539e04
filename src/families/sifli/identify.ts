import { concatBytes } from '../../core/bytes.js';
import { deadlineIn, sleep, throwIfAborted } from '../../core/time.js';
import type { EventSink } from '../../core/events.js';
import type { Transport } from '../../transport/types.js';
import { findSifliChip, ROM_BAUD, type SifliChip } from './chips.js';
import { diagnoseSilence, waitMessage, type SifliBefore } from './connect.js';
import { NoiseLog } from './debug-link.js';
import { enterFrame, FrameScanner, REPLY_ENTER, type FrameLayout } from './frames.js';

export interface IdentifyOptions {
  transport: Transport;
  before: SifliBefore;
  /** Automatic attempts (reset pulse + knock window each). */
  attempts: number;
  /** Knock window per attempt; defaults to the ROM's listening window. */
  windowMs?: number;
  /** Then keep knocking while the person power-cycles the board. */
  wait: boolean;
  waitMs: number;
  events: EventSink;
  signal?: AbortSignal;
}

export interface Identified {
  chip: SifliChip;
  strategy: string;
  /** `debug`: the debug IP answered Enter (and stays entered); `shell`: the ROM's `msh >` prompt came. */
  via: 'debug' | 'shell';
}

/**
 * A debug IP reads the other layout's Enter as a frame of about 2 KiB (its length field in the
 * other byte order) and waits for the rest: this many zero bytes complete that frame before the
 * next knock, and are ignored between frames.
 */
const FILLER = new Uint8Array(2048 + 16);
const NEWLINE = Uint8Array.of(0x0d, 0x0a);
const PROMPT = 'msh >';
const KNOCK_MS = 75;
const ROM_WINDOW_MS = 2500;
const RUNNING_KNOCK_MS = 1000;
/** Chips the answers name: the 52 for little-endian frames (57 looks the same), the 58 for the ROM shell (55 too). */
const BY_LAYOUT: Record<FrameLayout, string> = { le: 'sf32lb52', be: 'sf32lb56' };
const SHELL_CHIP = 'sf32lb58';
const latin1 = new TextDecoder('latin1');

/**
 * Detection's sniff: one identify period's knocks (each Enter layout after a newline, the second
 * after the filler that completes the first in the 56's debug IP), at the ROM's baud.
 */
export const SIFLI_PROBE = {
  baud: ROM_BAUD,
  requests: [concatBytes([NEWLINE, enterFrame('le')]), concatBytes([FILLER, NEWLINE, enterFrame('be')])],
};

/**
 * Whether `seen` holds an SF32's answer to those knocks: a debug IP's Enter reply in either
 * layout, or the 55/58 ROM shell's prompt (which a firmware's shell may print too).
 */
export function sifliAnswered(seen: Uint8Array): boolean {
  const replied = (layout: FrameLayout): boolean => new FrameScanner(layout).push(seen).some((r) => r.kind === REPLY_ENTER);
  return replied('le') || replied('be') || latin1.decode(seen).includes(PROMPT);
}

/**
 * Which SF32 is on the line when no chip was named: the 52/57 debug IP takes little-endian
 * frames, the 56's big-endian ones, and the 55/58 ROM (BOOT_MODE high) runs an `msh >` shell. The
 * knocks alternate both Enter layouts, each after a newline for the shell, so one window tells
 * the three apart.
 */
export async function identifySifli(o: IdentifyOptions): Promise<Identified> {
  const t = o.transport;
  if (t.canSetBaud && t.baud !== ROM_BAUD) await t.setBaud(ROM_BAUD);
  if (t.canSignal) await t.setSignals({ dtr: false, rts: false });
  await sleep(100, o.signal);
  const pulse = o.before !== 'no-reset' && t.canSignal;
  const window = o.windowMs ?? (pulse ? ROM_WINDOW_MS : RUNNING_KNOCK_MS);
  const noise = new NoiseLog();
  for (let attempt = 1; attempt <= Math.max(1, o.attempts); attempt++) {
    throwIfAborted(o.signal);
    o.events({ type: 'connect-attempt', attempt, strategy: o.before });
    if (pulse) {
      await t.setSignals({ rts: true });
      await sleep(o.before === 'power-cycle' ? 500 : 100, o.signal);
      await t.setSignals({ rts: false });
    }
    const found = await knock(o, window, noise);
    if (found) return { ...found, strategy: o.before };
  }
  if (o.wait) {
    o.events({ type: 'wait-for-user', message: waitMessage(o.waitMs) });
    const found = await knock(o, o.waitMs, noise);
    if (found) return { ...found, strategy: 'power-cycle-by-hand' };
  }
  throw diagnoseSilence(noise, undefined, o.before);
}

async function knock(o: IdentifyOptions, windowMs: number, noise: NoiseLog): Promise<Omit<Identified, 'strategy'> | null> {
  const t = o.transport;
  const scanners = { le: new FrameScanner('le', (b) => noise.add(b)), be: new FrameScanner('be') };
  let text = '';
  const end = deadlineIn(windowMs);
  let first = true;
  for (let layout: FrameLayout = 'le'; performance.now() < end; layout = layout === 'le' ? 'be' : 'le') {
    if (!first) await t.write(FILLER);
    first = false;
    await t.write(NEWLINE);
    await t.write(enterFrame(layout));
    // Both layouts within one knock period, so each is knocked as often as a named chip is.
    const next = Math.min(end, deadlineIn(KNOCK_MS / 2));
    while (performance.now() < next) {
      const got = await t.read({ deadline: next, signal: o.signal });
      if (got.length === 0) continue;
      text = (text + latin1.decode(got)).slice(-64);
      for (const l of ['le', 'be'] as const) {
        if (scanners[l].push(got).some((r) => r.kind === REPLY_ENTER)) {
          // The other layout's Enter may have left the debug IP inside a long frame: complete it.
          await t.write(FILLER);
          return { chip: findSifliChip(BY_LAYOUT[l])!, via: 'debug' };
        }
      }
      if (text.includes(PROMPT)) return { chip: findSifliChip(SHELL_CHIP)!, via: 'shell' };
    }
  }
  return null;
}
