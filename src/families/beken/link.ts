/**
 * Getting and keeping the bus: CEN reset through DTR/RTS, LinkCheck spam inside the boot window,
 * draining the leftover replies, and the working baud with automatic step-down (reference §2).
 */
import { AnyflashError } from '../../core/errors.js';
import { printable } from '../../core/bytes.js';
import type { EventSink } from '../../core/events.js';
import { sleep, throwIfAborted } from '../../core/time.js';
import type { Transport } from '../../transport/types.js';
import { BAUD_LADDER, LINK_BAUD } from './chips.js';
import * as cmd from './commands.js';
import { Short } from './frames.js';
import { BekenSession } from './session.js';

export interface LinkSettings {
  /** `default`/`hard` pulse CEN through DTR/RTS; `no-reset` only knocks. */
  before: string;
  /** Reset + knock rounds before giving up (≤0: until aborted). */
  attempts: number;
  /** Keep knocking while the person power-cycles the device. */
  wait: boolean;
  waitMs: number;
  /** Knock round after each reset (detection's short attempt uses less than the default 1 s). */
  knockMs?: number;
  events: EventSink;
  signal?: AbortSignal;
}

/** How long one knock round lasts after a reset: the loaders listen ~400 ms. */
const KNOCK_MS = 1000;
/** OpenBeken's console command to reboot (after a newline that ends any garbage the LinkChecks left). */
const FIRMWARE_REBOOT = new TextEncoder().encode('\r\nreboot\r\n');
/** How long to knock at the working baud for a chip still linked from an earlier session. */
const STILL_LINKED_MS = 150;
/** Read window per LinkCheck of the spam (bk7231tools: 5 ms). */
const LINK_READ_MS = 5;
/** Pause between SetBaudRate and the host's own switch (half the requested delay, as the tools do). */
const BAUD_DELAY_MS = 20;

export class BekenLink {
  readonly session: BekenSession;
  /** The reset strategy that got the bus, for `info`. */
  strategy = 'none';
  /** Baud the host and chip agree on now. */
  baud = LINK_BAUD;
  /** Requested working baud; the step-down lowers it. */
  target = LINK_BAUD;
  /** Times the bus was lost and regained. */
  relinks = 0;

  constructor(
    readonly transport: Transport,
    readonly settings: LinkSettings,
  ) {
    this.session = new BekenSession(transport, settings.events);
  }

  private get events(): EventSink {
    return this.settings.events;
  }

  /** Pulses CEN low through both lines (wiring to either works), then releases it. */
  async pulseReset(): Promise<void> {
    await this.transport.setSignals({ dtr: true, rts: true });
    await sleep(50, this.settings.signal);
    await this.transport.setSignals({ dtr: false, rts: false });
  }

  /**
   * Links at 115200: resets and knocks in rounds, then (optionally) waits for a hand power-cycle.
   * `workingBaud`: after a failed first round, also knock there briefly — without a reset wire, a
   * BootROM chip left in download mode by an earlier session still listens at that rate.
   */
  async connect(workingBaud = LINK_BAUD): Promise<void> {
    const s = this.settings;
    if (this.transport.baud !== LINK_BAUD) await this.transport.setBaud(LINK_BAUD);
    this.baud = LINK_BAUD;
    // Drivers assert DTR and RTS on open; with RTS on CEN that holds the chip in reset.
    if (this.transport.canSignal) await this.transport.setSignals({ dtr: false, rts: false });
    const reset = s.before !== 'no-reset' && this.transport.canSignal;
    const seen: number[] = [];
    for (let attempt = 1; s.attempts <= 0 || attempt <= s.attempts; attempt++) {
      throwIfAborted(s.signal);
      // From the second round on, also ask a running OpenBeken firmware to reboot (its CLI
      // command), as the GUI flasher does; a chip in download mode ignores the text.
      const askReboot = attempt >= 2;
      const strategy = [reset ? 'dtr-rts-reset' : '', askReboot ? 'firmware-reboot' : ''].filter(Boolean).join('+') || 'no-reset';
      this.events({ type: 'connect-attempt', attempt, strategy });
      if (reset) await this.pulseReset();
      if (askReboot) await this.transport.write(FIRMWARE_REBOOT);
      if (await this.knock(s.knockMs ?? KNOCK_MS, seen)) {
        this.strategy = strategy;
        return this.settle();
      }
      if (attempt === 1 && workingBaud !== LINK_BAUD && this.transport.canSetBaud) {
        if (await this.knockAt(workingBaud, STILL_LINKED_MS)) {
          this.strategy = 'already-linked';
          return this.settle();
        }
      }
    }
    if (s.wait) {
      this.events({
        type: 'wait-for-user',
        message: `Power-cycle the device now (or touch CEN to GND); still knocking for ${Math.round(s.waitMs / 1000)} s…`,
      });
      if (await this.knock(s.waitMs, seen)) {
        this.strategy = 'power-cycle';
        return this.settle();
      }
    }
    throw this.noLink(seen, reset);
  }

  private async knockAt(baud: number, ms: number): Promise<boolean> {
    await this.transport.setBaud(baud);
    this.baud = baud;
    if (await this.knock(ms, [])) return true;
    await this.transport.setBaud(LINK_BAUD);
    this.baud = LINK_BAUD;
    return false;
  }

