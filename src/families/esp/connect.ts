import { bootButton, manualBootEntry } from '../../core/boot-entry.js';
import { AnyflashError, type ErrorCode } from '../../core/errors.js';
import { printable, textDecoder } from '../../core/bytes.js';
import type { EventSink } from '../../core/events.js';
import { sleep, throwIfAborted } from '../../core/time.js';
import type { Transport } from '../../transport/types.js';
import type { EspLoader } from './loader.js';
import { SYNC_TIMEOUT_MS } from './protocol.js';
import {
  classicReset,
  customReset,
  defaultStrategies,
  runReset,
  unixTightReset,
  usbJtagSerialReset,
  type ResetStrategy,
} from './reset.js';

export interface ConnectLoopOptions {
  transport: Transport;
  before?: string;
  connectAttempts?: number;
  wait?: boolean;
  waitMs?: number;
  events: EventSink;
  signal?: AbortSignal;
  /** Chip name for messages (`ESP32-S3` when `--chip` was given). */
  target?: string;
  /** Detection's short attempt: the first reset strategy, a short boot-log read, fewer SYNCs. */
  probe?: boolean;
}

export interface ConnectLoopResult {
  strategy: string;
  /** SYNC answered with value 0: a flasher stub is already running. */
  stubRunning: boolean;
  /** False for `no-reset-no-sync`: nothing was sent yet. */
  synced: boolean;
}

const SYNC_TRIES_PER_ATTEMPT = 5;
/** Detection's short attempt: a chip in download mode answers the first SYNC after its boot log. */
const PROBE_SYNC_TRIES = 2;
const BOOT_LOG_MS = 250;
const BOOT_LOG_QUIET_MS = 40;
/**
 * First boot-log byte over RFC 2217: esp_rfc2217_server plays the download-mode reset itself when
 * DTR goes on (EN low 100 ms, then IO0 low 50 ms), so the chip boots ~100 ms after our own
 * sequence ends; without this wait the first SYNC lands in the reset and costs its 100 ms timeout.
 */
const RFC2217_BOOT_LOG_FIRST_MS = 200;
/** The download-mode boot log's last line: the ROM prints nothing more until it is spoken to. */
const WAITING_FOR_DOWNLOAD = /waiting for download/;
/** The ROM answers one SYNC eight times; esptool reads the seven others as they come. */
const EXTRA_SYNC_REPLIES = 7;
/** How long the seven extra SYNC replies (or a stub's silence after its one) may take. */
const SYNC_DRAIN_MS = 150;
const PROBE_BOOT_LOG_MS = 100;
const DEFAULT_CONNECT_ATTEMPTS = 7;
const DEFAULT_WAIT_MS = 60_000;
const NO_RESET: ResetStrategy = { name: 'no-reset', steps: [] };

/** What the connect loop saw, kept to explain a failure. */
export interface ConnectEvidence {
  bootText: string;
  /** Non-SLIP bytes received while waiting for SYNC replies. */
  garbage: Uint8Array;
  anyBytes: boolean;
  echo: boolean;
  lastError?: string;
  strategies: string[];
}

/** Strategies for a `before` value (`default-reset`, `usb-reset`, `no-reset`, a custom sequence…). */
export function strategiesFor(before: string | undefined, transport: Transport): ResetStrategy[] {
  // esptool v4 spelled the names with underscores; both are accepted.
  switch ((before ?? 'default-reset').replace(/_/g, '-')) {
    case 'default-reset':
    case 'default':
      return defaultStrategies(transport);
    case 'usb-reset':
      return [usbJtagSerialReset()];
    case 'classic-reset':
      return [classicReset(50), classicReset(550)];
    case 'unix-tight-reset':
      return [unixTightReset(50), unixTightReset(550)];
    case 'no-reset':
    case 'no-reset-no-sync':
      return [NO_RESET];
    default:
      return [customReset(before!)];
  }
}

/**
 * esptool's connect loop: cycle reset strategies; per attempt flush, reset, read the boot log,
 * then up to 5 SYNCs with a 100 ms timeout. Bounded by `connectAttempts` and the abort signal.
 */
