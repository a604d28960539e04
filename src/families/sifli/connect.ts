import { AnyflashError } from '../../core/errors.js';
import type { EventSink } from '../../core/events.js';
import { deadlineIn, sleep, throwIfAborted } from '../../core/time.js';
import { ROM_BAUD } from './chips.js';
import type { DebugLink, NoiseLog } from './debug-link.js';
import { REPLY_ENTER } from './frames.js';

/** `default-reset`: sftool's RTS pulse; `power-cycle`: RTS holds a load switch off long enough to drain the rail. */
export type SifliBefore = 'default-reset' | 'no-reset' | 'power-cycle';

export interface CatchOptions {
  link: DebugLink;
  chip: string;
  before: SifliBefore;
  /** Automatic attempts (≤0: until aborted). */
  attempts: number;
  /** Then keep knocking while the person power-cycles the board. */
  wait: boolean;
  waitMs: number;
  /** Period of the Enter knocks. */
  knockMs?: number;
  events: EventSink;
  signal?: AbortSignal;
}

/** The ROM listens about 2 s after power-up; a knock window a bit longer covers adapter latency. */
const ROM_WINDOW_MS = 2500;
const RUNNING_KNOCK_MS = 1000;
const DEFAULT_KNOCK_MS = 75;

/**
 * Reaches the debug IP. Knocks with Enter every ~75 ms instead of sftool's one Enter per 3–5 s, so
 * the ~2 s window after power-up is never missed; answers the ROM's `SFBL` banner with an
 * immediate knock; tells a firmware console on the debug pins apart from silence.
 * Returns the strategy that worked.
 */
export async function catchDebugIp(o: CatchOptions): Promise<string> {
  const t = o.link.transport;
  if (t.canSetBaud && t.baud !== ROM_BAUD) await t.setBaud(ROM_BAUD);
  // Opening a port asserts RTS; on boards with an RTS power switch that holds the chip off.
  if (t.canSignal) await t.setSignals({ dtr: false, rts: false });
  await sleep(100, o.signal);

  const pulse = o.before !== 'no-reset' && t.canSignal;
  if (o.before !== 'no-reset' && !t.canSignal) {
    o.events({ type: 'note', level: 'warn', message: `This port cannot drive RTS, so --before ${o.before} cannot reset the board; power-cycle it by hand when asked.` });
  }
  const window = pulse ? ROM_WINDOW_MS : RUNNING_KNOCK_MS;
  for (let attempt = 1; o.attempts <= 0 || attempt <= o.attempts; attempt++) {
    throwIfAborted(o.signal);
    o.events({ type: 'connect-attempt', attempt, strategy: o.before });
    if (pulse) {
      await t.setSignals({ rts: true });
      await sleep(o.before === 'power-cycle' ? 500 : 100, o.signal);
      await t.setSignals({ rts: false });
    }
    if (await knock(o, window)) return o.before;
  }
  if (o.wait) {
    o.events({ type: 'wait-for-user', message: waitMessage(o.waitMs) });
    if (await knock(o, o.waitMs)) return 'power-cycle-by-hand';
  }
  throw diagnoseSilence(o.link.noise, o.chip, o.before);
}

export function waitMessage(waitMs: number): string {
  return `Power-cycle or reset the board now (unplug and replug it, or press its reset/power key). Waiting up to ${Math.round(waitMs / 1000)} s…`;
}

/** Sends Enter every knock period until a D1 reply or the window ends. */
async function knock(o: CatchOptions, windowMs: number): Promise<boolean> {
  const link = o.link;
  const end = deadlineIn(windowMs);
  const period = o.knockMs ?? DEFAULT_KNOCK_MS;
  let banners = link.noise.romBanners;
  while (performance.now() < end) {
    await link.sendEnter();
    const next = Math.min(end, deadlineIn(period));
    while (performance.now() < next) {
      await link.poll(next, o.signal);
      if (link.take(REPLY_ENTER)) return true;
      // The ROM just printed its banner: knock at once rather than at the next period.
      if (link.noise.romBanners !== banners) {
        banners = link.noise.romBanners;
        break;
      }
    }
  }
  return false;
}

/** Why no SF32 answered, from what the line showed meanwhile. */
export function diagnoseSilence(noise: NoiseLog, chip: string | undefined, before: SifliBefore): AnyflashError {
  const base = { family: 'sifli', chip };
  const manual = 'Run again in a terminal and power-cycle the board (unplug/replug, or its power key) when asked: anyflash keeps knocking and catches the 2 s ROM window.';
  if (noise.sawRomBanner) {
    return new AnyflashError('no-sync-reply', 'The SF32 ROM started (SFBL) but its debug interface did not answer Enter.', {
      ...base,
      evidence: noise.lastLines().map((l) => `seen: ${l}`),
      advice: [manual, 'Check that nothing else (a second USB-UART, a debugger) drives PA18/PA19.'],
    });
  }
  if (noise.bytes > 0) {
    const readable = noise.looksLikeText;
    return new AnyflashError(
      'firmware-owns-uart',
      readable
        ? 'A running firmware prints its console on the SF32 debug pins (PA18/PA19), so the debug interface does not answer.'
        : 'Something sends unreadable bytes at 1 Mbaud on the SF32 debug pins (a firmware console at another baud?), and the debug interface does not answer.',
      {
        ...base,
        evidence: readable ? noise.lastLines().map((l) => `console: ${l}`) : [`${noise.bytes} unreadable bytes received`],
        advice: [
          manual,
          'If RTS switches the board power (auto-download circuit), use --before power-cycle.',
          'Long term: move the firmware console off PA18/PA19 or keep DBG_UART enabled in the firmware.',
        ],
      },
    );
  }
  return new AnyflashError('no-response', 'The SF32 did not answer on its debug UART.', {
    ...base,
    advice: [
      manual,
      'Check the wiring: the adapter\'s TX and RX crossed to the DBG_UART pins PA18/PA19, and a common ground.',
      before === 'no-reset' ? 'The chip may be off or crashed: power-cycle it.' : 'The RTS pulse only resets boards with an RTS-driven power switch; others need a power-cycle by hand.',
    ],
  });
}
