import { AnyflashError } from '../../core/errors.js';
import { printable, textEncoder } from '../../core/bytes.js';
import { deadlineIn } from '../../core/time.js';
import type { Transport } from '../../transport/types.js';

/** Reply tokens of the stub's `burn_*` commands; the first one in the stream wins, as in sftool. */
export const TOKENS = ['OK', 'Fail', 'RX_WAIT'] as const;

/** What the SF32 ROM prints on its debug UART right after a reset. */
export const ROM_BANNER = 'SFBL';
/** RT-Thread's msh answer to a line it cannot run: here, a command line damaged on the wire. */
const NOT_FOUND = ': command not found.';
export type Token = (typeof TOKENS)[number];

export interface TokenReply {
  token: Token;
  /** Text the stub printed before the token (echo, `addr:` and `V:` lines). */
  text: string;
}

const decoder = new TextDecoder('latin1');
/** How long the echo of a command may take to come back before replies are scanned without it. */
const ECHO_MS = 300;
/** Beyond wire time, how long an echo checked before Enter may take (the shell echoes at once). */
const CHECK_MS = 40;
/** Attempts to type a checked command line intact. */
const CHECKED_TRIES = 6;

/**
 * The stub's text shell over a transport. Keeps what was read but not yet consumed, so binary data
 * after `start_trans` and text around it are split exactly. Never flushes the OS input buffer after
 * a command was sent (clearing it truncated later TX on macOS + FTDI, sftool c182419).
 */
export class StubShell {
  private pending = new Uint8Array(0);
  /** The last command line, until its echo was seen: replies are looked for after it. */
  private echo: string | null = null;

  constructor(
    readonly transport: Transport,
    private readonly family = 'sifli',
    private readonly chip?: string,
  ) {}

  /** Drops what was read but not consumed (earlier prompts and noise). */
  discard(): void {
    this.pending = new Uint8Array(0);
    this.echo = null;
  }

  async send(text: string): Promise<void> {
    await this.transport.write(textEncoder.encode(text));
  }

  /**
   * Sends a command line (`\r`-terminated). Its reply is looked for after the shell's echo of the
   * line, so a late token of an earlier command is not taken for this command's answer.
   */
  async command(line: string): Promise<void> {
    this.discard();
    await this.send(line + '\r');
    this.echo = line;
  }

  /**
   * Types `line` and presses Enter only after its echo came back intact, then waits for the
   * shell's newline. On a line that damages bytes, a command that changes the flash would
   * otherwise run with a damaged address or length; a damaged line is wiped with backspaces
   * (msh deletes one character per backspace) and typed again. False after `tries` attempts.
   */
  async checkedCommand(line: string, signal?: AbortSignal, tries = CHECKED_TRIES): Promise<boolean> {
    const wireMs = (n: number): number => (n * 10_000) / this.transport.baud;
    for (let i = 0; i < tries; i++) {
      this.discard();
      await this.send(line);
      if (await this.seen((t) => t.endsWith(line), deadlineIn(CHECK_MS + 2 * wireMs(line.length)), signal)) {
        const at = this.pending.length;
        await this.send('\r');
        // msh answers Enter with "\r\n" and runs the line; Enter damaged into another byte is echoed
        // as that one byte, and nothing runs. Two bytes back mean Enter arrived, whatever the echo looks like.
        await this.seen((t) => t.length >= at + 2, deadlineIn(CHECK_MS + wireMs(4)), signal);
        const back = decoder.decode(this.pending.subarray(at, at + 2));
        if (back.length === 2 || back === '\r' || back === '\n') {
          this.pending = this.pending.slice(at + back.length);
          return true;
        }
        if (back.length === 0) {
          throw new AnyflashError('timeout', `The SiFli stub did not answer Enter after "${line}".`, {
            family: this.family,
            chip: this.chip,
            advice: ['Power-cycle the board and try again; if it repeats, check the cable and lower the baud rate.'],
          });
        }
      }
      // Extra backspaces cover characters a damaged backspace may have typed instead.
      await this.send('\b'.repeat(line.length + 8));
      await this.seen(() => false, deadlineIn(CHECK_MS + wireMs(3 * (line.length + 8))), signal);
    }
    this.discard();
    return false;
  }

  /** Waits until one of `patterns` has arrived, consuming nothing; false when the deadline passes first. */
  async arrived(patterns: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.seen((t) => patterns.some((p) => t.includes(p)), deadlineIn(timeoutMs), signal);
  }