export async function connectLoop(loader: EspLoader, options: ConnectLoopOptions): Promise<ConnectLoopResult> {
  const { transport, events, signal } = options;
  if (options.before?.replace(/_/g, '-') === 'no-reset-no-sync') return { strategy: 'no-reset-no-sync', stubRunning: false, synced: false };

  let strategies = strategiesFor(options.before, transport);
  if (!transport.canSignal && strategies.some((s) => s.steps.length > 0)) {
    events({
      type: 'note',
      level: 'warn',
      code: 'no-reset-over-socket',
      message: `It's not possible to reset the chip over ${transport.kind}: automatic resetting to the bootloader is disabled; reset the chip manually.`,
    });
    strategies = [NO_RESET];
  }

  const evidence: ConnectEvidence = { bootText: '', garbage: new Uint8Array(0), anyBytes: false, echo: false, strategies: [] };
  const limit = options.connectAttempts ?? DEFAULT_CONNECT_ATTEMPTS;
  loader.reader.clearEvidence();
  for (let attempt = 0; limit <= 0 || attempt < limit; attempt++) {
    const strategy = strategies[attempt % strategies.length]!;
    events({ type: 'connect-attempt', attempt: attempt + 1, strategy: strategy.name });
    if (!evidence.strategies.includes(strategy.name)) evidence.strategies.push(strategy.name);
    const result = await attemptOnce(loader, strategy, evidence, options);
    if (result) return result;
  }

  if (options.wait) {
    events({ type: 'wait-for-user', message: `Hold ${bootButton(options.target)}, tap RESET, release BOOT — waiting…` });
    const end = performance.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
    let attempt = 0;
    while (performance.now() < end) {
      events({ type: 'connect-attempt', attempt: ++attempt, strategy: 'manual' });
      const result = await attemptOnce(loader, { name: 'manual', steps: [] }, evidence, options);
      if (result) return result;
    }
  }
  throw diagnoseConnectFailure(evidence, options.target ?? 'ESP');
}

async function attemptOnce(
  loader: EspLoader,
  strategy: ResetStrategy,
  evidence: ConnectEvidence,
  options: ConnectLoopOptions,
): Promise<ConnectLoopResult | null> {
  const { signal, events } = options;
  await loader.reader.flush();
  if (strategy.steps.length > 0) await resetReopening(options.transport, strategy, options);
  const first = strategy.steps.length > 0 && options.transport.kind === 'rfc2217' ? RFC2217_BOOT_LOG_FIRST_MS : BOOT_LOG_QUIET_MS;
  const boot = await loader.reader.readRaw(
    (options.probe ? PROBE_BOOT_LOG_MS : BOOT_LOG_MS) + first - BOOT_LOG_QUIET_MS,
    BOOT_LOG_QUIET_MS,
    signal,
    (bytes) => WAITING_FOR_DOWNLOAD.test(textDecoder.decode(bytes.subarray(-64))),
    first,
  );
  if (boot.length > 0) {
    evidence.anyBytes = true;
    const text = textDecoder.decode(boot);
    if (evidence.bootText.length < 8192) evidence.bootText += text;
    events({ type: 'boot-log', text });
  }
  for (let i = 0; i < (options.probe ? PROBE_SYNC_TRIES : SYNC_TRIES_PER_ATTEMPT); i++) {
    throwIfAborted(signal);
    await loader.reader.flush();
    loader.statusLen = undefined;
    try {
      const value = await loader.sync(SYNC_TIMEOUT_MS, signal);
      // A ROM answers SYNC 8 times: take the other seven as they come. A running stub answers once: let the line go quiet.
      if (value === 0) await loader.reader.readRaw(SYNC_DRAIN_MS, 30, signal);
      else await drainSyncReplies(loader, signal);
      await loader.reader.flush();
      return { strategy: strategy.name, stubRunning: value === 0, synced: true };
    } catch (e) {
      if (!(e instanceof AnyflashError) || e.code === 'aborted' || e.code.startsWith('port-')) throw e;
      evidence.lastError = e.message;
    } finally {
      if (loader.reader.receivedAnything) evidence.anyBytes = true;
      if (loader.echoSeen) evidence.echo = true;
      evidence.garbage = loader.reader.garbageEvidence;
    }
    await sleep(50, signal);
  }
  return null;
}

/** Reads the ROM's seven extra SYNC replies, bounded by SYNC_DRAIN_MS; fewer is no error (a reply may be lost). */
async function drainSyncReplies(loader: EspLoader, signal?: AbortSignal): Promise<void> {
  const deadline = performance.now() + SYNC_DRAIN_MS;
  for (let i = 0; i < EXTRA_SYNC_REPLIES; i++) {
    try {
      await loader.reader.readFrame(deadline, signal);
    } catch (e) {
      if (!(e instanceof AnyflashError) || e.code === 'aborted' || e.code.startsWith('port-')) throw e;
      return;
    }
  }
}

const REOPEN_TRIES = 3;
const REOPEN_DELAY_MS = 500;

