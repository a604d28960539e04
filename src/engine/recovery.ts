import { AnyflashError, type ErrorCode } from '../core/errors.js';
import type { FlashDevice } from '../families/types.js';

/** What the engine needs to get a working device back after the link or the chip failed. */
export interface RecoveryOptions {
  /**
   * Waits for the port to come back, reopens it, re-enters download mode and connects again
   * (stub, baud). `lowerBaud` asks for the next lower rate after repeated link errors.
   */
  reconnect: (context: { attempt: number; cause: AnyflashError; lowerBaud: boolean }) => Promise<Reconnected>;
  /** Most recoveries in one job (default 8). */
  maxRecoveries?: number;
  /** Most seconds spent recovering in one job (default 180). */
  maxSeconds?: number;
}

/** Every kind the engine reconnects for (a family's own recoveries are other `recover` events). */
export const FAILURE_KINDS = ['link-loss', 'reboot', 'garbled', 'silence'] as const;

export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface Reconnected {
  device: FlashDevice;
  /** Boot or firmware text was seen before reconnecting: the chip had reset itself. */
  rebooted?: boolean;
}

/** How a failure looks from the host: only these are worth reconnecting for. */
const KIND: Partial<Record<ErrorCode, FailureKind>> = {
  'port-vanished': 'link-loss',
  'port-error': 'link-loss',
  'port-write-timeout': 'link-loss',
  'port-not-found': 'link-loss',
  'device-rebooted': 'reboot',
  'brownout-suspected': 'reboot',
  'wrong-boot-mode': 'reboot',
  'firmware-owns-uart': 'reboot',
  'garbled-reply': 'garbled',
  'device-error': 'garbled',
  'verify-mismatch': 'garbled',
  timeout: 'silence',
  'no-response': 'silence',
  'no-sync-reply': 'silence',
  'stub-failed': 'silence',
};

/** Text a chip prints when it boots: seeing it mid-operation means it reset (supply, watchdog). */
const BOOT_TEXT = /rst:0x[0-9a-f]+|ets [A-Z][a-z]{2} +\d|ESP-ROM:|Brownout detector|boot:0x[0-9a-f]+|jump to pc|bootloader|SFBL/i;

export function failureKind(e: AnyflashError): FailureKind | undefined {
  const kind = KIND[e.code];
  if ((kind === 'garbled' || kind === 'silence') && [e.message, ...e.evidence].some((t) => BOOT_TEXT.test(t))) return 'reboot';
  return kind;
}

export interface RecoveryReport {
  linkLosses: number;
  reboots: number;
  garbled: number;
  silences: number;
  /** Bytes sent again because they were written before a failure. */
  resentBytes: number;
  /** Set when the baud was lowered during recovery. */
  baud?: number;
}

export function emptyReport(): RecoveryReport {
  return { linkLosses: 0, reboots: 0, garbled: 0, silences: 0, resentBytes: 0 };
}

/** "recovered from 2 link losses, 1 reboot; 5 sectors re-sent; baud lowered to 460800" */
export function describeRecoveries(r: RecoveryReport, sectorSize: number): string | undefined {
  const parts: string[] = [];
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  if (r.linkLosses) parts.push(plural(r.linkLosses, 'link loss', 'link losses'));
  if (r.reboots) parts.push(plural(r.reboots, 'reboot', 'reboots'));
  if (r.garbled) parts.push(plural(r.garbled, 'garbled reply', 'garbled replies'));
  if (r.silences) parts.push(plural(r.silences, 'silence', 'silences'));
  if (parts.length === 0) return undefined;
  let text = `recovered from ${parts.join(', ')}`;
  if (r.resentBytes) text += `; ${plural(Math.ceil(r.resentBytes / sectorSize), 'sector', 'sectors')} re-sent`;
  if (r.baud) text += `; baud lowered to ${r.baud}`;
  return text;
}

/**
 * Bounds and bookkeeping for one job's recoveries. `attempt` returns the new device, or throws
 * `recovery-exhausted` when the budget is spent.
 */
export class RecoveryBudget {
  readonly report = emptyReport();
  private count = 0;
  private spentMs = 0;
  private linkErrors = 0;

  constructor(private readonly options: RecoveryOptions) {}

  async recover(cause: AnyflashError, kind: FailureKind, onRecovered: (kind: FailureKind, detail: string) => void): Promise<FlashDevice> {
    const max = this.options.maxRecoveries ?? 8;
    const maxMs = (this.options.maxSeconds ?? 180) * 1000;
    if (this.count >= max || this.spentMs >= maxMs) {
      throw new AnyflashError('recovery-exhausted', `Gave up after ${this.count} recoveries: ${cause.message}`, {
        cause,
        evidence: [describeRecoveries(this.report, 4096) ?? 'no recovery succeeded', `last failure: ${cause.code}`],
        advice: cause.advice.length ? cause.advice : ['Check the supply, the cable and the USB hub, then run the same command again: it resumes where it stopped.'],
      });
    }
    this.count++;
    if (kind === 'garbled' || kind === 'silence') this.linkErrors++;
    const started = performance.now();
    try {
      const { device, rebooted } = await this.options.reconnect({ attempt: this.count, cause, lowerBaud: this.linkErrors >= 2 });
      if (rebooted && kind !== 'link-loss') kind = 'reboot';
      this.tally(kind);
      if (this.linkErrors >= 2) this.linkErrors = 0;
      onRecovered(kind, `${cause.code}: ${cause.message}`);
      return device;
    } finally {
      this.spentMs += performance.now() - started;
    }
  }

  private tally(kind: FailureKind): void {
    if (kind === 'link-loss') this.report.linkLosses++;
    else if (kind === 'reboot') this.report.reboots++;
    else if (kind === 'garbled') this.report.garbled++;
    else this.report.silences++;
  }
}