  /** Reads until `done(text)` holds for what is pending, or the deadline passes. */
  private async seen(done: (text: string) => boolean, deadline: number, signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (done(decoder.decode(this.pending))) return true;
      if (!(await this.fill(deadline, signal))) return false;
    }
  }

  /** Consumes through the echo of the last command; without an echo in time, keeps everything. */
  private async skipEcho(deadline: number, signal?: AbortSignal): Promise<void> {
    const echo = this.echo;
    this.echo = null;
    if (!echo) return;
    const echoDeadline = Math.min(deadline, deadlineIn(ECHO_MS + (echo.length * 10_000) / this.transport.baud));
    for (;;) {
      const at = decoder.decode(this.pending).indexOf(echo);
      if (at >= 0) {
        this.pending = this.pending.slice(at + echo.length);
        return;
      }
      if (!(await this.fill(echoDeadline, signal))) return;
    }
  }

  /** Reads more bytes; false when the deadline passed with nothing new. */
  private async fill(deadline: number, signal?: AbortSignal): Promise<boolean> {
    const got = await this.transport.read({ deadline, signal });
    if (got.length === 0) return false;
    const merged = new Uint8Array(this.pending.length + got.length);
    merged.set(this.pending);
    merged.set(got, this.pending.length);
    this.pending = merged;
    return true;
  }

  /** Waits for the first of `patterns`; consumes through it. Null when the deadline passes. */
  async waitFor(patterns: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<{ match: string; text: string } | null> {
    const deadline = deadlineIn(timeoutMs);
    await this.skipEcho(deadline, signal);
    let best = -1;
    let match = '';
    const found = (text: string): boolean => {
      for (const p of patterns) {
        const at = text.indexOf(p);
        if (at >= 0 && (best < 0 || at < best)) {
          best = at;
          match = p;
        }
      }
      return best >= 0;
    };
    if (!(await this.seen(found, deadline, signal))) return null;
    const text = decoder.decode(this.pending.subarray(0, best));
    this.pending = this.pending.slice(best + match.length);
    return { match, text };
  }

  /** Waits for `pattern` in what arrives (echo included); consumes through it. Null when the deadline passes. */
  async waitForMatch(pattern: RegExp, timeoutMs: number, signal?: AbortSignal): Promise<RegExpExecArray | null> {
    this.echo = null;
    const hit: { m?: RegExpExecArray } = {};
    if (!(await this.seen((text) => (hit.m = pattern.exec(text) ?? undefined) !== undefined, deadlineIn(timeoutMs), signal))) return null;
    this.pending = this.pending.slice(hit.m!.index + hit.m![0].length);
    return hit.m!;
  }

  /** Waits for OK / Fail / RX_WAIT; a timeout is an error naming the command. */
  async token(what: string, timeoutMs: number, signal?: AbortSignal): Promise<TokenReply> {
    const got = await this.waitFor([...TOKENS, ROM_BANNER, NOT_FOUND], timeoutMs, signal);
    if (got?.match === NOT_FOUND) {
      throw new AnyflashError('garbled-reply', `The SiFli stub did not recognise the ${what} command line: it was damaged on the wire.`, {
        family: this.family,
        chip: this.chip,
        evidence: [`the stub answered: ${printable(textEncoder.encode(got.text.slice(-80) + NOT_FOUND))}`],
        advice: ['Shorten the wires or lower the baud rate; check the common ground.'],
      });
    }
    if (got?.match === ROM_BANNER) {
      // The ROM greets after a reset: the chip rebooted (supply, watchdog) and the stub is gone.
      throw new AnyflashError('device-rebooted', `The SF32 rebooted during ${what} (its ROM printed ${ROM_BANNER}).`, {
        family: this.family,
        chip: this.chip,
        evidence: [`before the banner: ${printable(textEncoder.encode(got.text.slice(-120)))}`],
        advice: ['Check the supply: a weak USB port or a long cable resets the chip under flash load.'],
      });
    }
    if (!got) {
      throw new AnyflashError('timeout', `The SiFli stub did not answer ${what} within ${(timeoutMs / 1000).toFixed(1)} s.`, {
        family: this.family,
        chip: this.chip,
        evidence: this.pending.length ? [`last bytes: ${printable(this.pending.slice(-120))}`] : ['nothing received'],
        advice: ['Power-cycle the board and try again; if it repeats, lower the baud rate (--baud 1000000).'],
      });
    }
    return { token: got.match as Token, text: got.text };
  }

  /** Exactly `n` raw bytes; `inactivityMs` bounds every gap between arrivals. */
  async readExact(n: number, inactivityMs: number, signal?: AbortSignal, onBytes?: (have: number) => void): Promise<Uint8Array> {
    while (this.pending.length < n) {
      const before = this.pending.length;
      if (!(await this.fill(deadlineIn(inactivityMs), signal))) {
        throw new AnyflashError('timeout', `The SiFli stub stopped sending after ${before} of ${n} bytes.`, {
          family: this.family,
          chip: this.chip,
          advice: ['Power-cycle the board and try again; if it repeats, lower the baud rate.'],
        });
      }
      onBytes?.(Math.min(n, this.pending.length));
    }
    const out = this.pending.slice(0, n);
    this.pending = this.pending.slice(n);
    return out;
  }

  /**
   * Brings the shell to a prompt: sends `\r\n` and waits for `msh >` (or `expect`), re-sending every
   * `intervalMs`, `tries` times in all. False when it never came.
   */
  async sync(signal?: AbortSignal, expect = 'msh >', intervalMs = 200, tries = 6): Promise<boolean> {
    for (let i = 0; i < tries; i++) {
      await this.send('\r\n');
      if (await this.waitFor([expect], intervalMs, signal)) {
        // Let the rest of the prompt line arrive so it is not mistaken for a reply later.
        this.discard();
        return true;
      }
    }
    return false;
  }
}

export const hex8 = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');