/**
 * Runs a reset; a native-USB chip re-enumerates when reset, so a port that vanished is reopened
 * (3 tries, 0.5 s apart) before giving up.
 */
async function resetReopening(transport: Transport, strategy: ResetStrategy, options: ConnectLoopOptions): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await runReset(transport, strategy, options.signal);
      return;
    } catch (e) {
      if (!(e instanceof AnyflashError) || e.code !== 'port-vanished' || attempt >= REOPEN_TRIES) throw e;
      options.events({ type: 'recover', what: 'port', detail: `The port vanished during reset; reopening (${attempt + 1}/${REOPEN_TRIES}).` });
      await sleep(REOPEN_DELAY_MS, options.signal);
      await transport.close().catch(() => {});
      await transport.open().catch(() => {});
    }
  }
}

function isReadable(text: string): boolean {
  const trimmed = text.replace(/[\r\n\t]/g, ' ');
  if (trimmed.trim().length < 8) return false;
  let printableCount = 0;
  for (const ch of trimmed) if (ch >= ' ' && ch <= '~') printableCount++;
  return printableCount / trimmed.length >= 0.85;
}

const BOOT_MODE = /boot:(0x[0-9a-fA-F]+)/;

/** Chooses the error code from what was seen (reference §3 and §8). */
export function diagnoseConnectFailure(evidence: ConnectEvidence, target: string): AnyflashError {
  const seen = evidence.bootText + textDecoder.decode(evidence.garbage);
  const facts: string[] = [];
  if (evidence.strategies.length) facts.push(`reset strategies tried: ${evidence.strategies.join(', ')}`);
  if (seen.length) facts.push(`received: ${printable(Uint8Array.from(seen, (c) => c.charCodeAt(0)), 300)}`);
  if (evidence.lastError) facts.push(`last error: ${evidence.lastError}`);
  const fail = (code: ErrorCode, reason: string, advice: string[], extra: string[] = []): AnyflashError =>
    new AnyflashError(code, `Failed to connect to ${target}: ${reason}`, { family: 'esp', advice, evidence: [...extra, ...facts] });

  // The chip's own strapping pin (GPIO0, GPIO9, GPIO28, GPIO35), as doctor and explain word it.
  const manualBoot = manualBootEntry({ family: 'esp', chip: target });
  if (evidence.echo) {
    return fail('echo-loopback', 'our own SYNC frames came back: RX and TX are looped.', [
      'Check the wiring: the adapter RX/TX must go to the chip TX/RX, not to each other (remove loopback jumpers).',
      'Make sure the chip is powered and its UART pins are not shorted.',
    ]);
  }
  if (/Brownout detector was triggered/.test(seen)) {
    return fail('brownout-suspected', 'the chip keeps resetting: "Brownout detector was triggered".', [
      'Power the board from a supply that delivers 500 mA peaks (not an adapter 3.3 V pin); use a short, thick USB cable.',
      'Add bulk capacitance (≥100 µF) close to the module supply pins.',
    ]);
  }
  const boot = BOOT_MODE.exec(seen);
  const waiting = /waiting for download/.test(seen);
  if (boot && !waiting) {
    return fail(
      'wrong-boot-mode',
      `wrong boot mode detected (${boot[1]}): the chip booted its firmware instead of the download mode.`,
      [manualBoot, `The auto-reset circuit did not pull ${bootButton(target)} low: check the DTR/RTS wiring or try another adapter/cable.`],
      [`boot mode: ${boot[1]}`],
    );
  }
  if (waiting) {
    return fail('no-sync-reply', 'download mode was detected, but there is no reply to SYNC: the serial TX path seems to be down.', [
      'Check the adapter TX → chip RX (U0RXD) wire and its solder joint.',
      'Close other programs that may hold the port, and try a lower baud rate or another adapter.',
    ]);
  }
  if (isReadable(seen)) {
    return fail('firmware-owns-uart', 'a running firmware is printing on the serial line instead of the bootloader answering.', [
      manualBoot,
      'Check that DTR/RTS reach IO0/EN for automatic reset, or close the serial monitor that holds the chip in its app.',
    ]);
  }
  if (!evidence.anyBytes) {
    return fail('no-response', 'No serial data received.', [
      'Check the port is the right one, the cable carries data (not charge-only) and the chip is powered.',
      manualBoot,
      'Check that adapter TX goes to chip RX and adapter RX to chip TX.',
    ]);
  }
  return fail('garbled-reply', evidence.lastError ?? 'only unreadable bytes were received.', [
    'Unreadable bytes usually mean a wrong baud rate (ESP8266 prints its boot log at 74880 baud) or noise on the line.',
    manualBoot,
  ]);
}