  /** LinkCheck back to back until a reply or `ms` pass. Bytes that are not replies are kept as evidence. */
  private async knock(ms: number, seen: number[]): Promise<boolean> {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      throwIfAborted(this.settings.signal);
      const ok = await this.session.linkCheck(LINK_READ_MS, this.settings.signal);
      const stray = this.session.reader.stray.splice(0);
      for (const b of stray) if (seen.length < 400) seen.push(b);
      if (ok) return true;
    }
    return false;
  }

  /** Leftover LinkCheck replies from the spam would confuse the next command: read until quiet. */
  private async settle(): Promise<void> {
    await this.session.drain(30, 500, this.settings.signal);
  }

  private noLink(seen: number[], reset: boolean): AnyflashError {
    const text = printable(Uint8Array.from(seen), 120);
    const bootLog = /jump to pc|V:BK|bootloader|\[I\]/i.test(String.fromCharCode(...seen));
    const evidence = seen.length ? [`bytes seen: ${text}`] : ['nothing received'];
    if (bootLog) {
      return new AnyflashError('boot-window-missed', 'The chip booted its firmware; the download window after reset was missed.', {
        family: 'beken',
        evidence,
        advice: [
          'Connect to P10 (RX1) / P11 (TX1): the boot log on TX2 means you are on the log UART.',
          reset ? 'Wire CEN to RTS, or power-cycle the chip while anyflash is knocking (--wait).' : 'Power-cycle the chip while anyflash is knocking (--wait).',
        ],
      });
    }
    return new AnyflashError('no-response', 'No BK72xx answered LinkCheck after reset.', {
      family: 'beken',
      evidence,
      advice: [
        'Check TX↔RX crossing (chip P10 RX1 / P11 TX1), GND and a solid 3.3 V supply.',
        reset ? 'If CEN is not wired to RTS/DTR, use --wait and power-cycle the chip when asked.' : 'Use --wait and power-cycle the chip when asked.',
      ],
    });
  }

  /**
   * Moves to `target` baud, stepping down the ladder when the SetBaudRate echo or the check after
   * it fails. Returns the baud reached.
   */
  async setWorkingBaud(target: number): Promise<number> {
    this.target = target;
    if (!this.transport.canSetBaud || target === this.baud) return this.baud;
    const candidates = [target, ...BAUD_LADDER.filter((b) => b < target)].filter((b, i, all) => all.indexOf(b) === i);
    let attempt = 0;
    for (const baud of candidates) {
      if (baud === LINK_BAUD && this.baud === LINK_BAUD) break;
      if (await this.trySetBaud(baud)) {
        this.target = baud;
        return baud;
      }
      attempt++;
      this.events({ type: 'retry', op: 'baud', attempt, cause: `no answer at ${baud} baud; stepping down` });
      await this.relinkAtLinkBaud();
    }
    this.target = LINK_BAUD;
    return this.baud;
  }

  private async trySetBaud(baud: number): Promise<boolean> {
    const request = cmd.setBaudRate(baud, BAUD_DELAY_MS);
    await this.transport.flushInput();
    await this.session.send(request);
    await this.transport.drain();
    await sleep(BAUD_DELAY_MS / 2, this.settings.signal);
    await this.transport.setBaud(baud);
    this.baud = baud;
    try {
      const p = await this.session.await('short', Short.SetBaudRate, 300 + BAUD_DELAY_MS, 'SetBaudRate', this.settings.signal);
      if (p.length < 5 || p.subarray(0, 5).some((b, i) => b !== request.payload[i])) return false;
      // The echo proves chip→host; a LinkCheck proves host→chip at the new rate too.
      return await this.session.linkCheck(200, this.settings.signal);
    } catch (e) {
      if (e instanceof AnyflashError && e.code === 'timeout') return false;
      throw e;
    }
  }

  /** Gets the bus back at 115200 (reset + knock, or the person's power-cycle). */
  private async relinkAtLinkBaud(): Promise<void> {
    this.relinks++;
    await this.connect();
  }

  /**
   * After a lost reply: regain the bus and the working baud. True when the chip was still in
   * download mode (the line lost the exchange), false when it had to be reset and linked again
   * (it had rebooted or left download mode: not the baud's fault).
   */
  async recover(): Promise<boolean> {
    this.events({ type: 'recover', what: 'link', detail: 're-linking with LinkCheck after a lost reply' });
    await this.transport.flushInput();
    // A chip still in download mode answers at once at the current baud.
    if (await this.session.linkCheck(100, this.settings.signal)) {
      await this.settle();
      return true;
    }
    await this.relinkAtLinkBaud();
    await this.setWorkingBaud(this.target);
    return false;
  }

  /** After repeated CRC failures: the next lower rung of the ladder. */
  async stepDown(): Promise<boolean> {
    const lower = BAUD_LADDER.find((b) => b < this.baud);
    if (lower === undefined || !this.transport.canSetBaud) return false;
    this.events({ type: 'recover', what: 'baud', detail: `Data errors at ${this.baud} baud; re-linking and continuing at ${lower}.` });
    await this.relinkAtLinkBaud();
    await this.setWorkingBaud(lower);
    return true;
  }
}
